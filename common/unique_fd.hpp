// One owner for a file descriptor: closed when the owner goes, movable, never copied.
#pragma once

#include <unistd.h>
#include <utility>

namespace zshare {

class UniqueFd {
public:
    UniqueFd() = default;
    /// Takes ownership of `fd` (-1: none).
    explicit UniqueFd(int fd) : m_fd(fd) {}
    ~UniqueFd() { reset(); }
    UniqueFd(UniqueFd&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept {
        if (this != &other)
            reset(std::exchange(other.m_fd, -1));
        return *this;
    }
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;

    /// Returns: the descriptor (-1: none).
    int get() const { return m_fd; }
    /// Returns: true when a descriptor is held.
    explicit operator bool() const { return m_fd >= 0; }
    /// Closes the descriptor held, if any, and takes `fd`.
    void reset(int fd = -1) {
        if (m_fd >= 0)
            ::close(m_fd);
        m_fd = fd;
    }
    /// Closes the descriptor and reports how that went (a write error can show only here).
    /// Returns: 0, or the errno of close().
    int close() {
        if (m_fd < 0)
            return 0;
        const int result = ::close(std::exchange(m_fd, -1));
        return result == 0 ? 0 : errno;
    }
    /// Returns: the descriptor, which the caller now owns.
    int release() { return std::exchange(m_fd, -1); }

private:
    int m_fd = -1;
};

} // namespace zshare
