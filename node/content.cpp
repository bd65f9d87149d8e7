#include "content.hpp"

#include "codec.hpp"
#include "file_io.hpp"

#include <cerrno>
#include <cstring>
#include <blake3.h>
#include <unistd.h>
#include <vector>

namespace zshare::node {

using namespace protocol;

Digest blake3(const void* data, std::size_t size) {
    blake3_hasher hasher;
    blake3_hasher_init(&hasher);
    blake3_hasher_update(&hasher, data, size);
    Digest digest{};
    blake3_hasher_finalize(&hasher, digest.data(), digest.size());
    return digest;
}

std::string to_hex(const Digest& digest) {
    static const char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(64);
    for (const unsigned char byte : digest) {
        out += digits[byte >> 4];
        out += digits[byte & 15];
    }
    return out;
}

std::uint64_t Content::chunks() const {
    // Not (size + chunk_size - 1) / chunk_size: a hostile manifest's size near 2^64 would wrap.
    return manifest.chunk_size == 0 ? 0
                                    : manifest.size / manifest.chunk_size + (manifest.size % manifest.chunk_size != 0);
}

std::uint64_t Content::chunk_length(std::uint64_t index) const {
    const std::uint64_t start = index * manifest.chunk_size;
    return start >= manifest.size ? 0 : std::min(manifest.chunk_size, manifest.size - start);
}

bool Content::chunk_matches(std::uint64_t index, const void* data, std::size_t size) const {
    if (index >= chunks() || size != chunk_length(index))
        return false;
    const Digest digest = blake3(data, size);
    return std::memcmp(digest.data(), manifest.chunk_hashes.data.data() + index * 32, 32) == 0;
}

DecodeLimits manifest_limits() {
    DecodeLimits limits;
    limits.max_bytes = 64u << 20; // 2 M chunks: a 2 TiB file at 1 MiB per chunk
    limits.max_frame = limits.max_bytes + 1024;
    return limits;
}

Content make_content(std::string encoded, Manifest manifest) {
    Content content;
    content.id = to_hex(blake3(encoded.data(), encoded.size()));
    content.encoded = std::make_shared<const std::string>(std::move(encoded));
    content.manifest = std::move(manifest);
    return content;
}

std::optional<Content> open_manifest(const std::string& encoded, const std::string& expected_id,
                                     std::string& error) {
    if (to_hex(blake3(encoded.data(), encoded.size())) != expected_id) {
        error = "the manifest does not match content id " + expected_id;
        return std::nullopt;
    }
    const Decoded decoded = decode(encoded, manifest_limits());
    const auto* manifest = decoded ? std::get_if<Manifest>(&*decoded.message) : nullptr;
    if (!manifest) {
        error = "malformed manifest: " + (decoded ? "not a Manifest" : decoded.error);
        return std::nullopt;
    }
    Content content{expected_id, std::make_shared<const std::string>(encoded), *manifest};
    if (manifest->chunk_size == 0 || manifest->chunk_size > max_chunk_length ||
        manifest->chunk_hashes.data.size() % 32 != 0 || manifest->chunk_hashes.data.size() / 32 != content.chunks()) {
        error = "inconsistent manifest for content id " + expected_id;
        return std::nullopt;
    }
    return content;
}

std::optional<Content> hash_file(int fd, std::uint64_t size, std::string& error, const HashProgress& progress) {
    Manifest manifest{size, manifest_chunk_size, {}};
    const std::uint64_t chunks = (size + manifest_chunk_size - 1) / manifest_chunk_size;
    manifest.chunk_hashes.data.reserve(chunks * 32);
    std::vector<char> buffer(manifest_chunk_size);
    for (std::uint64_t index = 0; index < chunks; ++index) {
        const std::uint64_t offset = index * manifest_chunk_size;
        const std::size_t length = static_cast<std::size_t>(std::min(manifest_chunk_size, size - offset));
        const std::ptrdiff_t got = read_at(fd, buffer.data(), length, offset);
        if (got != static_cast<std::ptrdiff_t>(length)) {
            error = got < 0 ? std::strerror(errno) : "the file shrank while it was read";
            return std::nullopt;
        }
        const Digest digest = blake3(buffer.data(), length);
        manifest.chunk_hashes.data.append(reinterpret_cast<const char*>(digest.data()), digest.size());
        if (progress && !progress(offset + length)) {
            error = "stopped";
            return std::nullopt;
        }
    }
    std::string encoded = encode(manifest);
    return make_content(std::move(encoded), std::move(manifest));
}

} // namespace zshare::node
