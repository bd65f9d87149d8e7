#include "share_scan.hpp"

#include "unique_fd.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>

namespace zshare::node {

namespace fs = std::filesystem;

namespace {

/// A regular file found, not yet read.
struct Found {
    fs::path path;
    std::uint64_t size = 0;
};

/// Adds every regular file under `root` (links and special files skipped). Returns: an error or "".
std::string list_directory(const fs::path& root, std::vector<Found>& out) {
    std::error_code ec;
    fs::recursive_directory_iterator it(root, fs::directory_options::none, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
        const auto status = it->symlink_status(ec);
        if (ec)
            break;
        if (fs::is_symlink(status) || !fs::is_regular_file(status))
            continue; // links could lead out of the directory; devices and fifos are not files
        std::error_code size_error;
        const auto size = it->file_size(size_error);
        out.push_back({it->path(), size_error ? 0 : static_cast<std::uint64_t>(size)});
    }
    if (ec)
        return "cannot read directory " + root.string() + ": " + ec.message();
    return {};
}

/// Opens `path` to prove it is readable and records what it is. Returns: an error or "".
std::string identify(const fs::path& path, SharedFile& out, const ManifestCache& cache,
                     const HashProgress& progress) {
    // O_NONBLOCK: opening a fifo would wait for a writer; the type check below refuses it.
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
    if (!fd)
        return "cannot read " + path.string() + ": " + std::strerror(errno);
    struct stat info {};
    if (::fstat(fd.get(), &info) != 0 || !S_ISREG(info.st_mode))
        return path.string() + " is not a regular file";
    std::string error;
    auto content = cache.content_of(path.string(), fd.get(), info, error, progress);
    if (!content)
        return error == "stopped" ? "stopped" : "cannot read " + path.string() + ": " + error;
    out.content = std::move(*content);
    out.path = path.string();
    out.size = static_cast<std::uint64_t>(info.st_size);
    out.device = info.st_dev;
    out.inode = info.st_ino;
    return {};
}

} // namespace

std::optional<SharedFile> share_verified(const std::string& path, const Content& content,
                                         const ManifestCache& cache, std::string& error) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
    struct stat info {};
    if (!fd || ::fstat(fd.get(), &info) != 0 || !S_ISREG(info.st_mode) ||
        static_cast<std::uint64_t>(info.st_size) != content.manifest.size) {
        error = "cannot share " + path + ": it changed after the download";
        return std::nullopt;
    }
    // A file of one chunk is hashed again faster than its cache entry is written now (a
    // folder's thousands of small files would each cost a file in the cache).
    if (content.chunks() > 1)
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

Collected collect_files(const std::vector<std::string>& paths) {
    const ManifestCache none{""};
    return collect_files(paths, none);
}

Collected collect_files(const std::vector<std::string>& paths, const ManifestCache& cache,
                        const CollectReport& report) {
    Collected result;
    // First find every file (cheap), so that the progress can say how much is left.
    std::vector<Found> found;
    for (const auto& given : paths) {
        std::error_code ec;
        const fs::path canonical = fs::canonical(fs::absolute(given, ec), ec);
        if (ec) {
            result.error = "cannot share " + given + ": " + ec.message();
            return result;
        }
        if (fs::is_directory(fs::status(canonical, ec))) {
            if (auto problem = list_directory(canonical, found); !problem.empty()) {
                result.error = problem;
                return result;
            }
        } else {
            std::error_code size_error;
            const auto size = fs::file_size(canonical, size_error);
            found.push_back({canonical, size_error ? 0 : static_cast<std::uint64_t>(size)});
        }
    }
    CollectProgress progress;
    progress.files_total = found.size();
    for (const auto& file : found)
        progress.bytes_total += file.size;
    if (report && !report(progress)) {
        result.error = "stopped";
        return result;
    }
    for (const auto& file : found) {
        const std::uint64_t before = progress.bytes_done;
        const HashProgress on_chunk = [&](std::uint64_t done) {
            progress.bytes_done = before + done;
            return !report || report(progress);
        };
        SharedFile shared;
        if (auto problem = identify(file.path, shared, cache, on_chunk); !problem.empty()) {
            result.files.clear();
            result.error = problem;
            return result;
        }
        progress.bytes_done = before + shared.size;
        ++progress.files_done;
        result.files.push_back(std::move(shared));
        if (report && !report(progress)) {
            result.files.clear();
            result.error = "stopped";
            return result;
        }
    }
    return result;
}

} // namespace zshare::node
