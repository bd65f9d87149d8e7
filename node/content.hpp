// Content identity: a file's Manifest (size, chunk size, SHA-256 of each chunk) and its content
// id, the SHA-256 of the encoded Manifest (BitTorrent's info-hash idea). Manifests are cached
// on disk, keyed by path, size, modification time and inode, so that sharing a large tree
// again after a restart does not read it all again.
#pragma once

#include "messages.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <sys/stat.h>

namespace zshare::node {

/// Chunk size of the manifests this node makes.
inline constexpr std::uint64_t manifest_chunk_size = 1u << 20;

/// A SHA-256 digest.
using Digest = std::array<unsigned char, 32>;

/// Returns: SHA-256 of `size` bytes at `data` (OpenSSL: SHA-NI where the CPU has it).
Digest sha256(const void* data, std::size_t size);

/// Returns: `digest` as 64 lowercase hex digits.
std::string to_hex(const Digest& digest);

/// A file's manifest, as made or as received and checked.
struct Content {
    std::string id;                              ///< hex SHA-256 of `encoded`
    std::shared_ptr<const std::string> encoded;  ///< the Manifest frame (what peers are sent)
    protocol::Manifest manifest;                 ///< its fields
    /// Returns: the number of chunks.
    std::uint64_t chunks() const;
    /// Returns: the bytes in chunk `index`.
    std::uint64_t chunk_length(std::uint64_t index) const;
    /// Returns: true when `data` is chunk `index`, by its hash.
    bool chunk_matches(std::uint64_t index, const void* data, std::size_t size) const;
};

/// Returns: the Content of an encoded manifest, after checking that it hashes to `expected_id`
/// and is consistent; or why not.
std::optional<Content> open_manifest(const std::string& encoded, const std::string& expected_id,
                                     std::string& error);

/// Returns: the Content of the open regular file `fd` of `size` bytes, read and hashed; or
/// nothing with `error` set when reading fails. `tick`, when set, is called after each chunk
/// (hashing a large file takes seconds: the caller's heartbeats must go on).
std::optional<Content> hash_file(int fd, std::uint64_t size, std::string& error,
                                 const std::function<void()>& tick = {});

/// Manifests on disk, one file per (path, size, mtime, device, inode) key.
class ManifestCache {
public:
    /// Keeps manifests under `directory` (created on first store); empty: no caching.
    explicit ManifestCache(std::string directory) : m_directory(std::move(directory)) {}

    /// Returns: the Content for the file at `path` as `info` describes it: from the cache when
    /// it holds a valid entry, otherwise hashed from `fd` and stored.
    std::optional<Content> content_of(const std::string& path, int fd, const struct stat& info,
                                      std::string& error);

    /// Records `content` for the file at `path` as `info` describes it (a file just downloaded
    /// and verified need not be read again).
    void store(const std::string& path, const struct stat& info, const Content& content);

    /// Returns: the default directory: $XDG_CACHE_HOME/zshare, else $HOME/.cache/zshare.
    static std::string default_directory();

    /// Called after each chunk hashed (see hash_file()).
    std::function<void()> tick;

private:
    /// Returns: the cache file for the file at `path` as `info` describes it ("" without cache).
    std::string entry_of(const std::string& path, const struct stat& info) const;

    std::string m_directory;
};

} // namespace zshare::node
