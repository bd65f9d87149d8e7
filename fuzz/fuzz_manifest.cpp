// What a downloader gets from a file server: a manifest (checked against the content id it
// should hash to, then parsed) and chunk data (viewed in place, not copied). The content id of
// the input itself is computed, so that every input gets past the hash check to the parser.
#include "fuzz_support.hpp"

#include "codec.hpp"
#include "content.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <zmq.hpp>

using namespace zshare;
using namespace zshare::protocol;
using zshare::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    const std::string id = node::to_hex(node::blake3(text.data(), text.size()));
    std::string error;
    if (const auto content = node::open_manifest(text, id, error)) {
        check(content->id == id && *content->encoded == text, "a manifest keeps its id and bytes");
        check(content->manifest.chunk_size > 0 && content->manifest.chunk_size <= max_chunk_length,
              "a manifest's chunk size is within bounds");
        check(content->manifest.chunk_hashes.data.size() / 32 == content->chunks(),
              "a manifest has one hash per chunk");
        const auto& m = content->manifest;
        check(content->chunks() == m.size / m.chunk_size + (m.size % m.chunk_size != 0),
              "the chunks cover the size exactly, whatever the size (no wrap near 2^64)");
        if (content->chunks() > 0) {
            // The last chunk: its length and the hash check must not read out of bounds.
            const std::uint64_t last = content->chunks() - 1;
            const std::uint64_t length = content->chunk_length(last);
            check(length <= content->manifest.chunk_size, "a chunk is at most the chunk size");
            if (length <= 4096) {
                const std::string bytes(length, 'x');
                (void)content->chunk_matches(last, bytes.data(), bytes.size());
            }
        }
        (void)content->chunk_matches(content->chunks(), nullptr, 0); // past the end: false, no read
    } else {
        check(!error.empty(), "a refused manifest names its reason");
    }
    check(!node::open_manifest(text, std::string(64, '0'), error) || id == std::string(64, '0'),
          "a manifest that does not hash to the id is refused");

    // The same bytes as a reply frame: a chunk is looked at where it lies in the frame.
    DecodeLimits limits; // as Swarm::on_readable
    limits.max_bytes = 64u << 20;
    limits.max_frame = limits.max_bytes + (64u << 10);
    const zmq::message_t frame(data, size);
    if (const auto view = view_chunk_data(frame, limits)) {
        const char* begin = static_cast<const char*>(frame.data());
        check(view->size <= size &&
                  (view->size == 0 || (view->data >= begin && view->data + view->size <= begin + size)),
              "a chunk's view lies inside its frame");
        // Whatever the view accepts, decode() accepts as the same ChunkData.
        const Decoded decoded = decode(frame, limits);
        const auto* chunk = decoded ? std::get_if<ChunkData>(&*decoded.message) : nullptr;
        check(chunk != nullptr, "a frame viewed as chunk data decodes as ChunkData");
        check(chunk->path == view->path && chunk->offset == view->offset &&
                  decoded.request_id == view->request_id && chunk->data.data.size() == view->size &&
                  (view->size == 0 || std::memcmp(chunk->data.data.data(), view->data, view->size) == 0),
              "the view and the decoded ChunkData agree");
    }
    return 0;
}
