#include "tcp_relay.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>

namespace zshare::testing {

namespace {
int connect_to(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}
} // namespace

TcpRelay::TcpRelay(std::uint16_t target_port) : m_target(target_port) {
    m_listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (m_listener < 0 || ::bind(m_listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(m_listener, 16) != 0 || ::getsockname(m_listener, reinterpret_cast<sockaddr*>(&address), &length) != 0 ||
        ::pipe2(m_stop, O_CLOEXEC) != 0)
        throw std::runtime_error("cannot start the relay");
    m_port = ntohs(address.sin_port);
    m_thread = std::thread([this] { run(); });
}

TcpRelay::~TcpRelay() {
    (void)!::write(m_stop[1], "x", 1);
    m_thread.join();
    ::close(m_listener);
    ::close(m_stop[0]);
    ::close(m_stop[1]);
}

void TcpRelay::silence_current() {
    std::lock_guard lock(m_mutex);
    m_silenced = m_sent.size();
}

std::vector<std::string> TcpRelay::client_bytes() const {
    std::lock_guard lock(m_mutex);
    return m_sent;
}

void TcpRelay::run() {
    struct Pair {
        int client;
        int server;
        std::size_t index; ///< into m_sent
    };
    std::vector<Pair> pairs;
    for (;;) {
        std::vector<pollfd> fds{{m_stop[0], POLLIN, 0}, {m_listener, POLLIN, 0}};
        for (const auto& pair : pairs) {
            fds.push_back({pair.client, POLLIN, 0});
            fds.push_back({pair.server, POLLIN, 0});
        }
        if (::poll(fds.data(), fds.size(), -1) < 0)
            continue;
        if (fds[0].revents)
            break;
        const std::size_t polled = pairs.size(); // a pair accepted below was not polled yet
        if (fds[1].revents & POLLIN) {
            const int client = ::accept4(m_listener, nullptr, nullptr, SOCK_CLOEXEC);
            const int server = client >= 0 ? connect_to(m_target) : -1;
            if (server < 0) {
                if (client >= 0)
                    ::close(client);
            } else {
                std::lock_guard lock(m_mutex);
                m_sent.emplace_back();
                pairs.push_back({client, server, m_sent.size() - 1});
            }
        }
        std::vector<bool> closed(pairs.size(), false);
        for (std::size_t i = 0; i < polled; ++i)
            for (int side = 0; side < 2; ++side) {
                const auto& fd = fds[2 + 2 * i + static_cast<std::size_t>(side)];
                if (!(fd.revents & (POLLIN | POLLHUP | POLLERR)))
                    continue;
                char buffer[65536];
                const ssize_t n = ::read(fd.fd, buffer, sizeof buffer);
                const int to = side == 0 ? pairs[i].server : pairs[i].client;
                bool silenced;
                {
                    std::lock_guard lock(m_mutex);
                    silenced = pairs[i].index < m_silenced;
                }
                if (n > 0 && silenced)
                    continue; // swallowed: the path is dead
                if (n <= 0 || ::write(to, buffer, static_cast<std::size_t>(n)) != n) {
                    closed[i] = true;
                    continue;
                }
                if (side == 0) {
                    std::lock_guard lock(m_mutex);
                    m_sent[pairs[i].index].append(buffer, static_cast<std::size_t>(n));
                }
            }
        for (std::size_t i = pairs.size(); i-- > 0;)
            if (closed[i]) {
                ::close(pairs[i].client);
                ::close(pairs[i].server);
                pairs.erase(pairs.begin() + static_cast<long>(i));
            }
    }
    for (const auto& pair : pairs) {
        ::close(pair.client);
        ::close(pair.server);
    }
}

std::string zmtp_identity(const std::string& bytes) {
    // READY's properties: a name of (1 length byte + text), then a value of (4 length bytes,
    // big-endian, + bytes).
    const std::string name = "\x08Identity";
    const auto at = bytes.find(name);
    if (at == std::string::npos || at + name.size() + 4 > bytes.size())
        return {};
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data() + at + name.size());
    const std::size_t length = std::size_t(p[0]) << 24 | std::size_t(p[1]) << 16 | std::size_t(p[2]) << 8 | p[3];
    if (at + name.size() + 4 + length > bytes.size())
        return {};
    return bytes.substr(at + name.size() + 4, length);
}

std::uint16_t port_of(const std::string& endpoint) {
    return static_cast<std::uint16_t>(std::stoi(endpoint.substr(endpoint.rfind(':') + 1)));
}

} // namespace zshare::testing
