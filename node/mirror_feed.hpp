// Keeps a Mirror of the tracker's table current, the Clone pattern's way: subscribe to the
// event stream, and once the first message proves the subscription live, take a snapshot
// (ListPeers, answered in parts and an end marker); events that arrive meanwhile are held and
// applied after it. A gap in the
// sequence numbers, or a new tracker run, takes a new snapshot. Nothing waits: replies and
// events come through the owner's Reactor.
#pragma once

#include "mirror.hpp"
#include "reactor.hpp"
#include "tracker_requests.hpp"

#include <chrono>
#include <deque>
#include <functional>
#include <string>
#include <vector>
#include <zmq.hpp>

namespace zshare::node {

class MirrorFeed {
public:
    using Clock = std::chrono::steady_clock;

    /// A change applied to the mirror.
    struct Change {
        bool snapshot = false;   ///< a new snapshot replaced the table
        protocol::Message event; ///< the event applied (when !snapshot)
    };

    /// Prepares a feed that takes its snapshots through `requests`.
    MirrorFeed(zmq::context_t& context, Reactor& reactor, TrackerRequests& requests);
    ~MirrorFeed();
    MirrorFeed(const MirrorFeed&) = delete;
    MirrorFeed& operator=(const MirrorFeed&) = delete;

    /// Subscribes to the event endpoint a Welcome or Connected names (a wildcard host there
    /// means the tracker's own host). Does nothing when already subscribed.
    void subscribe(const std::string& publish_endpoint);

    /// Runs `done(true)` once the mirror holds event `seq` of tracker run `epoch`, or
    /// `done(false)` at `deadline` (at once when the mirror already holds it).
    void when_reaches(std::uint64_t epoch, std::uint64_t seq, Clock::time_point deadline,
                      std::function<void(bool)> done);

    /// Returns: the mirrored table.
    const Mirror& mirror() const { return m_mirror; }
    /// Returns: the event endpoint subscribed to (empty before subscribe()).
    const std::string& publish_endpoint() const { return m_publish; }
    /// Returns: why the last snapshot failed, or "" (cleared by the next one that works).
    const std::string& problem() const { return m_problem; }

    /// Called for each change as it is applied (the tap prints from it).
    std::function<void(const Change&)> on_change;
    /// Called after a batch of changes, once per batch (the node re-reads the table).
    std::function<void()> on_table_changed;
    /// Called when a snapshot fails (the reason is problem()).
    std::function<void()> on_snapshot_failed;

private:
    enum class State {
        unsubscribed,      ///< subscribe() not called yet
        awaiting_greeting, ///< subscribed; no message has proved the subscription live yet
        awaiting_snapshot, ///< ListPeers out; events are held until it answers
        live,              ///< the mirror follows the stream
        stale,             ///< the last snapshot failed; the next message asks again
    };
    struct Waiter {
        std::uint64_t epoch = 0;
        std::uint64_t seq = 0;
        Clock::time_point deadline;
        std::function<void(bool)> done;
    };
    void on_events();
    void on_event(const protocol::Message& event, bool& changed);
    void request_snapshot();
    /// Takes one reply to ListPeers. Returns: true while more parts are to come.
    bool on_snapshot(const protocol::Decoded& reply);
    void release_waiters();
    void arm();

    Reactor& m_reactor;
    TrackerRequests& m_requests;
    zmq::socket_t m_subscriber;
    std::string m_publish;
    State m_state = State::unsubscribed;
    Mirror m_mirror;
    /// A snapshot coming in parts.
    struct Incoming {
        std::uint64_t epoch = 0;
        std::uint64_t seq = 0;
        std::size_t parts = 0;
        std::size_t rows = 0;                           ///< rows in all parts so far
        std::map<std::string, protocol::PeerInfo> peers; ///< the rows, by name
    };
    Incoming m_incoming;
    std::uint64_t m_snapshot_request = 0;  ///< the ListPeers under way (0: none)
    std::deque<protocol::Message> m_held;  ///< events that came while a snapshot was awaited
    bool m_held_overflow = false;          ///< some were dropped: the snapshot may need redoing
    std::string m_problem;
    std::vector<Waiter> m_waiters;
    Reactor::Watch m_watch;
    Reactor::Timer m_deadline;             ///< the first waiter's deadline
};

} // namespace zshare::node
