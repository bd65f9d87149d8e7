// What this node serves: the exact set of files it registered, each pinned to the identity
// (device and inode) it had then. The file server consults it for every request, so anything
// outside the set, and a registered path whose file was swapped (for a symlink, say), is never
// read. Guarded by a mutex: the file server thread reads while the main thread registers.
#pragma once

#include "content.hpp"
#include "messages.hpp"

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>
#include <sys/types.h>

namespace zshare::node {

/// A file as registered.
struct SharedFile {
    std::string path;       ///< canonical absolute path, the key peers ask by
    std::uint64_t size = 0; ///< size when registered
    dev_t device = 0;       ///< identity when registered: the file served must still be this one
    ino_t inode = 0;        ///< likewise
    Content content;        ///< manifest and content id
};

/// What collect_files() found: the files, or why the whole request must be refused.
struct Collected {
    std::vector<SharedFile> files; ///< every regular file named or found under a named directory
    std::string error;             ///< set when a path is missing or unreadable
};

/// Resolves `paths` (files, or directories taken recursively) to regular files, made absolute
/// and canonical, each with its manifest (from `cache`, or hashed). Symbolic links met inside a
/// directory are skipped, so a link out of a shared directory shares nothing; a link named
/// explicitly shares its target.
/// Returns: every file, or the first problem (then nothing is to be registered).
Collected collect_files(const std::vector<std::string>& paths, ManifestCache& cache);

/// The same without a cache: every file is hashed.
inline Collected collect_files(const std::vector<std::string>& paths) {
    ManifestCache none{""};
    return collect_files(paths, none);
}

/// Returns: the registration of a file this node just downloaded and verified as `content`
/// (its manifest is recorded in `cache` instead of being made again); or nothing, with `error`.
std::optional<SharedFile> share_verified(const std::string& path, const Content& content,
                                         ManifestCache& cache, std::string& error);

/// Returns: `path` absolute and normalised; canonical when it exists (to match registrations).
std::string absolute_path(const std::string& path);

class SharedFiles {
public:
    /// Adds (or refreshes) `files`.
    void add(const std::vector<SharedFile>& files);
    /// Removes the files at or under each of `paths`. Returns: the registrations removed.
    std::vector<SharedFile> remove_under(const std::vector<std::string>& paths);
    /// Returns: how many files are registered at or under `path`.
    std::size_t count_under(const std::string& path) const;
    /// Returns: the registration of exactly `path`, or nothing.
    std::optional<SharedFile> find(const std::string& path) const;
    /// Returns: every file, as the tracker should list them, ordered by path.
    std::vector<protocol::FileEntry> entries() const;

private:
    mutable std::mutex m_mutex;
    std::map<std::string, SharedFile> m_files; ///< path -> registration
};

} // namespace zshare::node
