#include "codec.hpp"

#include <concepts>
#include <cstdlib>
#include <cstring>
#include <msgpack.hpp>

namespace zshare::protocol {
namespace {

/// True for the structs that list their fields (messages and the records inside them).
template <class T>
concept has_fields = requires(T& t) { T::fields(t, [](const char*, auto&&) {}); };

// ------------------------------------------------------------------------------- packing

/// Returns: true and the bytes of `hex` (an even number of hex digits) in `out`, else false.
bool hex_to_bytes(std::string_view hex, std::string& out) {
    const auto digit = [](char c) {
        return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    };
    if (hex.size() % 2 != 0)
        return false;
    out.resize(hex.size() / 2);
    for (std::size_t i = 0; i < out.size(); ++i) {
        const int high = digit(hex[2 * i]), low = digit(hex[2 * i + 1]);
        if (high < 0 || low < 0)
            return false;
        out[i] = static_cast<char>(high << 4 | low);
    }
    return true;
}

/// Returns: `bytes` as lowercase hex digits.
std::string bytes_to_hex(std::string_view bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string hex(bytes.size() * 2, '0');
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        hex[2 * i] = digits[static_cast<unsigned char>(bytes[i]) >> 4];
        hex[2 * i + 1] = digits[static_cast<unsigned char>(bytes[i]) & 15];
    }
    return hex;
}

/// Adds up an upper bound of a message's packed size, so that its buffer is allocated once
/// (growing it by doubling copies it each time and faults in fresh pages).
class Sizer {
public:
    std::size_t total = 0;
    void value(const std::string& s) { total += 5 + s.size(); }
    void value(std::string_view s) { total += 5 + s.size(); }
    void value(std::uint64_t) { total += 9; }
    void value(bool) { total += 1; }
    template <class Text> void value(const HexAsBinary<Text>& id) { total += 5 + id.hex.size(); }
    void value(const Bytes& b) { total += 5 + b.data.size(); }
    template <class T> void value(const std::vector<T>& items) {
        total += 5;
        for (const auto& item : items)
            value(item);
    }
    template <has_fields T> void value(const T& record) {
        total += 5;
        T::fields(record, [&](const char* key, const auto& field) {
            total += 1 + std::strlen(key);
            value(field);
        });
    }
};

class Packer {
public:
    explicit Packer(msgpack::sbuffer& buffer) : m_pk(buffer) {}

