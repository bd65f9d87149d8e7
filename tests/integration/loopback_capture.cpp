#include "loopback_capture.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace zshare::testing {

LoopbackCapture::LoopbackCapture(std::size_t max_bytes) : m_max(max_bytes) {
    m_fd = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
    if (m_fd < 0) {
        m_error = std::string("cannot open a packet socket: ") + std::strerror(errno);
        return;
    }
    sockaddr_ll where{};
    where.sll_family = AF_PACKET;
    where.sll_protocol = htons(ETH_P_ALL);
    where.sll_ifindex = static_cast<int>(::if_nametoindex("lo"));
    if (where.sll_ifindex == 0 || ::bind(m_fd, reinterpret_cast<sockaddr*>(&where), sizeof where) != 0) {
        m_error = std::string("cannot capture on lo: ") + std::strerror(errno);
        ::close(m_fd);
        m_fd = -1;
        return;
    }
    int buffer = 64 << 20;
    ::setsockopt(m_fd, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
    m_thread = std::thread([this] {
        std::string packet(1 << 17, '\0');
        while (!m_stop) {
            pollfd item{m_fd, POLLIN, 0};
            if (::poll(&item, 1, 50) <= 0)
                continue;
            const ssize_t n = ::recv(m_fd, packet.data(), packet.size(), MSG_DONTWAIT);
            if (n <= 0)
                continue;
            std::lock_guard lock(m_mutex);
            m_bytes.append(packet.data(), static_cast<std::size_t>(n));
            if (m_bytes.size() > m_max)
                m_bytes.erase(0, m_bytes.size() - m_max);
        }
    });
}

LoopbackCapture::~LoopbackCapture() {
    m_stop = true;
    if (m_thread.joinable())
        m_thread.join();
    if (m_fd >= 0)
        ::close(m_fd);
}

bool LoopbackCapture::saw(const std::string& needle) const {
    std::lock_guard lock(m_mutex);
    return m_bytes.find(needle) != std::string::npos;
}

} // namespace zshare::testing
