#include "mirror_feed.hpp"

#include "curve_socket.hpp"
#include "endpoint.hpp"
#include "wire.hpp"

namespace zshare::node {

using namespace protocol;

namespace {
/// Events held while a snapshot is awaited, at most (a snapshot of a big table takes a while).
constexpr std::size_t max_held_events = 100000;
} // namespace

MirrorFeed::MirrorFeed(zmq::context_t& context, Reactor& reactor, TrackerRequests& requests)
    : m_reactor(reactor), m_requests(requests),
      m_subscriber(make_socket(context, zmq::socket_type::sub, max_table_message)) {
    m_deadline = Reactor::Timer(m_reactor, [this] { release_waiters(); });
}

MirrorFeed::~MirrorFeed() {
    m_watch.reset();
    if (m_snapshot_request)
        m_requests.forget(m_snapshot_request);
}

void MirrorFeed::subscribe(const std::string& publish_endpoint) {
    if (m_state != State::unsubscribed)
        return;
    const auto tracker = parse_tcp_endpoint(m_requests.endpoint());
    m_publish = replace_wildcard_host(publish_endpoint, tracker ? tracker->host : std::string());
    // The tracker greets every new subscription with a Heartbeat, so the first message proves
    // the subscription live: a snapshot taken after it cannot miss an event.
    m_subscriber.set(zmq::sockopt::subscribe, "");
    // The same key as for requests: the tracker's two sockets share it.
    if (m_requests.security().curve)
        make_curve_client(m_subscriber, m_requests.security().keys, m_requests.tracker_key());
    allow_ipv6_for(m_subscriber, m_publish);
    m_subscriber.connect(m_publish);
    m_state = State::awaiting_greeting;
    m_watch = m_reactor.watch(m_subscriber, [this] { on_events(); });
}

void MirrorFeed::on_events() {
    bool changed = false;
    for (int handled = 0; handled < 4096; ++handled) {
        auto received = receive(m_subscriber, table_limits());
        if (!received)
            break;
        if (!*received)
            continue; // a malformed event cannot be applied; the gap it leaves forces a snapshot
        on_event(*received->message, changed);
    }
    if (changed) {
        if (on_table_changed)
            on_table_changed();
        release_waiters();
    }
}

void MirrorFeed::on_event(const Message& event, bool& changed) {
    switch (m_state) {
    case State::unsubscribed:
        return;
    case State::awaiting_greeting:
    case State::stale:
        request_snapshot();
        [[fallthrough]];
    case State::awaiting_snapshot:
        if (std::holds_alternative<Heartbeat>(event))
            return; // says only where the stream stands: the snapshot will tell
        if (m_held.size() < max_held_events)
            m_held.push_back(event);
        else
            m_held_overflow = true;
        return;
    case State::live:
        break;
    }
    switch (m_mirror.apply(event)) {
    case Mirror::Outcome::applied:
        changed = true;
        if (on_change)
            on_change(Change{false, event});
        return;
    case Mirror::Outcome::stale:
        return;
    case Mirror::Outcome::gap:
        // Missed events (a slow subscriber) or a new tracker run: only a new snapshot is
        // trustworthy. This event and the ones after it are held for it.
        request_snapshot();
        m_held.push_back(event);
        return;
    }
}

void MirrorFeed::request_snapshot() {
    m_state = State::awaiting_snapshot;
    m_held.clear();
    m_held_overflow = false;
    m_incoming = {};
    if (m_snapshot_request)
        m_requests.forget(m_snapshot_request);
    m_snapshot_request =
        m_requests.send_streamed(ListPeers{}, [this](const Decoded& reply) { return on_snapshot(reply); });
}

bool MirrorFeed::on_snapshot(const Decoded& reply) {
    // The parts must agree on where the table stands, and the end must count what they held.
    std::string problem;
    if (!reply) {
        problem = reply.error;
    } else if (auto* part = std::get_if<PeerList>(&*reply.message)) {
        if (m_incoming.parts > 0 && (part->epoch != m_incoming.epoch || part->seq != m_incoming.seq)) {
            problem = "the tracker's snapshot parts disagree on its position";
        } else {
            m_incoming.epoch = part->epoch;
            m_incoming.seq = part->seq;
            ++m_incoming.parts;
            m_incoming.rows += part->peers.size();
            for (auto& peer : part->peers) {
                std::string name = peer.name;
                m_incoming.peers.insert_or_assign(std::move(name), std::move(peer));
            }
            return true;
        }
    } else if (const auto* end = std::get_if<SnapshotEnd>(&*reply.message)) {
        if (m_incoming.parts > 0 && (end->epoch != m_incoming.epoch || end->seq != m_incoming.seq))
            problem = "the tracker's snapshot end disagrees with its parts";
        else if (end->peers != m_incoming.rows || m_incoming.peers.size() != m_incoming.rows)
            problem = "the tracker's snapshot lost rows on the way (" + std::to_string(m_incoming.rows) + " of " +
                      std::to_string(end->peers) + ")";
    } else {
        problem = "the tracker answered ListPeers with " + std::string(type_name(*reply.message));
    }
    m_snapshot_request = 0;
    if (!problem.empty()) {
        m_incoming = {};
        m_problem = problem;
        m_state = State::stale; // the next event or Heartbeat asks again
        if (on_snapshot_failed)
            on_snapshot_failed();
        return false;
    }
    const auto& end = std::get<SnapshotEnd>(*reply.message);
    m_problem.clear();
    m_mirror.reset(end.epoch, end.seq, std::move(m_incoming.peers));
    m_incoming = {};
    m_state = State::live;
    if (on_change)
        on_change(Change{true, {}});
    // What came meanwhile follows on, is already contained, or shows a gap (then another
    // snapshot is on its way and the rest is held for it).
    auto held = std::move(m_held);
    m_held.clear();
    bool changed = true;
    for (const auto& event : held) {
        if (m_state != State::live) {
            m_held.push_back(event);
            continue;
        }
        on_event(event, changed);
    }
    if (m_held_overflow && m_state == State::live)
        request_snapshot(); // events were lost while waiting: this table may lack them
    if (on_table_changed)
        on_table_changed();
    release_waiters();
    return false;
}

void MirrorFeed::when_reaches(std::uint64_t epoch, std::uint64_t seq, Clock::time_point deadline,
                              std::function<void(bool)> done) {
    m_waiters.push_back({epoch, seq, deadline, std::move(done)});
    release_waiters();
}

void MirrorFeed::release_waiters() {
    const auto now = Clock::now();
    std::vector<std::pair<std::function<void(bool)>, bool>> ready;
    for (auto it = m_waiters.begin(); it != m_waiters.end();) {
        const bool reached = m_state == State::live && m_mirror.epoch() == it->epoch && m_mirror.seq() >= it->seq;
        if (reached || now >= it->deadline) {
            ready.emplace_back(std::move(it->done), reached);
            it = m_waiters.erase(it);
        } else {
            ++it;
        }
    }
    arm();
    for (auto& [done, reached] : ready)
        done(reached);
}

void MirrorFeed::arm() {
    m_deadline.disarm();
    for (const auto& waiter : m_waiters)
        m_deadline.arm_no_later_than(waiter.deadline);
}

} // namespace zshare::node