    void value(const std::string& s) {
        m_pk.pack_str(static_cast<std::uint32_t>(s.size()));
        m_pk.pack_str_body(s.data(), static_cast<std::uint32_t>(s.size()));
    }
    void value(std::string_view s) {
        m_pk.pack_str(static_cast<std::uint32_t>(s.size()));
        m_pk.pack_str_body(s.data(), static_cast<std::uint32_t>(s.size()));
    }
    void value(std::uint64_t v) { m_pk.pack_uint64(v); }
    void value(bool v) { v ? m_pk.pack_true() : m_pk.pack_false(); }
    template <class Text> void value(const HexAsBinary<Text>& id) {
        // Text that is not hex travels as it is, and the receiver refuses its length.
        std::string bytes;
        if (!hex_to_bytes(id.hex, bytes))
            bytes = id.hex;
        m_pk.pack_bin(static_cast<std::uint32_t>(bytes.size()));
        m_pk.pack_bin_body(bytes.data(), static_cast<std::uint32_t>(bytes.size()));
    }
    void value(const Bytes& b) {
        m_pk.pack_bin(static_cast<std::uint32_t>(b.data.size()));
        m_pk.pack_bin_body(b.data.data(), static_cast<std::uint32_t>(b.data.size()));
    }
    template <class T> void value(const std::vector<T>& items) {
        m_pk.pack_array(static_cast<std::uint32_t>(items.size()));
        for (const auto& item : items)
            value(item);
    }
    template <has_fields T> void value(const T& record) {
        std::uint32_t count = 0;
        T::fields(record, [&](const char*, const auto&) { ++count; });
        m_pk.pack_map(count);
        T::fields(record, [&](const char* key, const auto& field) {
            value(std::string_view(key));
            value(field);
        });
    }
    void envelope(const Message& message, std::uint64_t request_id) {
        m_pk.pack_array(request_id == 0 ? 3 : 4);
        m_pk.pack_uint64(protocol_version);
        std::visit(
            [&](const auto& m) {
                value(m.type);
                value(m);
            },
            message);
        if (request_id != 0)
            m_pk.pack_uint64(request_id);
    }

private:
    msgpack::packer<msgpack::sbuffer> m_pk;
};

msgpack::sbuffer pack(const Message& message, std::uint64_t request_id) {
    // Room for the whole message up front: growing the buffer copies it each time.
    Sizer sizer;
    std::visit([&](const auto& m) { sizer.value(m); }, message);
    msgpack::sbuffer buffer(sizer.total + 64);
    Packer(buffer).envelope(message, request_id);
    return buffer;
}

// ----------------------------------------------------------------------------- unpacking

/// Thrown inside the reader only; decode() turns it into an error value.
struct FieldError {
    std::string reason;
};

class Reader {
public:
    void value(const msgpack::object& o, std::string& out, const char* key) {
        expect(o.type == msgpack::type::STR, key, "a string");
        out.assign(o.via.str.ptr, o.via.str.size);
    }
    void value(const msgpack::object& o, std::uint64_t& out, const char* key) {
        expect(o.type == msgpack::type::POSITIVE_INTEGER, key, "an unsigned integer");
        out = o.via.u64;
    }
    void value(const msgpack::object& o, bool& out, const char* key) {
        expect(o.type == msgpack::type::BOOLEAN, key, "a boolean");
        out = o.via.boolean;
    }
    void value(const msgpack::object& o, Bytes& out, const char* key) {
        expect(o.type == msgpack::type::BIN, key, "binary data");
        out.data.assign(o.via.bin.ptr, o.via.bin.size);
    }
    void value(const msgpack::object& o, HexAsBinary<std::string> out, const char* key) {
        expect(o.type == msgpack::type::BIN && (o.via.bin.size == 32 || o.via.bin.size == 0), key,
               "32 bytes of binary data");
        out.hex = bytes_to_hex(std::string_view(o.via.bin.ptr, o.via.bin.size));
    }
    template <class T> void value(const msgpack::object& o, std::vector<T>& out, const char* key) {
        expect(o.type == msgpack::type::ARRAY, key, "an array");
        out.clear();
        out.resize(o.via.array.size);
        for (std::uint32_t i = 0; i < o.via.array.size; ++i)
            value(o.via.array.ptr[i], out[i], key);
    }
    template <has_fields T> void value(const msgpack::object& o, T& out, const char* key) {
        expect(o.type == msgpack::type::MAP, key, "a map");
        const auto& map = o.via.map;
        T::fields(out, [&](const char* name, auto&& field) {
            const std::size_t name_length = std::strlen(name);
            for (std::uint32_t i = 0; i < map.size; ++i) {
                const auto& k = map.ptr[i].key;
                if (k.type == msgpack::type::STR && k.via.str.size == name_length &&
                    std::memcmp(k.via.str.ptr, name, name_length) == 0) {
                    value(map.ptr[i].val, field, name);
                    return; // the first occurrence of a key wins
                }
            }
            // A missing key keeps its default: later versions may drop optional fields.
        });
    }

private:
    static void expect(bool ok, const char* key, const char* what) {
        if (!ok)
            throw FieldError{std::string("field '") + key + "' must be " + what};
    }
};

/// Returns: the body decoded as the alternative of Message named `type`, if there is one.
template <std::size_t I = 0>
std::optional<Message> body_of(std::string_view type, const msgpack::object& body) {
    if constexpr (I == std::variant_size_v<Message>) {
        return std::nullopt;
    } else {
        using T = std::variant_alternative_t<I, Message>;
        if (type != T::type)
            return body_of<I + 1>(type, body);
        T message;
        Reader().value(body, message, "body");
        return Message(std::move(message));
    }
}

} // namespace

