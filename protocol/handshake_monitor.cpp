#include "handshake_monitor.hpp"

#include <atomic>
#include <cstring>

namespace zshare::protocol {

namespace {
std::atomic<unsigned> g_monitors{0};
} // namespace

HandshakeFailure HandshakeMonitor::Event::failure() const {
    switch (event) {
    case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
        return HandshakeFailure::no_detail;
    case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
        return HandshakeFailure::protocol;
    case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
        return HandshakeFailure::refused;
    default:
        return HandshakeFailure::none;
    }
}

HandshakeMonitor::HandshakeMonitor(zmq::context_t& context, Reactor& reactor, zmq::socket_ref socket,
                                   std::function<void(const Event&)> on_event)
    : m_watched(socket), m_pair(context, zmq::socket_type::pair), m_on_event(std::move(on_event)) {
    const std::string address = "inproc://zshare-monitor-" + std::to_string(g_monitors++);
    const int events = ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                       ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_DISCONNECTED;
    if (zmq_socket_monitor(socket.handle(), address.c_str(), events) != 0)
        throw zmq::error_t();
    m_pair.set(zmq::sockopt::linger, 0);
    m_pair.connect(address);
    m_watch = reactor.watch(m_pair, [this] { on_readable(); });
}

HandshakeMonitor::~HandshakeMonitor() {
    m_watch.reset();
    zmq_socket_monitor(m_watched.handle(), nullptr, 0);
}

void HandshakeMonitor::on_readable() {
    // One event per turn: the owner may destroy this monitor from its handler (a downloader
    // drops a holder whose handshake failed), so nothing may touch it after the call. The loop
    // comes back while more events wait.
    {
        // [event id (16 bits) and value (32 bits)][endpoint]
        zmq::message_t head, endpoint;
        if (!m_pair.recv(head, zmq::recv_flags::dontwait))
            return;
        if (head.more())
            (void)m_pair.recv(endpoint, zmq::recv_flags::dontwait);
        if (head.size() < 6)
            return;
        Event event;
        std::uint16_t id = 0;
        std::uint32_t value = 0;
        std::memcpy(&id, head.data(), 2);
        std::memcpy(&value, static_cast<const char*>(head.data()) + 2, 4);
        event.event = id;
        event.value = static_cast<int>(value);
        event.endpoint = endpoint.to_string();
        const auto handler = m_on_event; // a copy: this object may be gone when it returns
        handler(event);
    }
}

} // namespace zshare::protocol
