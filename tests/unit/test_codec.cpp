#include <catch2/catch.hpp>

#include "codec.hpp"
#include "messages.hpp"

#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <set>
#include <string>
#include <string_view>
#include <vector>

using namespace zshare::protocol;

namespace {

constexpr std::uint64_t big = std::numeric_limits<std::uint64_t>::max();

/// Raw bytes written by hand, one value per byte.
std::string raw(std::initializer_list<unsigned> bytes) {
    std::string out;
    for (const unsigned b : bytes)
        out += static_cast<char>(static_cast<unsigned char>(b));
    return out;
}

/// A msgpack fixstr (fewer than 32 bytes).
std::string str(std::string_view text) {
    REQUIRE(text.size() < 32);
    return raw({0xa0u | static_cast<unsigned>(text.size())}) + std::string(text);
}

/// The protocol version, as the one byte of a positive fixint.
constexpr unsigned version = static_cast<unsigned>(protocol_version);

/// The frame [version, type, body] from already packed parts.
std::string frame(const std::string &version_bytes, const std::string &type, const std::string &body) {
    return raw({0x93}) + version_bytes + type + body;
}

/// A frame of this protocol version with a type given as text.
std::string frame(std::string_view type, const std::string &body) {
    return frame(raw({version}), str(type), body);
}

/// Binary data with zero bytes and every byte value inside.
std::string binary(std::size_t size) {
    std::string out(size, '\0');
    for (std::size_t i = 0; i < size; ++i)
        out[i] = static_cast<char>(static_cast<unsigned char>((i * 7) % 256));
    return out;
}

std::vector<FileEntry> some_files() {
    return {
        {"/home/alice/a.txt", 12, std::string(64, 'a')}, {"/home/alice/dir with space/b.bin", big}, {std::string("nul\0in", 6), 0}};
}

std::vector<PeerInfo> some_peers() {
    return {{"alice", "tcp://10.0.0.1:5001", some_files()},
            {"bob", "tcp://[::1]:5002", {}},
            {"carol", "tcp://host.example:65535", {{"/c", 3}}}};
}

/// One sample of every alternative of Message, with non-default field values.
std::vector<Message> samples() {
    return {
        Hello{},
        Connect{"alice", "tcp://*:5001", some_files()},
        UpdateFiles{some_files()},
        Disconnect{},
        ListPeers{},
        Welcome{"tcp://0.0.0.0:6000", 0x1234567890abcdefULL, 42},
        Connected{"alice", "tcp://10.0.0.1:5001", "tcp://10.0.0.9:6000", big, 7, 1000, 5000},
        PeerList{99, 1000, some_peers()},
        SnapshotEnd{99, 1000, 3},
        Ack{12345},
        Error{"name_taken", "alice is taken \"already\""},
        RegisterPeer{3, 4, some_peers()[0]},
        UpdatePeer{3, 5, "carol", "tcp://host.example:65535", "key", false, {{"/c", 3}}, {"/gone", "/old"}},
        UnregisterPeer{3, 6, "bob"},
        Heartbeat{3, 6},
        Ping{},
        Pong{3, 6, true},
        StatFile{"/home/alice/a.txt"},
        FileStat{"/home/alice/a.txt", 1u << 31},
        FetchChunk{"/home/alice/a.txt", big - 1, max_chunk_length},
        ChunkData{"/home/alice/a.txt", 4096, Bytes{std::string("\0\x01\xff\0zero\0", 9)}},
        GetManifest{"/home/alice/a.txt"},
        ManifestData{"/home/alice/a.txt", std::string(64, 'f'), Bytes{std::string("\x93\x01", 2)}},
        Manifest{3u << 20, 1u << 20, Bytes{std::string(96, '\x7f')}},
    };
}

/// Checks that `bytes` decode to an error, with no message and a reason, without throwing.
void check_refused(const std::string &bytes, const DecodeLimits &limits = {}) {
    Decoded decoded;
    REQUIRE_NOTHROW(decoded = decode(bytes, limits));
    CHECK_FALSE(decoded);
    CHECK_FALSE(decoded.message.has_value());
    CHECK_FALSE(decoded.error.empty());
}

} // namespace