std::string_view type_name(const Message& message) {
    return std::visit([](const auto& m) { return m.type; }, message);
}

std::string encode(const Message& message, std::uint64_t request_id) {
    const auto buffer = pack(message, request_id);
    return std::string(buffer.data(), buffer.size());
}

zmq::message_t encode_zmq(const Message& message, std::uint64_t request_id) {
    auto buffer = pack(message, request_id);
    const std::size_t size = buffer.size();
    // sbuffer allocates with malloc: hand its block to ZeroMQ, which frees it when sent.
    char* block = buffer.release();
    return zmq::message_t(block, size, [](void* data, void*) { std::free(data); }, nullptr);
}

std::string encode_peer(const PeerInfo& peer) {
    Sizer sizer;
    sizer.value(peer);
    msgpack::sbuffer buffer(sizer.total);
    Packer(buffer).value(peer);
    return std::string(buffer.data(), buffer.size());
}

namespace {

/// Returns: one frame of `head`, the `parts`, then the request id (when not 0), allocated once.
zmq::message_t assemble(const msgpack::sbuffer& head, const std::vector<std::string_view>& parts,
                        std::uint64_t request_id) {
    msgpack::sbuffer trailer(16);
    if (request_id != 0)
        msgpack::packer<msgpack::sbuffer>(trailer).pack_uint64(request_id);
    std::size_t size = head.size() + trailer.size();
    for (const auto part : parts)
        size += part.size();
    zmq::message_t frame(size);
    char* into = static_cast<char*>(frame.data());
    std::memcpy(into, head.data(), head.size());
    into += head.size();
    for (const auto part : parts) {
        std::memcpy(into, part.data(), part.size());
        into += part.size();
    }
    std::memcpy(into, trailer.data(), trailer.size());
    return frame;
}

/// Packs the envelope of `type` up to its body's map header of `fields` keys.
void pack_envelope_head(msgpack::sbuffer& buffer, std::string_view type, std::uint32_t fields,
                        std::uint64_t request_id) {
    msgpack::packer<msgpack::sbuffer> pk(buffer);
    pk.pack_array(request_id == 0 ? 3 : 4);
    pk.pack_uint64(protocol_version);
    Packer(buffer).value(type);
    pk.pack_map(fields);
}

/// Packs the "epoch" and "seq" fields every event and snapshot part begins with.
void pack_position(msgpack::sbuffer& buffer, std::uint64_t epoch, std::uint64_t seq) {
    Packer fields(buffer);
    fields.value(std::string_view("epoch"));
    fields.value(epoch);
    fields.value(std::string_view("seq"));
    fields.value(seq);
}

} // namespace

zmq::message_t encode_peer_list(std::uint64_t epoch, std::uint64_t seq, const std::vector<std::string_view>& peers,
                                std::uint64_t request_id) {
    msgpack::sbuffer head(128);
    pack_envelope_head(head, PeerList::type, 3, request_id);
    pack_position(head, epoch, seq);
    Packer(head).value(std::string_view("peers"));
    msgpack::packer<msgpack::sbuffer>(head).pack_array(static_cast<std::uint32_t>(peers.size()));
    return assemble(head, peers, request_id);
}

zmq::message_t encode_register_peer(std::uint64_t epoch, std::uint64_t seq, std::string_view peer) {
    msgpack::sbuffer head(128);
    pack_envelope_head(head, RegisterPeer::type, 3, 0);
    pack_position(head, epoch, seq);
    Packer(head).value(std::string_view("peer"));
    return assemble(head, {peer}, 0);
}

