// A file list's change as UpdatePeer carries it: the files added or changed and the paths
// removed, or the whole new list when that is shorter. The tracker computes it, every mirror
// applies it; both keep their lists ordered by path, which makes either a single merge.
#pragma once

#include "messages.hpp"

#include <string>
#include <vector>

namespace zshare::protocol {

/// What changed between two file lists.
struct FileListChange {
    bool full = false;                ///< `added` is the whole new list
    std::vector<FileEntry> added;     ///< new or changed entries, ordered by path
    std::vector<std::string> removed; ///< paths gone, ordered
};

/// Returns: true when `files` is ordered by path with no path twice.
bool ordered_by_path(const std::vector<FileEntry>& files);

/// Orders `files` by path. Returns: a path found twice, or "" (then the list is unique).
std::string order_by_path(std::vector<FileEntry>& files);

/// Returns: the change from `before` to `after`, both ordered_by_path(); the whole list
/// instead when the change would hold more entries than `after`.
FileListChange file_list_change(const std::vector<FileEntry>& before, const std::vector<FileEntry>& after);

/// Applies `change` to `files`. A list not ordered_by_path() (from a faulty tracker) is
/// ordered first, its doubles dropped, so the outcome is always ordered and unique.
void apply_file_list_change(std::vector<FileEntry>& files, const FileListChange& change);

/// Returns: the change an UpdatePeer carries.
inline FileListChange change_of(const UpdatePeer& update) { return {update.full, update.added, update.removed}; }

} // namespace zshare::protocol
