// The tracker: a ROUTER that answers requests and a PUB that broadcasts every change of the
// peer table as a sequenced event, around one zmq::poll loop.
#pragma once

#include "codec.hpp"
#include "peer_table.hpp"
#include "reactor.hpp"

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

    /// Serves until SIGINT or SIGTERM (see signals.hpp).
    void run();

private:
    /// Handles a bounded batch of the requests waiting on the ROUTER.
    void on_requests();
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
    Reactor m_reactor;                ///< the one loop
    Reactor::Watch m_request_watch;   ///< m_router readable
    Reactor::Watch m_subscription_watch; ///< m_publisher readable (subscriptions)
    Reactor::Watch m_signal_watch;    ///< a stop signal arrived
    Reactor::Timer m_heartbeat_timer; ///< the next Heartbeat
    Reactor::Timer m_reap_timer;      ///< the next look for silent peers
};

} // namespace zshare::broker