std::optional<zmq::message_t> encode_chunk_data(const std::string& path, std::uint64_t offset,
                                                std::size_t length,
                                                const std::function<std::ptrdiff_t(char*, std::size_t)>& fill,
                                                std::uint64_t request_id) {
    // Pack everything but the bin body, then let `fill` write the body in place. The request
    // id, when there is one, follows the body: it is packed after the bytes are in.
    const auto trailer = [&] {
        msgpack::sbuffer buffer(16);
        if (request_id != 0)
            msgpack::packer<msgpack::sbuffer>(buffer).pack_uint64(request_id);
        return std::string(buffer.data(), buffer.size());
    }();
    const auto header = [&](std::size_t body) {
        msgpack::sbuffer buffer(256 + path.size());
        msgpack::packer<msgpack::sbuffer> pk(buffer);
        Packer fields(buffer);
        pk.pack_array(request_id == 0 ? 3 : 4);
        pk.pack_uint64(protocol_version);
        fields.value(ChunkData::type);
        pk.pack_map(3);
        fields.value(std::string_view("path"));
        fields.value(path);
        fields.value(std::string_view("offset"));
        fields.value(offset);
        fields.value(std::string_view("data"));
        pk.pack_bin(static_cast<std::uint32_t>(body));
        return std::string(buffer.data(), buffer.size());
    };
    std::string head = header(length);
    zmq::message_t frame(head.size() + length + trailer.size());
    char* bytes = static_cast<char*>(frame.data());
    std::memcpy(bytes, head.data(), head.size());
    const std::ptrdiff_t written = fill(bytes + head.size(), length);
    if (written < 0)
        return std::nullopt;
    if (static_cast<std::size_t>(written) == length) {
        std::memcpy(bytes + head.size() + length, trailer.data(), trailer.size());
        return frame;
    }
    // Short: the bin header changes, so the frame is built again (rare: the file shrank).
    const std::string short_head = header(static_cast<std::size_t>(written));
    const auto got = static_cast<std::size_t>(written);
    zmq::message_t shorter(short_head.size() + got + trailer.size());
    char* into = static_cast<char*>(shorter.data());
    std::memcpy(into, short_head.data(), short_head.size());
    std::memcpy(into + short_head.size(), bytes + head.size(), got);
    std::memcpy(into + short_head.size() + got, trailer.data(), trailer.size());
    return shorter;
}

namespace {

/// Checks the frame's envelope and hands its type and body to `use`, which may throw
/// FieldError. Strings and binary data stay in `data` (msgpack references them, no copy).
/// Returns: an empty string, or why the frame is malformed.
template <class Use>
std::string with_envelope(const void* data, std::size_t size, const DecodeLimits& limits,
                          std::uint64_t& request_id, Use&& use) {
    if (size > limits.max_frame)
        return "message of " + std::to_string(size) + " bytes exceeds the limit of " +
               std::to_string(limits.max_frame);
    try {
        std::size_t offset = 0;
        const msgpack::unpack_limit bounds(limits.max_array, limits.max_map, limits.max_string,
                                           limits.max_bytes, 0, limits.max_depth);
        const auto reference = [](msgpack::type::object_type, std::size_t, void*) { return true; };
        // A small frame's objects go into a zone kept for the thread and cleared each time: a
        // fresh zone would be an 8 KiB malloc and free per message, a good part of the cost of
        // a Ping. A big frame gets a zone of its own, so that its memory goes back at once.
        constexpr std::size_t reused_zone_frames = 64u << 10;
        thread_local msgpack::zone reused;
        std::optional<msgpack::zone> own;
        msgpack::zone& zone = size <= reused_zone_frames ? reused : own.emplace();
        zone.clear();
        bool referenced = false;
        const msgpack::object root = msgpack::unpack(zone, static_cast<const char*>(data), size, offset,
                                                     referenced, reference, nullptr, bounds);
        if (offset != size)
            return "trailing bytes after the message";
        if (root.type != msgpack::type::ARRAY || root.via.array.size < 3)
            return "not a zshare frame: expected [version, type, body, request id]";
        const msgpack::object& version = root.via.array.ptr[0];
        const msgpack::object& type = root.via.array.ptr[1];
        if (version.type != msgpack::type::POSITIVE_INTEGER)
            return "protocol version must be an unsigned integer";
        if (version.via.u64 != protocol_version)
            return "unsupported protocol version " + std::to_string(version.via.u64) +
                   " (this side speaks " + std::to_string(protocol_version) + ")";
        // Elements after the request id are ignored: room for optional envelope elements that
        // readers of this version may skip (anything they must not skip needs a new version).
        if (root.via.array.size >= 4) {
            const msgpack::object& id = root.via.array.ptr[3];
            if (id.type != msgpack::type::POSITIVE_INTEGER)
                return "request id must be an unsigned integer";
            request_id = id.via.u64;
        }
        if (type.type != msgpack::type::STR)
            return "message type must be a string";
        return use(std::string_view(type.via.str.ptr, type.via.str.size), root.via.array.ptr[2]);
    } catch (const FieldError& e) {
        return e.reason;
    } catch (const msgpack::insufficient_bytes&) {
        return "truncated message";
    } catch (const msgpack::depth_size_overflow&) {
        return "message nested too deeply";
    } catch (const msgpack::size_overflow&) {
        return "a size in the message exceeds the limits";
    } catch (const std::exception& e) {
        return std::string("malformed message: ") + e.what();
    }
}

} // namespace

