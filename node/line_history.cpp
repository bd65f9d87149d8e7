#include "line_history.hpp"

#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <fstream>
#include <unistd.h>

namespace zshare::node {

LineHistory::LineHistory(std::size_t max_entries) : m_max_entries(max_entries) {}

void LineHistory::add(const std::string& line) {
    if (line.empty() || line.find_first_of("\r\n") != std::string::npos)
        return;
    if (!m_entries.empty() && m_entries.back() == line)
        return;
    m_entries.push_back(line);
    while (m_entries.size() > m_max_entries)
        m_entries.pop_front();
}

bool LineHistory::load(const std::string& path) {
    m_entries.clear();
    std::ifstream in(path, std::ios::binary);
    if (!in.is_open())
        return false;
    for (std::string line; std::getline(in, line);) {
        // A history file edited on another system may end its lines with "\r\n".
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        add(line);
    }
    return !in.bad();
}

namespace {

/// Returns: true when all of `text` was written to `fd`.
bool write_all(int fd, const std::string& text) {
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        done += static_cast<std::size_t>(n);
    }
    return true;
}

} // namespace

bool LineHistory::save(const std::string& path) const {
    std::string text;
    for (const auto& entry : m_entries)
        text += entry + '\n';
    // The pid keeps two nodes that share a history file from writing the same temporary file.
    const std::string temporary = path + ".tmp-" + std::to_string(::getpid());
    // Commands can name private files: the history is for its owner's eyes only, like a shell's.
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return false;
    const bool written = write_all(fd, text);
    if (::close(fd) != 0 || !written || std::rename(temporary.c_str(), path.c_str()) != 0) {
        ::unlink(temporary.c_str());
        return false;
    }
    return true;
}

} // namespace zshare::node
