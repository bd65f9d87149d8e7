#include "tracker_link.hpp"

#include "endpoint.hpp"
#include "wire.hpp"

#include <random>

namespace zshare::node {

using namespace protocol;
using Clock = std::chrono::steady_clock;

namespace {
/// A PeerList names every shared file of every peer: allow large ones.
constexpr std::int64_t max_reply_bytes = 256 << 20;
DecodeLimits reply_limits() {
    DecodeLimits limits;
    limits.max_frame = max_reply_bytes;
    limits.max_array = 16u << 20;
    return limits;
}

std::string random_routing_id() {
    std::random_device random;
    std::string id(16, '\0');
    for (auto& c : id)
        c = static_cast<char>(random() & 0xff);
    id[0] = 'z'; // ZeroMQ reserves routing ids that start with a zero byte
    return id;
}

} // namespace

TrackerLink::TrackerLink(zmq::context_t& context, std::string tracker, std::chrono::milliseconds timeout)
    : m_context(context), m_tracker(std::move(tracker)), m_timeout(timeout),
      m_routing_id(random_routing_id()),
      m_subscriber(make_socket(context, zmq::socket_type::sub, max_reply_bytes)) {
    open_dealer();
}

void TrackerLink::open_dealer() {
    m_dealer = make_socket(m_context, zmq::socket_type::dealer, max_reply_bytes);
    m_dealer.set(zmq::sockopt::routing_id, m_routing_id);
    allow_ipv6_for(m_dealer, m_tracker);
    m_dealer.connect(m_tracker);
}

Decoded TrackerLink::request(const Message& message) {
    Decoded reply;
    const auto deadline = Clock::now() + m_timeout;
    if (!send(m_dealer, message)) {
        reply.error = "tracker " + m_tracker + " is not accepting requests";
        return reply;
    }
    zmq::pollitem_t item{m_dealer.handle(), 0, ZMQ_POLLIN, 0};
    while (Clock::now() < deadline) {
        try {
            zmq::poll(&item, 1, until(deadline));
        } catch (const zmq::error_t& e) {
            if (e.num() != EINTR)
                throw;
        }
        while (auto received = receive(m_dealer, reply_limits())) {
            m_last_heard = Clock::now();
            // A Pong to an earlier Ping may come first: replies keep their order.
            if (*received && std::holds_alternative<Pong>(*received->message)) {
                if (on_pong)
                    on_pong(std::get<Pong>(*received->message));
                continue;
            }
            return std::move(*received);
        }
    }
    open_dealer(); // forget the late reply, if one ever comes
    reply.error = "tracker " + m_tracker + " did not answer within " + seconds_text(m_timeout);
    return reply;
}

std::string TrackerLink::subscribe(const std::string& publish_endpoint) {
    const auto tracker = parse_tcp_endpoint(m_tracker);
    m_publish = replace_wildcard_host(publish_endpoint, tracker ? tracker->host : std::string());
    // Subscribe, and take the snapshot only once the subscription is in place: the tracker
    // greets every new subscription with a Heartbeat, so the first message proves it. From
    // then on events queue up here, and none can fall between the snapshot and the stream.
    m_subscriber.set(zmq::sockopt::subscribe, "");
    allow_ipv6_for(m_subscriber, m_publish);
    m_subscriber.connect(m_publish);
    zmq::pollitem_t item{m_subscriber.handle(), 0, ZMQ_POLLIN, 0};
    const auto deadline = Clock::now() + m_timeout;
    while (!(item.revents & ZMQ_POLLIN) && Clock::now() < deadline) {
        try {
            zmq::poll(&item, 1, until(deadline));
        } catch (const zmq::error_t& e) {
            if (e.num() != EINTR)
                throw;
        }
    }
    if (!(item.revents & ZMQ_POLLIN))
        return "no events from the tracker's publisher " + m_publish + " within " + seconds_text(m_timeout);
    if (auto problem = resync(); !problem.empty())
        return problem;
    drain_events();
    return {};
}

std::string TrackerLink::resync() {
    const Decoded reply = request(ListPeers{});
    if (!reply)
        return reply.error;
    const auto* table = std::get_if<PeerList>(&*reply.message);
    if (!table)
        return "tracker answered ListPeers with " + std::string(type_name(*reply.message));
    m_mirror.reset(*table);
    if (on_change)
        on_change(Change{true, {}});
    return {};
}

bool TrackerLink::apply_event(const Message& event) {
    switch (m_mirror.apply(event)) {
    case Mirror::Outcome::applied:
        if (on_change)
            on_change(Change{false, event});
        return true;
    case Mirror::Outcome::stale:
        return false;
    case Mirror::Outcome::gap:
        // Missed events (a slow subscriber, or a subscription that was not active yet) or a
        // new tracker run: only a fresh snapshot is trustworthy. The events queued behind this
        // one are then stale or next in line, and drain_events() goes on with them.
        if (resync().empty())
            return true;
        m_resync_failed = true; // the next Heartbeat shows the gap again: retry then
        return false;
    }
    return false;
}

bool TrackerLink::ping() { return send(m_dealer, Ping{}); }

void TrackerLink::drain_replies() {
    while (auto received = receive(m_dealer, reply_limits())) {
        m_last_heard = Clock::now();
        if (*received && std::holds_alternative<Pong>(*received->message) && on_pong)
            on_pong(std::get<Pong>(*received->message));
    }
}

bool TrackerLink::drain_events() {
    bool changed = false;
    m_resync_failed = false;
    DecodeLimits limits = reply_limits();
    while (auto received = receive(m_subscriber, limits)) {
        m_last_heard = Clock::now();
        if (!*received)
            continue; // a malformed event cannot be applied; the gap it leaves forces a resync
        if (m_resync_failed)
            continue; // a tracker that did not answer a snapshot: no use asking at each event
        changed = apply_event(*received->message) || changed;
    }
    return changed;
}

std::string TrackerLink::wait_for(std::uint64_t seq) {
    const auto deadline = Clock::now() + m_timeout;
    // An event published before our subscription reached the tracker never arrives, and no gap
    // shows until a later one does; so when it is late, a snapshot settles the question.
    constexpr auto patience = std::chrono::milliseconds(250);
    const std::uint64_t epoch = m_mirror.epoch();
    auto next_snapshot = Clock::now() + patience;
    while (m_mirror.epoch() == epoch && m_mirror.seq() < seq) {
        const auto now = Clock::now();
        if (now >= deadline)
            return "the tracker's event " + std::to_string(seq) + " did not arrive within " +
                   seconds_text(m_timeout);
        if (now >= next_snapshot) {
            if (auto problem = resync(); !problem.empty())
                return problem;
            drain_events();
            next_snapshot = Clock::now() + patience;
            continue;
        }
        zmq::pollitem_t item{m_subscriber.handle(), 0, ZMQ_POLLIN, 0};
        try {
            zmq::poll(&item, 1, until(std::min(deadline, next_snapshot)));
        } catch (const zmq::error_t& e) {
            if (e.num() != EINTR)
                throw;
        }
        drain_events();
    }
    return {};
}

} // namespace zshare::node
