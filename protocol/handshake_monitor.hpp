// What happens to a socket's connections, from ZeroMQ's socket monitor, in its owner's loop:
// how a client learns that a CURVE handshake failed (a wrong server key, a key the server does
// not admit, a server that speaks plain) instead of waiting in silence.
#pragma once

#include "reactor.hpp"

#include <functional>
#include <string>
#include <zmq.hpp>

namespace zshare::protocol {

/// Why a handshake failed.
enum class HandshakeFailure {
    none,
    no_detail, ///< the peer's answers made no sense: for a CURVE client, a wrong server key
    protocol,  ///< the peers do not speak the same mechanism (one plain, one CURVE)
    refused,   ///< the server's authenticator said no (ZAP status 400)
};

class HandshakeMonitor {
public:
    struct Event {
        int event = 0;          ///< ZMQ_EVENT_*
        int value = 0;          ///< its value (the ZAP status code for a refusal)
        std::string endpoint;   ///< the connection's address
        /// Returns: why a handshake failed, or none for other events.
        HandshakeFailure failure() const;
        /// Returns: true for a handshake that worked.
        bool succeeded() const { return event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED; }
    };

    /// Watches `socket` (which must outlive this object) from now on.
    HandshakeMonitor(zmq::context_t& context, Reactor& reactor, zmq::socket_ref socket,
                     std::function<void(const Event&)> on_event);
    /// Stops watching.
    ~HandshakeMonitor();
    HandshakeMonitor(const HandshakeMonitor&) = delete;
    HandshakeMonitor& operator=(const HandshakeMonitor&) = delete;

private:
    void on_readable();

    zmq::socket_ref m_watched;
    zmq::socket_t m_pair;
    std::function<void(const Event&)> m_on_event;
    zshare::Reactor::Watch m_watch;
};

} // namespace zshare::protocol
