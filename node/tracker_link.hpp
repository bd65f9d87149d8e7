// A client's link to the tracker: a DEALER for requests and a SUB that keeps a Mirror of the
// peer table current. Shared by the node and the tap.
//
// Requests are synchronous with a deadline (the control plane is rare and small); a request
// that times out drops its DEALER and opens a new one with the same routing id (the guide's
// Lazy Pirate), so a late reply can never be taken for the answer to the next request.
#pragma once

#include "codec.hpp"
#include "mirror.hpp"

#include <chrono>
#include <functional>
#include <string>
#include <zmq.hpp>

namespace zshare::node {

class TrackerLink {
public:
    /// Prepares a link to the tracker's request endpoint `tracker` (connects lazily).
    /// Requests wait at most `timeout` for their reply.
    TrackerLink(zmq::context_t& context, std::string tracker, std::chrono::milliseconds timeout);

    /// Sends `request` and waits for its reply. Returns: the reply, or why there is none (no
    /// answer in time, a malformed reply). An Error reply is returned as a message.
    protocol::Decoded request(const protocol::Message& request);

    /// Subscribes to the event endpoint a Welcome or Connected names, then takes a snapshot.
    /// Returns: an empty string, or why the mirror could not be filled.
    std::string subscribe(const std::string& publish_endpoint);

    /// Replaces the mirror with a new snapshot (queued events are left for drain_events()).
    /// Returns: as subscribe().
    std::string resync();

    /// Applies every event waiting on the SUB socket, resynchronising on a gap.
    /// Returns: true when the table changed.
    bool drain_events();

    /// Waits until the mirror contains event `seq` of the current tracker run.
    /// Returns: an empty string, or why it did not happen in time.
    std::string wait_for(std::uint64_t seq);

    /// Sends a Ping without waiting: its Pong arrives through drain_replies() (or is skipped
    /// by a request() under way). Returns: false when it could not be queued (no connection).
    bool ping();

    /// Handles replies waiting on the request socket outside a request(): Pongs (to on_pong),
    /// and late replies to requests that timed out (dropped).
    void drain_replies();

    /// Returns: when the tracker was last heard from (any reply or event).
    std::chrono::steady_clock::time_point last_heard() const { return m_last_heard; }

    /// Returns: the SUB socket, for the owner's poll loop (readable: call drain_events()).
    zmq::socket_ref events() { return m_subscriber; }
    /// Returns: the request socket, for the owner's poll loop (readable: drain_replies()).
    zmq::socket_ref requests() { return m_dealer; }
    /// Returns: the mirrored table.
    const Mirror& mirror() const { return m_mirror; }
    /// Returns: the tracker's request endpoint.
    const std::string& tracker() const { return m_tracker; }
    /// Returns: the event endpoint subscribed to (empty before subscribe()).
    const std::string& publish_endpoint() const { return m_publish; }

    /// Events applied or snapshots taken, with what they were (for the tap's printing).
    struct Change {
        bool snapshot = false;     ///< a new snapshot replaced the table
        protocol::Message event;   ///< the event applied (when !snapshot)
    };
    /// Called for each change as it is applied; the tap prints from it.
    std::function<void(const Change&)> on_change;
    /// Called for each Pong.
    std::function<void(const protocol::Pong&)> on_pong;

private:
    void open_dealer();
    /// Applies one decoded event. Returns: true when the table changed.
    bool apply_event(const protocol::Message& event);

    zmq::context_t& m_context;
    std::string m_tracker;            ///< request endpoint
    std::chrono::milliseconds m_timeout; ///< per request
    std::string m_routing_id;         ///< kept across DEALER re-creation
    zmq::socket_t m_dealer;           ///< requests
    zmq::socket_t m_subscriber;       ///< events
    std::string m_publish;            ///< event endpoint, wildcard host replaced
    Mirror m_mirror;                  ///< the table
    bool m_resync_failed = false;     ///< a snapshot failed in this drain_events(): skip the rest
    std::chrono::steady_clock::time_point m_last_heard = std::chrono::steady_clock::now();
};

} // namespace zshare::node
