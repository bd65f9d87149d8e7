#include <catch2/catch.hpp>

#include "temp_files.hpp"

#include "codec.hpp"
#include "endpoint.hpp"
#include "file_server.hpp"
#include "share_scan.hpp"
#include "shared_files.hpp"
#include "wire.hpp"

#include <chrono>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <future>
#include <limits>
#include <stdexcept>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

using namespace zshare;
using namespace zshare::protocol;
using node::FileServer;
using node::SharedFiles;
namespace fs = std::filesystem;

using zshare::testing::TempDir;
using zshare::testing::write_file;

namespace {



/// Content with zero bytes and every byte value.
std::string content(std::size_t size) {
    std::string out(size, '\0');
    for (std::size_t i = 0; i < size; ++i)
        out[i] = static_cast<char>(static_cast<unsigned char>((i * 31 + i / 256) % 256));
    return out;
}

/// Registers `paths` the way the node does.
void share(SharedFiles &shares, const std::vector<std::string> &paths) {
    const node::Collected found = node::collect_files(paths);
    REQUIRE(found.error.empty());
    shares.add(found.files);
}

Message ask(const SharedFiles &shares, const Message &request) {
    Decoded decoded;
    decoded.message = request;
    return FileServer::answer(shares, decoded);
}

/// Returns: the error code of `reply`, or "(not an error)".
std::string code_of(const Message &reply) {
    const auto *error = std::get_if<Error>(&reply);
    return error ? error->code : std::string("(not an error: ") + std::string(type_name(reply)) + ")";
}

/// A file of 10000 bytes registered in a fresh directory.
struct Fixture {
    TempDir dir;
    std::string path = dir / "data.bin";
    std::string bytes = content(10000);
    SharedFiles shares;
    Fixture() {
        write_file(path, bytes);
        share(shares, {path});
    }
};

} // namespace

TEST_CASE("answer stat of a shared file", "[file_server]") {
    Fixture f;
    const Message reply = ask(f.shares, StatFile{f.path});
    REQUIRE(std::holds_alternative<FileStat>(reply));
    CHECK(std::get<FileStat>(reply) == FileStat{f.path, 10000});
}

TEST_CASE("answer stat reports the current size", "[file_server]") {
    Fixture f;
    {
        std::ofstream out(f.path, std::ios::binary | std::ios::app);
        out << "more";
    }
    const Message reply = ask(f.shares, StatFile{f.path});
    REQUIRE(std::holds_alternative<FileStat>(reply));
    CHECK(std::get<FileStat>(reply).size == 10004);
}

TEST_CASE("answer chunks of a shared file", "[file_server]") {
    Fixture f;
    SECTION("first chunk") {
        const Message reply = ask(f.shares, FetchChunk{f.path, 0, 4096});
        REQUIRE(std::holds_alternative<ChunkData>(reply));
        const auto &chunk = std::get<ChunkData>(reply);
        CHECK(chunk.path == f.path);
        CHECK(chunk.offset == 0);
        CHECK(chunk.data.data == f.bytes.substr(0, 4096));
    }
    SECTION("middle chunk at an odd offset") {
        const Message reply = ask(f.shares, FetchChunk{f.path, 4097, 1000});
        REQUIRE(std::holds_alternative<ChunkData>(reply));
        const auto &chunk = std::get<ChunkData>(reply);
        CHECK(chunk.offset == 4097);
        CHECK(chunk.data.data == f.bytes.substr(4097, 1000));
    }
    SECTION("short last chunk") {
        const Message reply = ask(f.shares, FetchChunk{f.path, 8192, 4096});
        REQUIRE(std::holds_alternative<ChunkData>(reply));
        const auto &chunk = std::get<ChunkData>(reply);
        CHECK(chunk.offset == 8192);
        CHECK(chunk.data.data.size() == 10000 - 8192);
        CHECK(chunk.data.data == f.bytes.substr(8192));
    }
    SECTION("the whole file in the largest chunk") {
        const Message reply = ask(f.shares, FetchChunk{f.path, 0, max_chunk_length});
        REQUIRE(std::holds_alternative<ChunkData>(reply));
        CHECK(std::get<ChunkData>(reply).data.data == f.bytes);
    }
    SECTION("the last byte") {
        const Message reply = ask(f.shares, FetchChunk{f.path, 9999, 1});
        REQUIRE(std::holds_alternative<ChunkData>(reply));
        CHECK(std::get<ChunkData>(reply).data.data == f.bytes.substr(9999));
    }
    SECTION("at the end: an empty chunk") {
        const Message reply = ask(f.shares, FetchChunk{f.path, 10000, 10});
        REQUIRE(std::holds_alternative<ChunkData>(reply));
        CHECK(std::get<ChunkData>(reply).data.data.empty());
    }
    SECTION("chunks put back together") {
        std::string joined;
        for (std::uint64_t offset = 0; offset < 10000; offset += 3000) {
            const Message reply = ask(f.shares, FetchChunk{f.path, offset, 3000});
            REQUIRE(std::holds_alternative<ChunkData>(reply));
            joined += std::get<ChunkData>(reply).data.data;
        }
        CHECK(joined == f.bytes);
    }
}

