#include "shared_files.hpp"

namespace zshare::node {

void SharedFiles::add(const std::vector<SharedFile>& files) {
    std::lock_guard lock(m_mutex);
    for (const auto& file : files)
        m_files[file.path] = file;
}

namespace {
/// Returns: true when `file` is `path` or lies below the directory `path`.
bool at_or_under(const std::string& file, const std::string& path) {
    if (file == path)
        return true;
    const std::string prefix = path == "/" ? path : path + "/";
    return file.compare(0, prefix.size(), prefix) == 0;
}
} // namespace

std::vector<SharedFile> SharedFiles::remove_under(const std::vector<std::string>& paths) {
    std::lock_guard lock(m_mutex);
    std::vector<SharedFile> removed;
    for (const auto& path : paths) {
        for (auto it = m_files.begin(); it != m_files.end();) {
            if (at_or_under(it->first, path)) {
                removed.push_back(std::move(it->second));
                it = m_files.erase(it);
            } else {
                ++it;
            }
        }
    }
    return removed;
}

std::size_t SharedFiles::count_under(const std::string& path) const {
    std::lock_guard lock(m_mutex);
    std::size_t count = 0;
    for (const auto& [file, shared] : m_files)
        count += at_or_under(file, path) ? 1 : 0;
    return count;
}

std::optional<SharedFile> SharedFiles::find(const std::string& path) const {
    std::lock_guard lock(m_mutex);
    const auto it = m_files.find(path);
    if (it == m_files.end())
        return std::nullopt;
    return it->second;
}

std::vector<protocol::FileEntry> SharedFiles::entries() const {
    std::lock_guard lock(m_mutex);
    std::vector<protocol::FileEntry> out;
    out.reserve(m_files.size());
    for (const auto& [path, file] : m_files)
        out.push_back({path, file.size, file.content.id});
    return out;
}

} // namespace zshare::node