TEST_CASE("samples cover every message", "[codec]") {
    std::set<std::size_t> seen;
    for (const auto &message : samples())
        seen.insert(message.index());
    CHECK(seen.size() == std::variant_size_v<Message>);
}

TEST_CASE("round trip of every message", "[codec]") {
    for (const auto &message : samples()) {
        INFO("type " << type_name(message));
        const std::string bytes = encode(message);
        const Decoded decoded = decode(bytes);
        INFO("error " << decoded.error);
        REQUIRE(decoded);
        CHECK(decoded.error.empty());
        CHECK(type_name(*decoded.message) == type_name(message));
        CHECK(*decoded.message == message);
    }
}

TEST_CASE("round trip through encode_zmq", "[codec]") {
    for (const auto &message : samples()) {
        INFO("type " << type_name(message));
        const zmq::message_t frame_out = encode_zmq(message);
        CHECK(std::string(static_cast<const char *>(frame_out.data()), frame_out.size()) == encode(message));
        const Decoded decoded = decode(frame_out);
        INFO("error " << decoded.error);
        REQUIRE(decoded);
        CHECK(*decoded.message == message);
    }
}

TEST_CASE("round trip of large binary and long strings", "[codec]") {
    // bin32 and str16/str32 encodings, zero bytes included.
    const ChunkData chunk{std::string(300, 'p'), 7, Bytes{binary(70000)}};
    const Decoded decoded = decode(encode(chunk));
    REQUIRE(decoded);
    CHECK(std::get<ChunkData>(*decoded.message) == chunk);

    const ChunkData empty{"/e", 0, Bytes{}};
    const Decoded decoded_empty = decode(encode(empty));
    REQUIRE(decoded_empty);
    CHECK(std::get<ChunkData>(*decoded_empty.message) == empty);
}

TEST_CASE("type names match the alternatives", "[codec]") {
    CHECK(type_name(Hello{}) == "Hello");
    CHECK(type_name(Ack{}) == "Ack");
    CHECK(type_name(ChunkData{}) == "ChunkData");
    CHECK(type_name(Heartbeat{}) == "Heartbeat");
    CHECK(type_name(UnregisterPeer{}) == "UnregisterPeer");
}

TEST_CASE("encoding matches the documented bytes", "[codec]") {
    CHECK(encode(Ack{5}) == raw({0x93, version, 0xa3, 'A', 'c', 'k', 0x81, 0xa3, 's', 'e', 'q', 0x05}));
    CHECK(encode(Hello{}) == raw({0x93, version, 0xa5, 'H', 'e', 'l', 'l', 'o', 0x80}));
    const std::string fetch = encode(FetchChunk{"/srv/a.txt", 1048576, 1048576});
    CHECK(fetch.size() == 54);
    CHECK(fetch == raw({0x93, version}) + str("FetchChunk") + raw({0x83}) + str("path") + str("/srv/a.txt") +
                       str("offset") + raw({0xce, 0x00, 0x10, 0x00, 0x00}) + str("length") +
                       raw({0xce, 0x00, 0x10, 0x00, 0x00}));
}

TEST_CASE("hand-made frame decodes", "[codec]") {
    const Decoded decoded = decode(frame("Ack", raw({0x81}) + str("seq") + raw({0x05})));
    REQUIRE(decoded);
    CHECK(std::get<Ack>(*decoded.message) == Ack{5});
}

