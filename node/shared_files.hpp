// What this node serves: the exact set of files it registered, each pinned to the identity
// (device and inode) it had then. The file server consults it for every request, so anything
// outside the set, and a registered path whose file was swapped (for a symlink, say), is never
// read. Guarded by a mutex: the file server thread reads while the main loop registers.
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
