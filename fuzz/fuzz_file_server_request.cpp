// What a node's file server gets: any bytes, decoded with the default limits (as its ROUTER
// does), answered by FileServer::reply_frame from a table sharing one real small file. Every
// reply must decode as the downloader decodes it (node/swarm.cpp) and carry the request's id;
// chunk data must be the file's bytes.
//
// Paths in the input cannot name the shared file (it lives in a fresh temporary directory), so
// a request with a path is answered twice: as it came, and with its path replaced by the shared
// file's, which takes every input to the checks of offsets and lengths.
#include "fuzz_support.hpp"

#include "codec.hpp"
#include "file_server.hpp"
#include "share_scan.hpp"
#include "shared_files.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

using namespace zshare;
using namespace zshare::protocol;
using zshare::fuzz::check;

namespace {

/// One file of a few chunks' worth of bytes (every byte value), shared from a temporary
/// directory that is removed at exit.
struct Fixture {
    std::string dir;
    std::string path;
    std::string bytes;
    node::SharedFiles shares;

    Fixture() {
        std::string pattern = (std::filesystem::temp_directory_path() / "zshare-fuzz-XXXXXX").string();
        if (!::mkdtemp(pattern.data()))
            throw std::runtime_error("mkdtemp failed");
        dir = std::filesystem::canonical(pattern).string();
        path = dir + "/data.bin";
        for (std::size_t i = 0; i < 5000; ++i)
            bytes += static_cast<char>((i * 31 + i / 256) % 256);
        std::ofstream(path, std::ios::binary) << bytes;
        const node::Collected found = node::collect_files({path});
        if (!found.error.empty())
            throw std::runtime_error("cannot share " + path + ": " + found.error);
        shares.add(found.files);
    }
    ~Fixture() {
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
};

Fixture& fixture() {
    static Fixture f;
    return f;
}

DecodeLimits downloader_limits() {
    DecodeLimits limits; // as Swarm::on_readable
    limits.max_bytes = 64u << 20;
    limits.max_frame = limits.max_bytes + (64u << 10);
    return limits;
}

void answer(const Fixture& f, const Decoded& request) {
    const zmq::message_t reply = node::FileServer::reply_frame(f.shares, request);
    const Decoded decoded = decode(reply, downloader_limits());
    check(bool(decoded), "a file server's reply decodes");
    check(decoded.request_id == request.request_id, "a file server's reply carries the request's id");
    if (const auto* chunk = std::get_if<ChunkData>(&*decoded.message)) {
        const auto* fetch = request ? std::get_if<FetchChunk>(&*request.message) : nullptr;
        check(fetch != nullptr, "chunk data answers FetchChunk only");
        check(chunk->offset == fetch->offset && chunk->data.data.size() <= fetch->length,
              "chunk data is at most what was asked, where it was asked");
        check(chunk->offset <= f.bytes.size() &&
                  f.bytes.compare(chunk->offset, chunk->data.data.size(), chunk->data.data) == 0,
              "chunk data is the file's bytes");
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const Fixture& f = fixture();
    Decoded request = decode(data, size);
    answer(f, request);
    if (!request)
        return 0;
    std::visit(
        [&](auto& message) {
            if constexpr (requires { message.path; }) {
                message.path = f.path;
                answer(f, request);
            }
        },
        *request.message);
    return 0;
}