TEST_CASE("unknown keys are ignored and missing keys keep defaults", "[codec]") {
    SECTION("extra key") {
        // [1, "Ack", {"seq": 5, "future": 1}]
        const Decoded decoded =
            decode(frame("Ack", raw({0x82}) + str("seq") + raw({0x05}) + str("future") + raw({0x01})));
        REQUIRE(decoded);
        CHECK(std::get<Ack>(*decoded.message) == Ack{5});
    }
    SECTION("extra key of any type, and a non-string key") {
        // [1, "Ack", {"future": [nil, {}], 7: 8, "seq": 6}]
        const Decoded decoded = decode(frame("Ack", raw({0x83}) + str("future") + raw({0x92, 0xc0, 0x80}) +
                                                        raw({0x07, 0x08}) + str("seq") + raw({0x06})));
        REQUIRE(decoded);
        CHECK(std::get<Ack>(*decoded.message) == Ack{6});
    }
    SECTION("empty body") {
        const Decoded decoded = decode(frame("Ack", raw({0x80})));
        REQUIRE(decoded);
        CHECK(std::get<Ack>(*decoded.message) == Ack{0});
    }
    SECTION("some fields missing") {
        // [1, "Connected", {"name": "x", "seq": 9}]
        const Decoded decoded =
            decode(frame("Connected", raw({0x82}) + str("name") + str("x") + str("seq") + raw({0x09})));
        REQUIRE(decoded);
        const auto &connected = std::get<Connected>(*decoded.message);
        CHECK(connected.name == "x");
        CHECK(connected.seq == 9);
        CHECK(connected.endpoint.empty());
        CHECK(connected.publish.empty());
        CHECK(connected.epoch == 0);
    }
    SECTION("missing keys inside nested records") {
        // [1, "UpdateFiles", {"files": [{"path": "/a"}, {}]}]
        const Decoded decoded = decode(frame("UpdateFiles", raw({0x81}) + str("files") + raw({0x92, 0x81}) +
                                                                str("path") + str("/a") + raw({0x80})));
        REQUIRE(decoded);
        const auto &update = std::get<UpdateFiles>(*decoded.message);
        REQUIRE(update.files.size() == 2);
        CHECK(update.files[0] == FileEntry{"/a", 0});
        CHECK(update.files[1] == FileEntry{});
    }
    SECTION("first occurrence of a key wins") {
        // [1, "Ack", {"seq": 5, "seq": 6}]
        const Decoded decoded =
            decode(frame("Ack", raw({0x82}) + str("seq") + raw({0x05}) + str("seq") + raw({0x06})));
        REQUIRE(decoded);
        CHECK(std::get<Ack>(*decoded.message) == Ack{5});
    }
}

TEST_CASE("unsigned integers in every width", "[codec]") {
    const std::vector<std::pair<std::string, std::uint64_t>> cases = {
        {raw({0x7f}), 127},
        {raw({0xcc, 0xff}), 255},
        {raw({0xcd, 0x01, 0x00}), 256},
        {raw({0xce, 0x00, 0x01, 0x00, 0x00}), 65536},
        {raw({0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}), big},
        {raw({0xd0, 0x05}), 5}, // a non-negative signed integer is still an unsigned value
    };
    for (const auto &[bytes, value] : cases) {
        const Decoded decoded = decode(frame("Ack", raw({0x81}) + str("seq") + bytes));
        INFO("value " << value << " error " << decoded.error);
        REQUIRE(decoded);
        CHECK(std::get<Ack>(*decoded.message).seq == value);
    }
}

TEST_CASE("empty input is refused", "[codec]") {
    check_refused(std::string());
    Decoded decoded;
    REQUIRE_NOTHROW(decoded = decode(nullptr, 0));
    CHECK_FALSE(decoded);
    CHECK_FALSE(decoded.error.empty());
}

TEST_CASE("every prefix of a valid frame is refused", "[codec]") {
    const std::vector<Message> messages = {
        Ack{300},
        PeerList{1, 2, some_peers()},
        ChunkData{"/p", 1, Bytes{binary(300)}},
        Connect{"alice", "tcp://*:1", some_files()},
    };
    for (const auto &message : messages) {
        const std::string bytes = encode(message);
        for (std::size_t length = 0; length < bytes.size(); ++length) {
            INFO(type_name(message) << " prefix of " << length << " bytes out of " << bytes.size());
            check_refused(bytes.substr(0, length));
        }
    }
}

TEST_CASE("trailing bytes after a valid frame are refused", "[codec]") {
    const std::string bytes = encode(Ack{5});
    check_refused(bytes + raw({0x00}));
    check_refused(bytes + raw({0xc0}));
    check_refused(bytes + bytes);
    const Decoded decoded = decode(bytes + raw({0x00}));
    CHECK_THAT(decoded.error, Catch::Contains("trailing"));
}

