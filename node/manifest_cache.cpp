#include "manifest_cache.hpp"

#include "codec.hpp"
#include "file_io.hpp"

#include <cstdlib>
#include <filesystem>
#include <sstream>

namespace zshare::node {

using namespace protocol;

std::string ManifestCache::default_directory() {
    if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg == '/')
        return std::string(xdg) + "/zshare";
    if (const char* home = std::getenv("HOME"); home && *home == '/')
        return std::string(home) + "/.cache/zshare";
    return {};
}

std::string ManifestCache::entry_of(const std::string& path, const struct stat& info) const {
    if (m_directory.empty())
        return {};
    std::ostringstream key;
    key << path << '\0' << info.st_size << '\0' << info.st_mtim.tv_sec << '.' << info.st_mtim.tv_nsec << '\0'
        << info.st_dev << '\0' << info.st_ino;
    const std::string text = key.str();
    return m_directory + "/manifests/" + to_hex(blake3(text.data(), text.size()));
}

void ManifestCache::store(const std::string& path, const struct stat& info, const Content& content) const {
    const std::string entry = entry_of(path, info);
    if (entry.empty())
        return;
    std::error_code ec;
    std::filesystem::create_directories(m_directory + "/manifests", ec);
    // A cache that cannot be written, or loses an entry, only costs time: not worth a flush to
    // disk per file (a folder's thousands of files would each wait for one).
    (void)write_file_atomically(entry, *content.encoded, 0644, Durability::cached);
}

std::optional<Content> ManifestCache::content_of(const std::string& path, int fd, const struct stat& info,
                                                 std::string& error, const HashProgress& progress) const {
    if (const std::string entry = entry_of(path, info); !entry.empty()) {
        std::string encoded, ignored;
        if (read_whole_file(entry, encoded, ignored) && !encoded.empty()) {
            const Decoded decoded = decode(encoded, manifest_limits());
            if (const auto* manifest = decoded ? std::get_if<Manifest>(&*decoded.message) : nullptr;
                manifest && manifest->size == static_cast<std::uint64_t>(info.st_size)) {
                if (progress)
                    (void)progress(manifest->size); // known without reading: all of it is done
                return make_content(encoded, *manifest);
            }
        }
    }
    auto content = hash_file(fd, static_cast<std::uint64_t>(info.st_size), error, progress);
    if (content)
        store(path, info, *content);
    return content;
}

} // namespace zshare::node
