#include "shared_files.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

namespace zshare::node {

namespace fs = std::filesystem;

namespace {

/// Opens `path` to prove it is readable and records what it is. Returns: an error or "".
std::string identify(const fs::path& path, SharedFile& out, ManifestCache& cache) {
    // O_NONBLOCK: opening a fifo would wait for a writer; the type check below refuses it.
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0)
        return "cannot read " + path.string() + ": " + std::strerror(errno);
    struct stat info {};
    if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
        ::close(fd);
        return path.string() + " is not a regular file";
    }
    std::string error;
    auto content = cache.content_of(path.string(), fd, info, error);
    ::close(fd);
    if (!content)
        return "cannot read " + path.string() + ": " + error;
    out.content = std::move(*content);
    out.path = path.string();
    out.size = static_cast<std::uint64_t>(info.st_size);
    out.device = info.st_dev;
    out.inode = info.st_ino;
    return {};
}

std::string collect_directory(const fs::path& root, std::vector<SharedFile>& out, ManifestCache& cache) {
    std::error_code ec;
    fs::recursive_directory_iterator it(root, fs::directory_options::none, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
        const auto status = it->symlink_status(ec);
        if (ec)
            break;
        if (fs::is_symlink(status) || !fs::is_regular_file(status))
            continue; // links could lead out of the directory; devices and fifos are not files
        SharedFile file;
        if (auto problem = identify(it->path(), file, cache); !problem.empty())
            return problem;
        out.push_back(std::move(file));
    }
    if (ec)
        return "cannot read directory " + root.string() + ": " + ec.message();
    return {};
}

} // namespace

std::optional<SharedFile> share_verified(const std::string& path, const Content& content,
                                         ManifestCache& cache, std::string& error) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    struct stat info {};
    if (fd < 0 || ::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode) ||
        static_cast<std::uint64_t>(info.st_size) != content.manifest.size) {
        error = "cannot share " + path + ": it changed after the download";
        if (fd >= 0)
            ::close(fd);
        return std::nullopt;
    }
    ::close(fd);
    cache.store(path, info, content);
    std::error_code ec;
    const auto canonical = fs::canonical(path, ec);
    return SharedFile{ec ? path : canonical.string(), content.manifest.size, info.st_dev, info.st_ino, content};
}

std::string absolute_path(const std::string& path) {
    std::error_code ec;
    fs::path absolute = fs::absolute(path, ec).lexically_normal();
    if (auto canonical = fs::canonical(absolute, ec); !ec)
        return canonical.string();
    std::string text = absolute.string();
    if (text.size() > 1 && text.back() == '/')
        text.pop_back();
    return text;
}

Collected collect_files(const std::vector<std::string>& paths, ManifestCache& cache) {
    Collected result;
    for (const auto& given : paths) {
        std::error_code ec;
        const fs::path canonical = fs::canonical(fs::absolute(given, ec), ec);
        if (ec) {
            result.error = "cannot share " + given + ": " + ec.message();
            break;
        }
        const auto status = fs::status(canonical, ec);
        if (fs::is_directory(status)) {
            result.error = collect_directory(canonical, result.files, cache);
        } else {
            SharedFile file;
            result.error = identify(canonical, file, cache);
            result.files.push_back(std::move(file));
        }
        if (!result.error.empty())
            break;
    }
    if (!result.error.empty())
        result.files.clear();
    return result;
}

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