TEST_CASE("sizes claiming gigabytes are refused", "[codec]") {
    const std::string huge = raw({0xff, 0xff, 0xff, 0xff});
    SECTION("array32") {
        check_refused(raw({0xdd}) + huge);
        check_refused(frame("UpdateFiles", raw({0x81}) + str("files") + raw({0xdd}) + huge));
    }
    SECTION("map32") {
        check_refused(raw({0xdf}) + huge);
        check_refused(frame("Ack", raw({0xdf}) + huge));
    }
    SECTION("str32") {
        check_refused(raw({0xdb}) + huge);
        check_refused(frame(raw({version}), raw({0xdb}) + huge, raw({0x80})));
        check_refused(frame("StatFile", raw({0x81}) + str("path") + raw({0xdb}) + huge));
    }
    SECTION("bin32") {
        check_refused(raw({0xc6}) + huge);
        check_refused(frame("ChunkData", raw({0x81}) + str("data") + raw({0xc6}) + huge));
    }
    SECTION("the outer array claiming 4G entries with data behind it") {
        check_refused(raw({0xdd}) + huge + std::string(1000, '\x01'));
    }
}

TEST_CASE("nesting deeper than max_depth is refused", "[codec]") {
    SECTION("a bare nest of arrays") {
        check_refused(std::string(200, '\x91') + raw({0x90}));
    }
    SECTION("inside a field") {
        const std::string nest = std::string(40, '\x91') + raw({0x90});
        const std::string bytes = frame("Ack", raw({0x81}) + str("seq") + nest);
        check_refused(bytes);
        CHECK_THAT(decode(bytes).error, Catch::Contains("deep"));
    }
    SECTION("the envelope counts as one level: twelve pass, thirteen fail") {
        // envelope (1), body (2), then nested arrays as the value of an unknown key.
        const auto with_arrays = [](std::size_t count) {
            return frame("Ack", raw({0x82}) + str("seq") + raw({0x05}) + str("future") +
                                    std::string(count - 1, '\x91') + raw({0x90}));
        };
        const Decoded twelve = decode(with_arrays(10));
        INFO(twelve.error);
        CHECK(twelve);
        check_refused(with_arrays(11));
    }
    SECTION("a tighter limit") {
        DecodeLimits limits;
        limits.max_depth = 2;
        const std::string bytes = encode(UpdateFiles{some_files()}); // array > map > array > map
        check_refused(bytes, limits);
        CHECK(decode(bytes)); // fine with the defaults
    }
}

TEST_CASE("wrong protocol version is refused", "[codec]") {
    for (const unsigned other : {0u, 1u, version - 1, version + 1, 0x7fu}) {
        const std::string bytes = frame(raw({other}), str("Ack"), raw({0x80}));
        check_refused(bytes);
        CHECK_THAT(decode(bytes).error, Catch::Contains("version"));
    }
    check_refused(frame(raw({0xcf, 1, 0, 0, 0, 0, 0, 0, version}), str("Ack"), raw({0x80})));
    // The version in a wider encoding is still the version.
    CHECK(decode(frame(raw({0xcf, 0, 0, 0, 0, 0, 0, 0, version}), str("Ack"), raw({0x80}))));
}

TEST_CASE("version that is not an unsigned integer is refused", "[codec]") {
    check_refused(frame(str("1"), str("Ack"), raw({0x80})));                                  // string
    check_refused(frame(raw({0xff}), str("Ack"), raw({0x80})));                               // -1
    check_refused(frame(raw({0xcb, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0}), str("Ack"), raw({0x80}))); // 1.0
    check_refused(frame(raw({0xc0}), str("Ack"), raw({0x80})));                               // nil
    check_refused(frame(raw({0xc3}), str("Ack"), raw({0x80})));                               // true
    check_refused(frame(raw({0x91, 0x01}), str("Ack"), raw({0x80})));                         // [1]
}

TEST_CASE("type that is not a string is refused", "[codec]") {
    check_refused(frame(raw({version}), raw({0x01}), raw({0x80})));
    check_refused(frame(raw({version}), raw({0xc4, 0x03}) + "Ack", raw({0x80})));
    check_refused(frame(raw({version}), raw({0xc0}), raw({0x80})));
    check_refused(frame(raw({version}), raw({0x91}) + str("Ack"), raw({0x80})));
}

