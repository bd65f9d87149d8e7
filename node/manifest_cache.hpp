// Manifests on disk, one file per (path, size, mtime, device, inode) key, so that sharing a
// large tree again after a restart does not read it all again. Holds no state in memory: the
// hashing worker and the main loop may both use it.
#pragma once

#include "content.hpp"

#include <optional>
#include <string>
#include <sys/stat.h>

namespace zshare::node {

class ManifestCache {
public:
    /// Keeps manifests under `directory` (created on first store); empty: no caching.
    explicit ManifestCache(std::string directory) : m_directory(std::move(directory)) {}

    /// Returns: the Content for the file at `path` as `info` describes it: from the cache when
    /// it holds a valid entry, otherwise hashed from `fd` (reporting to `progress`) and stored.
    std::optional<Content> content_of(const std::string& path, int fd, const struct stat& info,
                                      std::string& error, const HashProgress& progress = {}) const;

    /// Records `content` for the file at `path` as `info` describes it (a file just downloaded
    /// and verified need not be read again).
    void store(const std::string& path, const struct stat& info, const Content& content) const;

    /// Returns: the default directory: $XDG_CACHE_HOME/zshare, else $HOME/.cache/zshare.
    static std::string default_directory();

private:
    /// Returns: the cache file for the file at `path` as `info` describes it ("" without cache).
    std::string entry_of(const std::string& path, const struct stat& info) const;

    std::string m_directory;
};

} // namespace zshare::node
