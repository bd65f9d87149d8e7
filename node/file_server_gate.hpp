// Who may connect to this node's file server: the ZAP handler of its CURVE handshakes, in the
// node's own loop, admitting exactly the keys of the users in the mirrored table, with no
// round trip to the tracker. Strangers get no reply at all: their handshake fails and no
// zshare message is exchanged.
//
// The join race: a node that has just registered can reach a holder before the holder's
// mirror lists its key. A refused handshake is final for a ZeroMQ client, so an unknown key
// is not refused at once: its answer waits until the table has had two heartbeats to catch
// up, and is yes as soon as the key appears.
#pragma once

#include "member_keys.hpp"
#include "mirror.hpp"
#include "reactor.hpp"
#include "zap_handler.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <vector>
#include <zmq.hpp>

namespace zshare::node {

class FileServerGate {
public:
    using Clock = std::chrono::steady_clock;

    /// Answers the handshakes of `context`'s CURVE servers from `keys`, holding unknown keys
    /// for `patience`. Construct it before the file server binds.
    FileServerGate(zmq::context_t& context, Reactor& reactor, const MemberKeys& keys,
                   std::chrono::milliseconds patience);

    /// The table changed: held keys that it lists now are let in.
    void on_table_changed();
    /// Makes an unknown key wait `patience` for the table.
    void set_patience(std::chrono::milliseconds patience) { m_patience = patience; }

    /// Returns: the keys of `mirror`'s users, for MemberKeys::replace().
    static MemberKeys::Map keys_of(const Mirror& mirror);

private:
    struct Held {
        std::string key;
        protocol::ZapHandler::Answer answer;
        Clock::time_point until;
    };
    void decide(const protocol::ZapHandler::Request& request, protocol::ZapHandler::Answer answer);
    void on_deadline();

    const MemberKeys& m_keys;
    std::chrono::milliseconds m_patience;
    std::vector<Held> m_held;              ///< unknown keys waiting for the table
    Reactor::Timer m_timer;                ///< the first held key's deadline
    std::unique_ptr<protocol::ZapHandler> m_handler;
};

} // namespace zshare::node