TEST_CASE("unknown type name is refused", "[codec]") {
    const std::string bytes = frame("Shutdown", raw({0x80}));
    check_refused(bytes);
    CHECK_THAT(decode(bytes).error, Catch::Contains("Shutdown"));
    check_refused(frame("", raw({0x80})));
    check_refused(frame("ack", raw({0x80})));
    check_refused(frame(raw({version}), raw({0xa4}) + std::string("Ack\0", 4), raw({0x80})));
}

TEST_CASE("envelope that is not an array of three or more is refused", "[codec]") {
    check_refused(raw({0x80}));
    check_refused(raw({version}));
    check_refused(raw({0xc0}));
    check_refused(raw({0x92, version}) + str("Ack"));
    // The fourth element is the request id: an unsigned integer.
    check_refused(raw({0x94, version}) + str("Ack") + raw({0x80, 0x80}));
    check_refused(raw({0x94, version}) + str("Ack") + raw({0x80, 0xff}));
}

TEST_CASE("request ids travel in the envelope", "[codec]") {
    // [2, "Ack", {"seq": 5}, 7]
    CHECK(encode(Ack{5}, 7) == raw({0x94, version, 0xa3, 'A', 'c', 'k', 0x81, 0xa3, 's', 'e', 'q', 0x05, 0x07}));
    const Decoded decoded = decode(encode(Ping{}, 123456789));
    REQUIRE(decoded);
    CHECK(decoded.request_id == 123456789);
    CHECK(std::holds_alternative<Ping>(*decoded.message));
    // No id: none in the frame, 0 when read.
    CHECK(decode(encode(Ping{})).request_id == 0);
    // A later version may add elements after the id: they are ignored.
    const Decoded longer = decode(raw({0x95, version}) + str("Ack") + raw({0x80, 0x09}) + str("more"));
    REQUIRE(longer);
    CHECK(longer.request_id == 9);
    // The id is read even when the body is malformed, so that the Error reply carries it.
    const Decoded bad = decode(raw({0x94, version}) + str("Ack") + raw({0x81}) + str("seq") + str("x") + raw({0x2a}));
    CHECK_FALSE(bad);
    CHECK(bad.request_id == 42);
    // ChunkData built in place carries it too, after the bytes.
    const auto frame = encode_chunk_data("/a", 0, 3, [](char* into, std::size_t) {
        std::memcpy(into, "xyz", 3);
        return std::ptrdiff_t(3);
    }, 77);
    REQUIRE(frame);
    const auto view = view_chunk_data(*frame);
    REQUIRE(view);
    CHECK(view->request_id == 77);
    CHECK(std::string(view->data, view->size) == "xyz");
    CHECK(decode(*frame).request_id == 77);
}

TEST_CASE("body that is not a map is refused", "[codec]") {
    check_refused(frame("Ack", raw({0x90})));
    check_refused(frame("Ack", raw({0x91, 0x05})));
    check_refused(frame("Ack", raw({0xc0})));
    check_refused(frame("Ack", raw({0x05})));
    check_refused(frame("Hello", raw({0x90}))); // even for a message without fields
    check_refused(frame("Disconnect", str("x")));
}

