#include "file_list_change.hpp"

#include <algorithm>

namespace zshare::protocol {

namespace {
bool path_less(const FileEntry& a, const FileEntry& b) { return a.path < b.path; }
bool same_path(const FileEntry& a, const FileEntry& b) { return a.path == b.path; }
} // namespace

bool ordered_by_path(const std::vector<FileEntry>& files) {
    return std::adjacent_find(files.begin(), files.end(),
                              [](const FileEntry& a, const FileEntry& b) { return !(a.path < b.path); }) ==
           files.end();
}

std::string order_by_path(std::vector<FileEntry>& files) {
    if (!ordered_by_path(files))
        std::stable_sort(files.begin(), files.end(), path_less);
    const auto twice = std::adjacent_find(files.begin(), files.end(), same_path);
    return twice == files.end() ? std::string() : twice->path;
}

FileListChange file_list_change(const std::vector<FileEntry>& before, const std::vector<FileEntry>& after) {
    FileListChange change;
    auto old = before.begin();
    auto now = after.begin();
    while (old != before.end() || now != after.end()) {
        if (now == after.end() || (old != before.end() && old->path < now->path)) {
            change.removed.push_back(old++->path);
        } else if (old == before.end() || now->path < old->path) {
            change.added.push_back(*now++);
        } else {
            if (!(*old == *now))
                change.added.push_back(*now);
            ++old;
            ++now;
        }
    }
    if (change.added.size() + change.removed.size() > after.size())
        return FileListChange{true, after, {}};
    return change;
}

void apply_file_list_change(std::vector<FileEntry>& files, const FileListChange& change) {
    std::vector<FileEntry> added = change.added;
    (void)order_by_path(added);
    added.erase(std::unique(added.begin(), added.end(), same_path), added.end());
    if (change.full) {
        files = std::move(added);
        return;
    }
    (void)order_by_path(files);
    files.erase(std::unique(files.begin(), files.end(), same_path), files.end());
    std::vector<std::string> removed = change.removed;
    std::sort(removed.begin(), removed.end());
    std::vector<FileEntry> out;
    out.reserve(files.size() + added.size());
    auto old = files.begin();
    auto add = added.begin();
    auto gone = removed.begin();
    const auto is_removed = [&](const std::string& path) {
        while (gone != removed.end() && *gone < path)
            ++gone;
        return gone != removed.end() && *gone == path;
    };
    while (old != files.end() || add != added.end()) {
        if (add == added.end() || (old != files.end() && old->path < add->path)) {
            if (!is_removed(old->path))
                out.push_back(std::move(*old));
            ++old;
        } else {
            if (old != files.end() && old->path == add->path)
                ++old; // replaced
            out.push_back(*add++);
        }
    }
    files = std::move(out);
}

} // namespace zshare::protocol
