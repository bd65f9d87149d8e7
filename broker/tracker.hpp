// The tracker: a ROUTER that answers requests and a PUB that broadcasts every change of the
// peer table as a sequenced event, around one loop.
//
// Secure (the default): both sockets are CURVE servers with the tracker's key, and a ZAP
// handler in the same loop admits clients (any key in an open group, the members' keys in a
// closed one). Identity comes only from the key ZeroMQ reports with each message (User-Id):
// a name belongs to the first key that registers it, and every request is checked against
// its sender's key. The routing ids that address replies are the tracker's own.
#pragma once

#include "codec.hpp"
#include "curve_socket.hpp"
#include "members.hpp"
#include "name_bindings.hpp"
#include "peer_table.hpp"
#include "reactor.hpp"
#include "snapshot_streams.hpp"
#include "zap_handler.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <zmq.hpp>

namespace zshare::broker {

struct TrackerOptions {
    std::string listen = "tcp://*:7400"; ///< ROUTER bind endpoint for requests
    std::string publish;                 ///< PUB bind endpoint; empty: the port after listen's
    bool verbose = true;                 ///< log each change on stderr
    std::chrono::milliseconds heartbeat{1000}; ///< Heartbeat publishing interval (and nodes' Pings)
    std::chrono::milliseconds peer_ttl{5000};  ///< a peer silent this long is dropped
    protocol::Security security;               ///< CURVE with the tracker's key pair, or plain
    std::optional<Members> members;            ///< a closed group: only these keys, these names
    NameBindings* bindings = nullptr;          ///< which key owns which name (CURVE, open group)
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
    /// Who sent a request: the connection and the key.
    struct Sender {
        std::string link;    ///< routing id
        std::string key;     ///< Z85 public key ("" without security)
        std::string address; ///< IP address
    };
    protocol::Message handle(const Sender& sender, protocol::Decoded request);
    protocol::Message on_hello();
    protocol::Message on_connect(const Sender& sender, protocol::Connect& request);
    /// Whether a key may register a name.
    struct Ownership {
        std::optional<protocol::Error> refused; ///< why not
        bool unbound = false;                   ///< yes, and the name is bound to nobody yet
    };
    /// Returns: whether `key` may register `name` (changes nothing).
    Ownership ownership(const std::string& name, const std::string& key);
    protocol::Message on_update_files(const Sender& sender, protocol::UpdateFiles& request);
    protocol::Message on_disconnect(const Sender& sender);
    void publish(const protocol::Message& event);
    /// Publishes UpdatePeer for `row`, carrying `change`.
    void publish_update(const StoredPeer& row, protocol::FileListChange change);
    void on_subscriptions();
    void send_heartbeat();
    void admit(const protocol::ZapHandler::Request& request, const protocol::ZapHandler::Answer& answer);
    void expire_silent_peers();
    /// Wakes the reaper at the first deadline of the table.
    void arm_reaper();
    /// Sends the next bytes of the snapshots under way.
    void send_snapshots();
    void log(const std::string& line) const;

    TrackerOptions m_options;
    Reactor m_reactor;                ///< the one loop
    std::unique_ptr<protocol::ZapHandler> m_gate; ///< admits CURVE clients (before the sockets)
    zmq::socket_t m_router;           ///< requests in, replies out
    zmq::socket_t m_publisher;        ///< events out (XPUB: it also sees who subscribes)
    std::string m_control_endpoint;   ///< m_router's bound endpoint
    std::string m_event_endpoint;     ///< m_publisher's bound endpoint
    PeerTable m_table;                ///< who is online and what they share
    SnapshotStreams m_snapshots;      ///< replies to ListPeers being sent
    std::uint64_t m_epoch = 0;        ///< random per run, stamped on every event
    std::uint64_t m_seq = 0;          ///< sequence number of the last event published
    std::chrono::steady_clock::time_point m_last_greeting; ///< the last Heartbeat for a subscriber
    Reactor::Watch m_request_watch;   ///< m_router readable
    Reactor::Watch m_subscription_watch; ///< m_publisher readable (subscriptions)
    Reactor::Watch m_signal_watch;    ///< a stop signal arrived
    Reactor::Timer m_heartbeat_timer; ///< the next Heartbeat
    Reactor::Timer m_reap_timer;      ///< the next look for silent peers
    Reactor::Timer m_greeting_timer;  ///< a greeting held back (at most one per 10 ms)
    Reactor::Timer m_snapshot_timer;  ///< the next bytes of the snapshots under way
};

} // namespace zshare::broker