TEST_CASE("field of the wrong type is refused", "[codec]") {
    SECTION("seq as a string") {
        const std::string bytes = frame("Ack", raw({0x81}) + str("seq") + str("5"));
        check_refused(bytes);
        CHECK_THAT(decode(bytes).error, Catch::Contains("seq"));
    }
    SECTION("seq negative") {
        check_refused(frame("Ack", raw({0x81}) + str("seq") + raw({0xff})));
    }
    SECTION("seq a float") {
        check_refused(frame("Ack", raw({0x81}) + str("seq") + raw({0xcb, 0x40, 0x14, 0, 0, 0, 0, 0, 0})));
    }
    SECTION("seq a boolean") {
        check_refused(frame("Ack", raw({0x81}) + str("seq") + raw({0xc3})));
    }
    SECTION("seq nil") {
        check_refused(frame("Ack", raw({0x81}) + str("seq") + raw({0xc0})));
    }
    SECTION("seq an ext") {
        check_refused(frame("Ack", raw({0x81}) + str("seq") + raw({0xd4, 0x01, 0x05})));
    }
    SECTION("path as an integer") {
        check_refused(frame("StatFile", raw({0x81}) + str("path") + raw({0x05})));
    }
    SECTION("path as binary") {
        check_refused(frame("StatFile", raw({0x81}) + str("path") + raw({0xc4, 0x02}) + "/a"));
    }
    SECTION("data as a string rather than binary") {
        check_refused(frame("ChunkData", raw({0x81}) + str("data") + str("abc")));
    }
    SECTION("files as a map") {
        check_refused(frame("UpdateFiles", raw({0x81}) + str("files") + raw({0x80})));
    }
    SECTION("a file entry that is not a map") {
        check_refused(frame("UpdateFiles", raw({0x81}) + str("files") + raw({0x91}) + str("/a")));
    }
    SECTION("a size deep inside a peer list") {
        // [1, "PeerList", {"peers": [{"name": "a", "files": [{"size": "x"}]}]}]
        const std::string bytes =
            frame("PeerList", raw({0x81}) + str("peers") + raw({0x91, 0x82}) + str("name") + str("a") +
                                  str("files") + raw({0x91, 0x81}) + str("size") + str("x"));
        check_refused(bytes);
        CHECK_THAT(decode(bytes).error, Catch::Contains("size"));
    }
    SECTION("a peer that is a string") {
        check_refused(frame("RegisterPeer", raw({0x81}) + str("peer") + str("alice")));
    }
}

TEST_CASE("frame bigger than max_frame is refused", "[codec]") {
    const std::string bytes = encode(PeerList{1, 2, some_peers()});
    DecodeLimits limits;
    limits.max_frame = bytes.size();
    CHECK(decode(bytes, limits));
    limits.max_frame = bytes.size() - 1;
    check_refused(bytes, limits);
}

TEST_CASE("bin bigger than max_bytes is refused", "[codec]") {
    DecodeLimits limits;
    limits.max_bytes = 16;
    CHECK(decode(encode(ChunkData{"/p", 0, Bytes{binary(16)}}), limits));
    check_refused(encode(ChunkData{"/p", 0, Bytes{binary(17)}}), limits);

    // The default limit accepts a full chunk and refuses more than 8 MiB.
    CHECK(decode(encode(ChunkData{"/p", 0, Bytes{binary(max_chunk_length)}})));
    check_refused(encode(ChunkData{"/p", 0, Bytes{binary(DecodeLimits{}.max_bytes + 1)}}));
}

TEST_CASE("string, array and map limits are enforced", "[codec]") {
    SECTION("string") {
        DecodeLimits limits;
        limits.max_string = 16;
        CHECK(decode(encode(StatFile{std::string(16, 'a')}), limits));
        check_refused(encode(StatFile{std::string(17, 'a')}), limits);
    }
    SECTION("array") {
        DecodeLimits limits;
        limits.max_array = 3;
        CHECK(decode(encode(UpdateFiles{std::vector<FileEntry>(3)}), limits));
        check_refused(encode(UpdateFiles{std::vector<FileEntry>(4)}), limits);
    }
    SECTION("map") {
        DecodeLimits limits;
        limits.max_map = 2;
        CHECK(decode(encode(FileStat{"/a", 1}), limits));
        check_refused(encode(FetchChunk{"/a", 1, 2}), limits);
    }
}

TEST_CASE("limits apply to the values of unknown keys", "[codec]") {
    SECTION("a long string") {
        DecodeLimits limits;
        limits.max_string = 16;
        const std::string ok = frame("Ack", raw({0x81}) + str("future") + str(std::string(16, 'x')));
        const std::string too_long = frame("Ack", raw({0x81}) + str("future") + str(std::string(17, 'x')));
        CHECK(decode(ok, limits));
        check_refused(too_long, limits);
    }
    SECTION("an ext value") {
        check_refused(
            frame("Ack", raw({0x82}) + str("seq") + raw({0x05}) + str("future") + raw({0xd4, 0x01, 0x00})));
        check_refused(
            frame("Ack", raw({0x82}) + str("seq") + raw({0x05}) + str("future") + raw({0xc7, 0x00, 0x01})));
    }
    SECTION("a huge array") {
        check_refused(frame("Ack", raw({0x81}) + str("future") + raw({0xdd, 0xff, 0xff, 0xff, 0xff})));
    }
}