TEST_CASE("answer an empty shared file", "[file_server]") {
    TempDir dir;
    write_file(dir / "empty", "");
    SharedFiles shares;
    share(shares, {dir / "empty"});
    CHECK(ask(shares, StatFile{dir / "empty"}) == Message(FileStat{dir / "empty", 0}));
    const Message reply = ask(shares, FetchChunk{dir / "empty", 0, 1});
    REQUIRE(std::holds_alternative<ChunkData>(reply));
    CHECK(std::get<ChunkData>(reply).data.data.empty());
}

TEST_CASE("answer refuses unregistered paths", "[file_server]") {
    Fixture f;
    write_file(f.dir / "unshared", "not registered");
    const std::vector<std::string> paths = {
        "/etc/passwd",
        f.dir / "unshared",
        f.dir.path,
        f.dir.path + "/",
        f.dir.path + "/../../etc/passwd",
        f.dir.path + "/./data.bin",
        f.dir.path + "//data.bin",
        f.dir.path + "/sub/../data.bin",
        "data.bin",
        "",
        f.path + std::string("\0", 1),
    };
    for (const auto &path : paths) {
        INFO("path [" << path << "]");
        CHECK(code_of(ask(f.shares, StatFile{path})) == error_code::not_shared);
        CHECK(code_of(ask(f.shares, FetchChunk{path, 0, 10})) == error_code::not_shared);
    }
}

TEST_CASE("answer refuses a file replaced by another file", "[file_server]") {
    Fixture f;
    write_file(f.dir / "other", "other content");
    fs::rename(f.dir / "other", f.path); // same path, another inode
    CHECK(code_of(ask(f.shares, StatFile{f.path})) == error_code::not_shared);
    CHECK(code_of(ask(f.shares, FetchChunk{f.path, 0, 10})) == error_code::not_shared);
}

TEST_CASE("answer never serves a file replaced by a symlink", "[file_server]") {
    Fixture f;
    fs::remove(f.path);
    fs::create_symlink("/etc/passwd", f.path);
    CHECK(std::holds_alternative<Error>(ask(f.shares, StatFile{f.path})));
    CHECK(std::holds_alternative<Error>(ask(f.shares, FetchChunk{f.path, 0, 10})));

    // Even a link back to the very file that was shared is not that path any more.
    Fixture g;
    fs::rename(g.path, g.dir / "moved");
    fs::create_symlink(g.dir / "moved", g.path);
    CHECK(std::holds_alternative<Error>(ask(g.shares, StatFile{g.path})));
    CHECK(std::holds_alternative<Error>(ask(g.shares, FetchChunk{g.path, 0, 10})));
}

TEST_CASE("answer refuses a file replaced by a symlink as not shared", "[file_server]") {
    // open(O_NOFOLLOW) fails with ELOOP: the path is no longer the shared file.
    Fixture f;
    fs::remove(f.path);
    fs::create_symlink("/etc/passwd", f.path);
    CHECK(code_of(ask(f.shares, StatFile{f.path})) == error_code::not_shared);
    CHECK(code_of(ask(f.shares, FetchChunk{f.path, 0, 10})) == error_code::not_shared);

    Fixture g;
    fs::rename(g.path, g.dir / "moved");
    fs::create_symlink(g.dir / "moved", g.path);
    CHECK(code_of(ask(g.shares, StatFile{g.path})) == error_code::not_shared);
}

