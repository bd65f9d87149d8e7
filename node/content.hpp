// Content identity: a file's Manifest (size, chunk size, BLAKE3 of each chunk) and its content
// id, the BLAKE3 of the encoded Manifest (BitTorrent's info-hash idea).
#pragma once

#include "codec.hpp"
#include "messages.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace zshare::node {

/// Chunk size of the manifests this node makes.
inline constexpr std::uint64_t manifest_chunk_size = 1u << 20;

/// A BLAKE3 digest (its default 32-byte output).
using Digest = std::array<unsigned char, 32>;

/// Returns: BLAKE3 of `size` bytes at `data` (the official C code: SSE4.1, AVX2 or AVX-512 as
/// the CPU has them, chosen at run time).
Digest blake3(const void* data, std::size_t size);

/// Returns: `digest` as 64 lowercase hex digits.
std::string to_hex(const Digest& digest);

/// A file's manifest, as made or as received and checked.
struct Content {
    std::string id;                              ///< hex BLAKE3 of `encoded`
    std::shared_ptr<const std::string> encoded;  ///< the Manifest frame (what peers are sent)
    protocol::Manifest manifest;                 ///< its fields
    /// Returns: the number of chunks.
    std::uint64_t chunks() const;
    /// Returns: the bytes in chunk `index`.
    std::uint64_t chunk_length(std::uint64_t index) const;
    /// Returns: true when `data` is chunk `index`, by its hash.
    bool chunk_matches(std::uint64_t index, const void* data, std::size_t size) const;
};

/// Returns: the decode limits for a manifest (32 bytes per chunk: larger than control messages).
protocol::DecodeLimits manifest_limits();

/// Returns: the Content of an encoded manifest that is known good (made here, or cached after
/// it was checked): its id is computed, not checked.
Content make_content(std::string encoded, protocol::Manifest manifest);

/// Returns: the Content of an encoded manifest, after checking that it hashes to `expected_id`
/// and is consistent; or why not.
std::optional<Content> open_manifest(const std::string& encoded, const std::string& expected_id,
                                     std::string& error);

/// Called after each chunk hashed with the bytes hashed so far. Returns: false to stop.
using HashProgress = std::function<bool(std::uint64_t bytes_done)>;

/// Returns: the Content of the open regular file `fd` of `size` bytes, read and hashed; or
/// nothing with `error` set when reading fails or `progress` says stop.
std::optional<Content> hash_file(int fd, std::uint64_t size, std::string& error,
                                 const HashProgress& progress = {});

} // namespace zshare::node
