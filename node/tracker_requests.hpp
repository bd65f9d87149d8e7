// Requests to the tracker, asynchronous: each carries a request id that its reply echoes, any
// number may be outstanding, and each gets its reply or, at its deadline, the reason there is
// none. Nothing here waits: the owner's Reactor delivers replies and deadlines.
//
// The DEALER has ZMQ_IMMEDIATE set, so a request is only handed to ZeroMQ once a connection to
// the tracker exists; until then it waits here. A request whose deadline passes is forgotten
// (never sent late to a tracker that comes back), and a reply that comes after its deadline
// is recognised by its id and dropped.
#pragma once

#include "codec.hpp"
#include "curve_socket.hpp"
#include "handshake_monitor.hpp"
#include "reactor.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <zmq.hpp>

namespace zshare::node {

class TrackerRequests {
public:
    using Clock = std::chrono::steady_clock;
    /// Gets the reply, or (no message, error set) why none came.
    using Callback = std::function<void(const protocol::Decoded& reply)>;
    /// Gets each reply of a streamed request; returns true while more are to come.
    using StreamCallback = std::function<bool(const protocol::Decoded& reply)>;

    /// Connects (lazily, as ZeroMQ does) to the tracker's request endpoint `tracker`, as a
    /// CURVE client of `tracker_key` with `security`'s keys (or plain). Requests wait at most
    /// `timeout` for their reply unless send() says otherwise.
    TrackerRequests(zmq::context_t& context, Reactor& reactor, std::string tracker,
                    std::chrono::milliseconds timeout, protocol::Security security = {false, {}},
                    std::string tracker_key = {});
    ~TrackerRequests();
    TrackerRequests(const TrackerRequests&) = delete;
    TrackerRequests& operator=(const TrackerRequests&) = delete;

    /// Sends `request`; `callback` runs once, from the loop, with its reply or the reason there
    /// is none (never after this object is gone). `timeout` 0: the default.
    /// Returns: the request's id.
    std::uint64_t send(const protocol::Message& request, Callback callback,
                       std::chrono::milliseconds timeout = std::chrono::milliseconds(0));

    /// Sends `request`, whose reply comes in several frames (ListPeers). `callback` runs for
    /// each until it returns false, or once with the reason when the next one does not come
    /// within `timeout` of the one before (a big answer takes long, but never pauses long).
    /// Returns: the request's id.
    std::uint64_t send_streamed(const protocol::Message& request, StreamCallback callback,
                                std::chrono::milliseconds timeout = std::chrono::milliseconds(0));

    /// Forgets request `id`: its callback will not run.
    void forget(std::uint64_t id);

    /// Replaces the connection with a new one, as the guide's Lazy Pirate does: a connection
    /// that the tracker's side no longer serves while TCP still holds it open (a half-open
    /// connection, a pipe the ROUTER dropped) would otherwise swallow every request. Requests
    /// already sent get no reply and run into their deadline.
    void reconnect();

    /// Returns: when the tracker last replied to anything (construction time before that).
    Clock::time_point last_reply() const { return m_last_reply; }
    /// Returns: the request endpoint.
    const std::string& endpoint() const { return m_endpoint; }
    /// Returns: how this client speaks to the tracker (the event stream speaks the same way).
    const protocol::Security& security() const { return m_security; }
    /// Returns: the tracker's public key ("" without security).
    const std::string& tracker_key() const { return m_tracker_key; }
    /// Returns: the default wait for a reply.
    std::chrono::milliseconds timeout() const { return m_timeout; }
    /// Returns: the number of requests waiting for a reply or a connection.
    std::size_t outstanding() const { return m_waiting.size(); }

    /// Called after each reply that arrives, before its callback.
    std::function<void()> on_reply;
    /// Called when a handshake with the tracker fails (a wrong key, a refused one, no CURVE).
    std::function<void(const protocol::HandshakeMonitor::Event&)> on_handshake_failed;

private:
    struct Waiting {
        StreamCallback callback;      ///< where the replies go
        Clock::time_point deadline;   ///< when to give up
        std::chrono::milliseconds timeout{0}; ///< how long that was
        std::string what;             ///< the request's type, for error messages
        bool sent = false;            ///< handed to ZeroMQ (else still queued here)
        zmq::message_t frame;         ///< the encoded request, until sent
    };
    void open();
    void on_readable();
    void on_writable();
    void on_deadline();
    /// Fails every request already sent with `why`.
    void fail_sent(const std::string& why);
    void flush_queue();
    void arm();

    Reactor& m_reactor;
    std::string m_endpoint;
    std::chrono::milliseconds m_timeout;
    zmq::context_t& m_context;
    protocol::Security m_security;
    std::string m_tracker_key;
    zmq::socket_t m_dealer;
    std::unique_ptr<protocol::HandshakeMonitor> m_monitor; ///< declared after the socket: goes first
    std::uint64_t m_next_id = 1;
    std::map<std::uint64_t, Waiting> m_waiting; ///< by request id
    std::deque<std::uint64_t> m_queue;         ///< ids not yet sent, oldest first
    Clock::time_point m_last_reply = Clock::now();
    Reactor::Watch m_readable;                 ///< replies
    Reactor::Watch m_writable;                 ///< present while requests wait for a connection
    Reactor::Timer m_deadline;                 ///< the first deadline
};

} // namespace zshare::node