TEST_CASE("a chunk is viewed in place in its frame", "[codec]") {
    const std::string bytes("\0\x01\xff data", 8);
    const zmq::message_t frame = encode_zmq(ChunkData{"/p/a.bin", 1u << 20, Bytes{bytes}});
    const auto view = view_chunk_data(frame);
    REQUIRE(view);
    CHECK(view->path == "/p/a.bin");
    CHECK(view->offset == 1u << 20);
    CHECK(std::string(view->data, view->size) == bytes);
    // the bytes are those inside the frame, not a copy
    const char* begin = static_cast<const char*>(frame.data());
    CHECK(view->data >= begin);
    CHECK(view->data + view->size <= begin + frame.size());

    // anything else is not a chunk: decode() says why
    CHECK_FALSE(view_chunk_data(encode_zmq(Ack{1})));
    const std::string wrong_data_type("\x93\x01\xa9" "ChunkData" "\x83\xa4path\xa1p\xa6offset\x00\xa4" "data\xa1x", 35);
    CHECK_FALSE(view_chunk_data(zmq::message_t(wrong_data_type.data(), wrong_data_type.size())));
    CHECK_FALSE(decode(wrong_data_type));
    const std::string truncated(static_cast<const char*>(frame.data()), frame.size() - 1);
    CHECK_FALSE(view_chunk_data(zmq::message_t(truncated.data(), truncated.size())));
}

TEST_CASE("a content id travels as 32 raw bytes", "[codec]") {
    const std::string id = "00ff" + std::string(60, 'a');
    const std::string bytes = encode(UpdateFiles{{{"/a", 1, id}}});
    // bin 8 of 32 bytes, then the id's bytes
    CHECK(bytes.find(raw({0xc4, 0x20, 0x00, 0xff, 0xaa})) != std::string::npos);
    CHECK(bytes.find(id) == std::string::npos);
    const Decoded decoded = decode(bytes);
    REQUIRE(decoded);
    CHECK(std::get<UpdateFiles>(*decoded.message).files.at(0).content_id == id);

    // Any other length of binary data, or text, is refused.
    const std::string file_with = raw({0x91, 0x81}) + str("content_id");
    check_refused(frame("UpdateFiles", raw({0x81}) + str("files") + file_with + raw({0xc4, 0x1f}) + binary(31)));
    check_refused(frame("UpdateFiles", raw({0x81}) + str("files") + file_with + str("abcd")));
    // Text that is not hex goes out as it is and is refused on arrival.
    check_refused(encode(UpdateFiles{{{"/a", 1, "not hex"}}}));
}

TEST_CASE("rows packed once are sent as PeerList and RegisterPeer without unpacking", "[codec]") {
    const auto peers = some_peers();
    std::vector<std::string> packed;
    for (const auto &peer : peers)
        packed.push_back(encode_peer(peer));
    for (std::size_t i = 0; i < peers.size(); ++i) {
        const auto back = decode_peer(packed[i]);
        REQUIRE(back);
        CHECK(*back == peers[i]);
    }
    CHECK_FALSE(decode_peer(packed[0].substr(1)));
    CHECK_FALSE(decode_peer(packed[0] + "x"));

    const std::vector<std::string_view> views(packed.begin(), packed.end());
    for (const std::uint64_t request_id : {std::uint64_t(0), std::uint64_t(77)}) {
        const zmq::message_t list = encode_peer_list(5, 9, views, request_id);
        const Decoded decoded = decode(list);
        REQUIRE(decoded);
        CHECK(decoded.request_id == request_id);
        CHECK(*decoded.message == Message(PeerList{5, 9, peers}));
        // The same bytes as the codec packs the message itself.
        CHECK(std::string(static_cast<const char *>(list.data()), list.size()) ==
              encode(PeerList{5, 9, peers}, request_id));
    }
    const Decoded none = decode(encode_peer_list(5, 9, {}));
    REQUIRE(none);
    CHECK(*none.message == Message(PeerList{5, 9, {}}));

    const zmq::message_t event = encode_register_peer(3, 4, packed[0]);
    const Decoded registered = decode(event);
    REQUIRE(registered);
    CHECK(*registered.message == Message(RegisterPeer{3, 4, peers[0]}));
}
