// The tracker: a ROUTER that answers requests and a PUB that broadcasts every change of the
// peer table as a sequenced event, around one zmq::poll loop.
#pragma once

#include "codec.hpp"
#include "peer_table.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <zmq.hpp>

namespace zshare::broker {

struct TrackerOptions {
    std::string listen = "tcp://*:7400"; ///< ROUTER bind endpoint for requests
    std::string publish;                 ///< PUB bind endpoint; empty: the port after listen's
    bool verbose = true;                 ///< log each change on stderr
    std::chrono::milliseconds heartbeat{1000}; ///< Heartbeat publishing interval (and nodes' Pings)
    std::chrono::milliseconds peer_ttl{5000};  ///< a peer silent this long is dropped
};

class Tracker {
public:
    /// Binds both sockets. Throws: std::runtime_error with a one-line reason when it cannot.
    Tracker(zmq::context_t& context, const TrackerOptions& options);

    /// Returns: the bound request endpoint, with the real port when an ephemeral one was asked.
    const std::string& control_endpoint() const { return m_control_endpoint; }
    /// Returns: the bound event endpoint.
    const std::string& event_endpoint() const { return m_event_endpoint; }

    /// Serves until SIGINT or SIGTERM (see stop_signal.hpp).
    void run();

    /// Handles every request waiting on the ROUTER without blocking (one loop iteration).
    void poll_once(std::chrono::milliseconds timeout);

private:
    protocol::Message handle(const std::string& link, const std::string& peer_address,
                             const protocol::Decoded& request);
    protocol::Message on_hello();
    protocol::Message on_connect(const std::string& link, const std::string& peer_address,
                                 protocol::Connect& request);
    protocol::Message on_update_files(const std::string& link, protocol::UpdateFiles& request);
    protocol::Message on_disconnect(const std::string& link);
    protocol::Message on_list_peers() const;
    void publish(const protocol::Message& event);
    void on_subscriptions();
    void send_heartbeat();
    void expire_silent_peers();
    void log(const std::string& line) const;

    TrackerOptions m_options;
    zmq::socket_t m_router;           ///< requests in, replies out
    zmq::socket_t m_publisher;        ///< events out (XPUB: it also sees who subscribes)
    std::string m_control_endpoint;   ///< m_router's bound endpoint
    std::string m_event_endpoint;     ///< m_publisher's bound endpoint
    PeerTable m_table;                ///< who is online and what they share
    std::uint64_t m_epoch = 0;        ///< random per run, stamped on every event
    std::uint64_t m_seq = 0;          ///< sequence number of the last event published
    std::chrono::steady_clock::time_point m_next_heartbeat; ///< when to publish the next one
};

} // namespace zshare::broker
