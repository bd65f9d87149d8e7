#include "peers_file.hpp"

#include "file_io.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace zshare::node {

std::string host_port(const std::string& endpoint) {
    constexpr std::string_view scheme = "tcp://";
    return endpoint.compare(0, scheme.size(), scheme) == 0 ? endpoint.substr(scheme.size()) : endpoint;
}

std::string peers_file_text(const Mirror& mirror) {
    std::string text;
    for (const auto& [name, peer] : mirror.peers())
        text += name + " - " + host_port(peer.endpoint) + "\n";
    return text;
}

std::string write_file_atomically(const std::string& path, const std::string& text) {
    const std::string temporary = path + ".tmp-" + std::to_string(::getpid());
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return "cannot write " + temporary + ": " + std::strerror(errno);
    if (const int error = write_at(fd, text.data(), text.size(), 0); error != 0) {
        ::close(fd);
        ::unlink(temporary.c_str());
        return "cannot write " + temporary + ": " + std::strerror(error);
    }
    if (::close(fd) != 0 || ::rename(temporary.c_str(), path.c_str()) != 0) {
        const std::string reason = std::strerror(errno);
        ::unlink(temporary.c_str());
        return "cannot replace " + path + ": " + reason;
    }
    return {};
}

} // namespace zshare::node