Decoded decode(const void* data, std::size_t size, const DecodeLimits& limits) {
    Decoded result;
    result.error = with_envelope(data, size, limits, result.request_id,
                                 [&](std::string_view type, const msgpack::object& body) {
        // The reader copies each string once into the message, before `data` can go away.
        result.message = body_of(type, body);
        return result.message ? std::string() : "unknown message type '" + std::string(type) + "'";
    });
    if (!result.error.empty())
        result.message.reset();
    return result;
}

std::optional<PeerInfo> decode_peer(std::string_view encoded, const DecodeLimits& limits) {
    try {
        std::size_t offset = 0;
        const msgpack::unpack_limit bounds(limits.max_array, limits.max_map, limits.max_string,
                                           limits.max_bytes, 0, limits.max_depth);
        const auto reference = [](msgpack::type::object_type, std::size_t, void*) { return true; };
        msgpack::object_handle handle =
            msgpack::unpack(encoded.data(), encoded.size(), offset, reference, nullptr, bounds);
        if (offset != encoded.size())
            return std::nullopt;
        PeerInfo peer;
        Reader().value(handle.get(), peer, "peer");
        return peer;
    } catch (...) {
        return std::nullopt;
    }
}

std::optional<ChunkDataView> view_chunk_data(const zmq::message_t& frame, const DecodeLimits& limits) {
    ChunkDataView view;
    const std::string error = with_envelope(
        frame.data(), frame.size(), limits, view.request_id,
        [&](std::string_view type, const msgpack::object& body) {
            if (type != ChunkData::type || body.type != msgpack::type::MAP)
                return std::string("not a ChunkData");
            // Path and offset are copied as usual; the data is pointed at, where it lies. The
            // reading rules are decode()'s: the first occurrence of a key wins, types are checked.
            bool have_path = false, have_offset = false, have_data = false;
            Reader reader;
            for (std::uint32_t i = 0; i < body.via.map.size; ++i) {
                const auto& [key, value] = body.via.map.ptr[i];
                if (key.type != msgpack::type::STR)
                    continue;
                const std::string_view name(key.via.str.ptr, key.via.str.size);
                if (name == "path" && !have_path) {
                    reader.value(value, view.path, "path");
                    have_path = true;
                } else if (name == "offset" && !have_offset) {
                    reader.value(value, view.offset, "offset");
                    have_offset = true;
                } else if (name == "data" && !have_data) {
                    if (value.type != msgpack::type::BIN)
                        throw FieldError{"field 'data' must be binary data"};
                    view.data = value.via.bin.ptr;
                    view.size = value.via.bin.size;
                    have_data = true;
                }
            }
            if (have_data)
                return std::string();
            return std::string("ChunkData without data");
        });
    if (!error.empty())
        return std::nullopt;
    return view;
}

} // namespace zshare::protocol
