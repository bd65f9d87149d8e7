// A ZAP handler (ZeroMQ's authentication protocol, RFC 27): ZeroMQ asks it, for each CURVE
// handshake on a server socket of the same context, whether the client's key may in. It runs
// in its owner's loop and may answer later than it is asked (the node holds its answer until
// its table has caught up), and in any order: it is a ROUTER, not a REP.
//
// Construct it before any server socket of the context binds: a handshake that finds no
// handler is refused (ZMQ_ZAP_ENFORCE_DOMAIN).
#pragma once

#include "reactor.hpp"

#include <functional>
#include <memory>
#include <string>
#include <zmq.hpp>

namespace zshare::protocol {

class ZapHandler {
public:
    /// What ZeroMQ asks about.
    struct Request {
        std::string domain;    ///< the server socket's ZAP domain
        std::string address;   ///< the client's IP address
        std::string mechanism; ///< "CURVE" (anything else is refused before `decide`)
        std::string key;       ///< the client's public key, Z85
    };
    /// Says yes (the messages of that connection then carry `user_id` as User-Id) or no.
    using Answer = std::function<void(bool admit, const std::string& user_id)>;
    /// Decides about a request, at once or later, by calling the answer exactly once.
    using Decide = std::function<void(const Request& request, Answer answer)>;

    ZapHandler(zmq::context_t& context, Reactor& reactor, Decide decide);
    ~ZapHandler();
    ZapHandler(const ZapHandler&) = delete;
    ZapHandler& operator=(const ZapHandler&) = delete;

private:
    void on_readable();

    zmq::socket_t m_socket;
    Decide m_decide;
    std::shared_ptr<bool> m_alive; ///< answers given after this object is gone are dropped
    zshare::Reactor::Watch m_watch;
};

} // namespace zshare::protocol