TEST_CASE("answer refuses a file replaced by a fifo without blocking", "[file_server]") {
    // open_registered() opens O_RDONLY without O_NONBLOCK: with a fifo at a registered path
    // and no writer, the open blocks and the whole file server thread with it.
    Fixture f;
    fs::remove(f.path);
    REQUIRE(::mkfifo(f.path.c_str(), 0600) == 0);
    auto answering = std::async(std::launch::async, [&] { return ask(f.shares, StatFile{f.path}); });
    const bool finished = answering.wait_for(std::chrono::seconds(2)) == std::future_status::ready;
    int writer = -1;
    if (!finished) // a writer lets the blocked open return, so that the test itself never hangs
        writer = ::open(f.path.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
    const Message reply = answering.get();
    if (writer >= 0)
        ::close(writer);
    CHECK(code_of(reply) == error_code::not_shared);
    CHECK(finished);
}

TEST_CASE("answer a deleted file with io_error", "[file_server]") {
    Fixture f;
    fs::remove(f.path);
    CHECK(code_of(ask(f.shares, StatFile{f.path})) == error_code::io_error);
    CHECK(code_of(ask(f.shares, FetchChunk{f.path, 0, 10})) == error_code::io_error);
}

TEST_CASE("answer refuses a file replaced by a directory", "[file_server]") {
    Fixture f;
    fs::remove(f.path);
    fs::create_directory(f.path);
    CHECK(code_of(ask(f.shares, StatFile{f.path})) == error_code::not_shared);
    CHECK(code_of(ask(f.shares, FetchChunk{f.path, 0, 10})) == error_code::not_shared);
}

TEST_CASE("answer a file that shrank", "[file_server]") {
    Fixture f;
    std::filesystem::resize_file(f.path, 100); // same inode, still the shared file
    CHECK(ask(f.shares, StatFile{f.path}) == Message(FileStat{f.path, 100}));
    const Message reply = ask(f.shares, FetchChunk{f.path, 50, 4096});
    REQUIRE(std::holds_alternative<ChunkData>(reply));
    CHECK(std::get<ChunkData>(reply).data.data == f.bytes.substr(50, 50));
    CHECK(code_of(ask(f.shares, FetchChunk{f.path, 101, 1})) == error_code::bad_range);
}

TEST_CASE("answer refuses bad ranges", "[file_server]") {
    Fixture f;
    CHECK(code_of(ask(f.shares, FetchChunk{f.path, 0, 0})) == error_code::bad_range);
    CHECK(code_of(ask(f.shares, FetchChunk{f.path, 0, max_chunk_length + 1})) == error_code::bad_range);
    CHECK(code_of(ask(f.shares, FetchChunk{f.path, 0, std::numeric_limits<std::uint64_t>::max()})) ==
          error_code::bad_range);
    CHECK(code_of(ask(f.shares, FetchChunk{f.path, 10001, 1})) == error_code::bad_range);
    CHECK(code_of(ask(f.shares, FetchChunk{f.path, std::numeric_limits<std::uint64_t>::max(), 1})) ==
          error_code::bad_range);
    CHECK(code_of(ask(f.shares, FetchChunk{f.path, std::numeric_limits<std::uint64_t>::max() - 1,
                                           max_chunk_length})) == error_code::bad_range);
    // An unshared path is refused as such before its range is looked at.
    CHECK(code_of(ask(f.shares, FetchChunk{"/etc/passwd", 0, 0})) == error_code::not_shared);
}

TEST_CASE("answer a decode error with bad_message", "[file_server]") {
    Fixture f;
    const std::string junk = std::string("\x93\x01\xa3") + "Ack"; // [1, "Ack" and no body
    const Decoded decoded = decode(junk);
    REQUIRE_FALSE(decoded);
    const Message reply = FileServer::answer(f.shares, decoded);
    REQUIRE(std::holds_alternative<Error>(reply));
    CHECK(std::get<Error>(reply).code == error_code::bad_message);
    CHECK(std::get<Error>(reply).message == decoded.error);
}

TEST_CASE("answer a message that is not a request with unexpected", "[file_server]") {
    Fixture f;
    const std::vector<Message> others = {Hello{},
                                         Ack{1},
                                         ListPeers{},
                                         FileStat{f.path, 1},
                                         ChunkData{f.path, 0, Bytes{"x"}},
                                         Connect{"a", "tcp://*:1", {}}};
    for (const auto &message : others) {
        INFO(type_name(message));
        const Message reply = ask(f.shares, message);
        CHECK(code_of(reply) == error_code::unexpected);
        REQUIRE(std::holds_alternative<Error>(reply));
        CHECK_THAT(std::get<Error>(reply).message, Catch::Contains(std::string(type_name(message))));
    }
}

TEST_CASE("answer follows registration changes", "[file_server]") {
    Fixture f;
    REQUIRE(std::holds_alternative<FileStat>(ask(f.shares, StatFile{f.path})));
    f.shares.remove_under({f.dir.path});
    CHECK(code_of(ask(f.shares, StatFile{f.path})) == error_code::not_shared);
}

TEST_CASE("file server refuses a bad listen endpoint", "[file_server]") {
    zmq::context_t context;
    SharedFiles shares;
    CHECK_THROWS_AS(FileServer(context, "nonsense", shares), std::runtime_error);
    CHECK_THROWS_AS(FileServer(context, "tcp://127.0.0.1", shares), std::runtime_error);

    FileServer first(context, "tcp://127.0.0.1:0", shares);
    CHECK_THROWS_AS(FileServer(context, first.endpoint(), shares), std::runtime_error); // in use
}

TEST_CASE("file server serves over tcp", "[file_server]") {
    Fixture f;
    zmq::context_t context;
    FileServer server(context, "tcp://127.0.0.1:0", f.shares);
    const auto bound = parse_tcp_endpoint(server.endpoint());
    REQUIRE(bound);
    CHECK(bound->host == "127.0.0.1");
    CHECK(bound->port != 0);

    zmq::socket_t dealer = make_socket(context, zmq::socket_type::dealer, 64 << 20);
    dealer.connect(server.endpoint());

    // Waits up to 10 s for one reply: the server normally answers within milliseconds.
    const auto reply_to = [&](const Message &request) -> Decoded {
        REQUIRE(send(dealer, request));
        zmq::pollitem_t item{dealer.handle(), 0, ZMQ_POLLIN, 0};
        REQUIRE(zmq::poll(&item, 1, std::chrono::milliseconds(10000)) == 1);
        auto reply = receive(dealer);
        REQUIRE(reply);
        return *reply;
    };

    Decoded reply = reply_to(StatFile{f.path});
    INFO(reply.error);
    REQUIRE(reply);
    CHECK(*reply.message == Message(FileStat{f.path, 10000}));

    reply = reply_to(FetchChunk{f.path, 8000, 4096});
    REQUIRE(reply);
    REQUIRE(std::holds_alternative<ChunkData>(*reply.message));
    CHECK(std::get<ChunkData>(*reply.message) == ChunkData{f.path, 8000, Bytes{f.bytes.substr(8000)}});

    reply = reply_to(StatFile{"/etc/passwd"});
    REQUIRE(reply);
    CHECK(code_of(*reply.message) == error_code::not_shared);

    // Several requests in flight are all answered, in order on one connection.
    for (std::uint64_t offset = 0; offset < 10000; offset += 2500)
        REQUIRE(send(dealer, FetchChunk{f.path, offset, 2500}));
    std::string joined;
    for (int i = 0; i < 4; ++i) {
        zmq::pollitem_t item{dealer.handle(), 0, ZMQ_POLLIN, 0};
        REQUIRE(zmq::poll(&item, 1, std::chrono::milliseconds(10000)) == 1);
        auto chunk = receive(dealer);
        REQUIRE(chunk);
        REQUIRE(*chunk);
        REQUIRE(std::holds_alternative<ChunkData>(*chunk->message));
        joined += std::get<ChunkData>(*chunk->message).data.data;
    }
    CHECK(joined == f.bytes);

    // Bytes that are not a message get bad_message, and the connection stays usable.
    REQUIRE(dealer.send(zmq::str_buffer("garbage"), zmq::send_flags::none));
    zmq::pollitem_t item{dealer.handle(), 0, ZMQ_POLLIN, 0};
    REQUIRE(zmq::poll(&item, 1, std::chrono::milliseconds(10000)) == 1);
    auto bad = receive(dealer);
    REQUIRE(bad);
    REQUIRE(*bad);
    CHECK(code_of(*bad->message) == error_code::bad_message);

    reply = reply_to(StatFile{f.path});
    REQUIRE(reply);
    CHECK(std::holds_alternative<FileStat>(*reply.message));
}
