// Finding what to share: the paths a user names, resolved to regular files, each with its
// manifest (from the cache, or hashed). Runs on the hashing worker for `register` (it can read
// gigabytes), and reports progress as it goes.
#pragma once

#include "manifest_cache.hpp"
#include "shared_files.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace zshare::node {

/// What collect_files() found: the files, or why the whole request must be refused.
struct Collected {
    std::vector<SharedFile> files; ///< every regular file named or found under a named directory
    std::string error;             ///< set when a path is missing or unreadable, or stopped
};

/// How far collect_files() is.
struct CollectProgress {
    std::size_t files_done = 0;     ///< files identified
    std::size_t files_total = 0;    ///< files found in all
    std::uint64_t bytes_done = 0;   ///< bytes hashed or found in the cache
    std::uint64_t bytes_total = 0;  ///< bytes in all the files found
};

/// Called now and then while collecting. Returns: false to stop (the result is then an error).
using CollectReport = std::function<bool(const CollectProgress&)>;

/// Resolves `paths` (files, or directories taken recursively) to regular files, made absolute
/// and canonical, each with its manifest (from `cache`, or hashed). Symbolic links met inside a
/// directory are skipped, so a link out of a shared directory shares nothing; a link named
/// explicitly shares its target.
/// Returns: every file, or the first problem (then nothing is to be registered).
Collected collect_files(const std::vector<std::string>& paths, const ManifestCache& cache,
                        const CollectReport& report = {});

/// The same without a cache: every file is hashed.
Collected collect_files(const std::vector<std::string>& paths);

/// Returns: the registration of a file this node just downloaded and verified as `content`
/// (its manifest is recorded in `cache`, when it has more than one chunk, instead of being
/// made again); or nothing, with `error`.
std::optional<SharedFile> share_verified(const std::string& path, const Content& content,
                                         const ManifestCache& cache, std::string& error);

/// Returns: `path` absolute and normalised; canonical when it exists (to match registrations).
std::string absolute_path(const std::string& path);

} // namespace zshare::node
