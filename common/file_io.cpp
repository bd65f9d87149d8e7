#include "file_io.hpp"

#include "unique_fd.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace zshare {

std::ptrdiff_t read_at(int fd, char* data, std::size_t size, std::uint64_t offset) {
    std::size_t done = 0;
    while (done < size) {
        const ssize_t n = ::pread(fd, data + done, size - done, static_cast<off_t>(offset + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break; // end of file
        done += static_cast<std::size_t>(n);
    }
    return static_cast<std::ptrdiff_t>(done);
}

namespace {
/// Runs `write_some(done)` (a write of what is left after `done` bytes) until `size` bytes
/// are out. Returns: 0, or the errno.
template <class WriteSome> int write_in_full(std::size_t size, WriteSome&& write_some) {
    std::size_t done = 0;
    while (done < size) {
        const ssize_t n = write_some(done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? errno : EIO;
        done += static_cast<std::size_t>(n);
    }
    return 0;
}
} // namespace

int write_at(int fd, const char* data, std::size_t size, std::uint64_t offset) {
    return write_in_full(size, [&](std::size_t done) {
        return ::pwrite(fd, data + done, size - done, static_cast<off_t>(offset + done));
    });
}

int write_all(int fd, const std::string& text) {
    return write_in_full(text.size(),
                         [&](std::size_t done) { return ::write(fd, text.data() + done, text.size() - done); });
}

std::string write_file_atomically(const std::string& path, const std::string& text, unsigned mode,
                                  Durability durability) {
    const std::string temporary = path + ".tmp-" + std::to_string(::getpid());
    UniqueFd fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
                       static_cast<mode_t>(mode)));
    if (!fd)
        return "cannot write " + temporary + ": " + std::strerror(errno);
    int error = write_at(fd.get(), text.data(), text.size(), 0);
    // The data must be on disk before the rename makes it the file: otherwise a crash could
    // leave the new name holding nothing.
    if (error == 0 && durability == Durability::synced && ::fdatasync(fd.get()) != 0)
        error = errno;
    if (error == 0)
        error = fd.close();
    if (error != 0) {
        ::unlink(temporary.c_str());
        return "cannot write " + temporary + ": " + std::strerror(error);
    }
    if (::rename(temporary.c_str(), path.c_str()) != 0) {
        const std::string reason = std::strerror(errno);
        ::unlink(temporary.c_str());
        return "cannot replace " + path + ": " + reason;
    }
    return {};
}

bool read_whole_file(const std::string& path, std::string& content, std::string& error) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    struct stat info {};
    if (!fd || ::fstat(fd.get(), &info) != 0) {
        error = "cannot read " + path + ": " + std::strerror(errno);
        return false;
    }
    if (!S_ISREG(info.st_mode)) {
        error = path + " is not a regular file";
        return false;
    }
    content.resize(static_cast<std::size_t>(info.st_size));
    const std::ptrdiff_t got = read_at(fd.get(), content.data(), content.size(), 0);
    if (got < 0) {
        error = "cannot read " + path + ": " + std::strerror(errno);
        return false;
    }
    content.resize(static_cast<std::size_t>(got));
    return true;
}

} // namespace zshare
