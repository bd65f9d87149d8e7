// Temporary directories and whole-file reads and writes, for unit and integration tests.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace zshare::testing {

/// A fresh directory under /tmp, removed with everything in it at the end of the test.
struct TempDir {
    std::string path; ///< canonical absolute path

    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "zshare-test-XXXXXX").string();
        if (!::mkdtemp(pattern.data()))
            throw std::runtime_error("mkdtemp failed");
        path = std::filesystem::canonical(pattern).string();
    }
    ~TempDir() {
        namespace fs = std::filesystem;
        std::error_code ec;
        // Make everything removable again: tests take permissions away.
        for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::recursive_directory_iterator();
             it.increment(ec))
            if (!it->is_symlink())
                fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
        fs::remove_all(path, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    /// Returns: path/relative.
    std::string operator/(const std::string& relative) const { return path + "/" + relative; }
};

/// Runs the test's file system calls from `path`, and goes back at the end.
class ChangeDirectory {
public:
    explicit ChangeDirectory(const std::string& path) : m_old(std::filesystem::current_path()) {
        std::filesystem::current_path(path);
    }
    ~ChangeDirectory() {
        std::error_code ec;
        std::filesystem::current_path(m_old, ec);
    }
    ChangeDirectory(const ChangeDirectory&) = delete;
    ChangeDirectory& operator=(const ChangeDirectory&) = delete;

private:
    std::filesystem::path m_old; ///< the directory to go back to
};

/// Writes `content` to `path` (replacing it), creating parent directories.
inline void write_file(const std::string& path, const std::string& content) {
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << content;
    if (!out.good())
        throw std::runtime_error("cannot write " + path);
}

/// Returns: the content of `path` ("" when it cannot be read).
inline std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

} // namespace zshare::testing
