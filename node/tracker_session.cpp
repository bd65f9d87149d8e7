#include "tracker_session.hpp"

#include "wire.hpp"

#include <algorithm>
#include <cstdio>
#include <random>

namespace zshare::node {

using namespace protocol;

namespace {
std::string plural(std::size_t count, const char* word) {
    return std::to_string(count) + " " + word + (count == 1 ? "" : "s");
}

/// Returns: 16 random hex digits: tells this process from another node with the same key.
std::string random_instance() {
    std::random_device random;
    char text[17];
    std::snprintf(text, sizeof text, "%08x%08x", random(), random());
    return text;
}
} // namespace

TrackerSession::TrackerSession(zmq::context_t& context, Reactor& reactor, SessionConfig config, Shares shares)
    : m_reactor(reactor), m_config(std::move(config)), m_shares(std::move(shares)),
      m_requests(context, reactor, m_config.tracker, m_config.timeout, m_config.security, m_config.tracker_key),
      m_feed(context, reactor, m_requests), m_instance(random_instance()) {
    m_requests.on_handshake_failed = [this](const auto& event) { on_handshake_failed(event); };
    m_ping_timer = Reactor::Timer(m_reactor, [this] { on_ping_time(); });
    m_silence_timer = Reactor::Timer(m_reactor, [this] { on_silence_check(); });
    m_announce_timer = Reactor::Timer(m_reactor, [this] { on_announce_deadline(); });
    m_update_timer = Reactor::Timer(m_reactor, [this] {
        if (m_state == SessionState::registered)
            send_update();
    });
    // Any reply proves the request path: the silence that would make the tracker unreachable
    // starts again from here.
    m_requests.on_reply = [this] {
        if (!m_start_done)
            m_silence_timer.arm_at(m_requests.last_reply() + m_ttl);
    };
}

void TrackerSession::notice(bool error, const std::string& text) {
    if (on_notice)
        on_notice(error, text);
}

void TrackerSession::start(std::function<void(const StartResult&)> done) {
    m_started = true;
    m_start_done = std::move(done);
    if (m_early_failure)
        return finish_start(m_early_failure->status, m_early_failure->error);
    if (!m_config.observer)
        return send_register();
    m_requests.send(Hello{}, [this](const Decoded& reply) {
        if (!reply)
            return finish_start(exit_status::failed, reply.error);
        if (const auto* welcome = std::get_if<Welcome>(&*reply.message))
            return on_welcome(*welcome);
        finish_start(exit_status::failed,
                     "the tracker answered Hello with " + std::string(type_name(*reply.message)));
    });
}

void TrackerSession::on_welcome(const Welcome& welcome) {
    adopt_timing(welcome.heartbeat_ms, welcome.ttl_ms);
    m_epoch = welcome.epoch;
    happen(SessionEvent::accepted);
    m_feed.subscribe(welcome.publish);
    m_feed.when_reaches(welcome.epoch, welcome.seq, Clock::now() + m_config.timeout, [this](bool reached) {
        if (reached)
            return finish_start(exit_status::ok, {});
        finish_start(exit_status::failed, "cannot mirror the peer table: " +
                                              (m_feed.problem().empty()
                                                   ? "no events from " + m_feed.publish_endpoint() + " within " +
                                                         seconds_text(m_config.timeout)
                                                   : m_feed.problem()));
    });
}

void TrackerSession::finish_start(int status, const std::string& error) {
    if (!m_start_done)
        return;
    auto done = std::move(m_start_done);
    m_start_done = nullptr;
    if (status == exit_status::ok) {
        m_ping_timer.arm_after(m_heartbeat);
        m_silence_timer.arm_at(m_requests.last_reply() + m_ttl);
    }
    done(StartResult{status, error});
}

void TrackerSession::send_register() {
    if (m_register_out || m_leaving)
        return;
    m_register_out = true;
    const std::uint64_t carried = m_announced;
    m_requests.send(Connect{m_config.name, m_config.endpoint, m_shares ? m_shares() : std::vector<FileEntry>{},
                            m_instance},
                    [this, carried](const Decoded& reply) {
                        m_register_out = false;
                        on_register_reply(reply, carried);
                    });
}

void TrackerSession::on_register_reply(const Decoded& reply, std::uint64_t carried) {
    if (!reply) {
        if (m_start_done)
            finish_start(exit_status::failed, reply.error);
        return; // the silence, if it goes on, makes the tracker unreachable; Pings go on
    }
    if (const auto* refused = std::get_if<Error>(&*reply.message)) {
        const std::string why = "the tracker refused '" + m_config.name + "'";
        if (m_start_done) {
            const bool by_rule = refused->code == error_code::name_taken || refused->code == error_code::invalid_name ||
                                 refused->code == error_code::endpoint_taken;
            return finish_start(by_rule ? exit_status::refused : exit_status::failed, why + ": " + refused->message);
        }
        // Said once; the session keeps trying, and gets the name back once it is free again.
        if (!m_refusal_said)
            notice(true, why + " again: " + refused->message);
        m_refusal_said = true;
        happen(SessionEvent::refused);
        return;
    }
    const auto* connected = std::get_if<Connected>(&*reply.message);
    if (!connected) {
        if (m_start_done)
            finish_start(exit_status::failed,
                         "the tracker answered Connect with " + std::string(type_name(*reply.message)));
        return;
    }
    const bool again = !m_start_done;
    m_refusal_said = false;
    m_handshake_said = false;
    m_epoch = connected->epoch;
    m_advertised = connected->endpoint;
    adopt_timing(connected->heartbeat_ms, connected->ttl_ms);
    happen(SessionEvent::accepted);
    m_feed.subscribe(connected->publish);
    if (again)
        notice(false, "registered again as " + m_config.name + " (" +
                          plural(m_shares ? m_shares().size() : 0, "file") + " shared)");
    const std::uint64_t epoch = connected->epoch, seq = connected->seq;
    if (again)
        return settle_when_mirrored(epoch, seq, carried);
    m_feed.when_reaches(epoch, seq, Clock::now() + m_config.timeout, [this, seq](bool reached) {
        if (reached)
            return finish_start(exit_status::ok, {});
        finish_start(exit_status::failed,
                     "cannot mirror the peer table: " +
                         (m_feed.problem().empty() ? "the tracker's event " + std::to_string(seq) +
                                                         " did not arrive within " + seconds_text(m_config.timeout)
                                                   : m_feed.problem()));
    });
}

void TrackerSession::settle_when_mirrored(std::uint64_t epoch, std::uint64_t seq, std::uint64_t carried) {
    // The tracker has taken the change: what it carried succeeds, once our own mirror shows it
    // (read your writes), or with a warning when the mirror is late. Their deadlines make room
    // for that wait, so that a late mirror never turns into a failure.
    const auto deadline = Clock::now() + m_config.timeout;
    for (auto& a : m_announcements)
        if (a.wanted <= carried)
            a.deadline = std::max(a.deadline, deadline + std::chrono::milliseconds(1));
    arm_announce_deadline();
    m_feed.when_reaches(epoch, seq, deadline, [this, carried, seq](bool reached) {
        if (!reached)
            notice(false, "warning: the tracker took the change, but its event " + std::to_string(seq) +
                              " has not reached this node's table yet");
        settle(carried, {});
        if (m_state == SessionState::registered)
            send_update(); // for what was asked after that request left, if anything
    });
}

void TrackerSession::announce(std::function<void(const std::string&)> done) {
    const std::uint64_t wanted = ++m_announced;
    m_announcements.push_back({wanted, Clock::now() + m_config.timeout, std::move(done)});
    arm_announce_deadline();
    if (m_state == SessionState::re_registering)
        send_register(); // Connect carries the whole list (or, if one is out, its reply resends)
    else
        send_update(); // also when unreachable: the tracker may be back
}

void TrackerSession::send_update() {
    // One UpdateFiles out at a time, carrying the whole list as it is when it leaves: a burst
    // of announcements (a folder's files arriving one by one) costs a few requests, not one
    // each. What comes meanwhile goes with the next one.
    if (m_update_out || std::none_of(m_announcements.begin(), m_announcements.end(),
                                     [&](const Announcement& a) { return a.wanted > m_carried_out; }))
        return;
    // Each UpdateFiles carries the whole list, and every node's table takes it in: while files
    // keep arriving, a few a second, not one per round trip (which costs the tracker and every
    // node a pass over a list that grows with each file).
    const auto now = Reactor::Clock::now();
    if (now < m_next_update) {
        m_update_timer.arm_no_later_than(m_next_update);
        return;
    }
    m_next_update = now + update_spacing;
    m_update_out = true;
    const std::uint64_t carried = m_announced;
    m_carried_out = carried;
    m_requests.send(UpdateFiles{m_shares ? m_shares() : std::vector<FileEntry>{}},
                    [this, carried](const Decoded& reply) {
                        m_update_out = false;
                        on_update_reply(reply, carried);
                        if (m_state == SessionState::registered)
                            send_update();
                    });
}

void TrackerSession::on_update_reply(const Decoded& reply, std::uint64_t carried) {
    if (!reply)
        return settle(carried, reply.error);
    if (const auto* refused = std::get_if<Error>(&*reply.message)) {
        // The tracker lost us (it restarted, or we were silent past the TTL): registering
        // again carries the whole list, and settles what waits.
        if (refused->code == error_code::not_connected)
            return happen(SessionEvent::tracker_lost_us);
        return settle(carried, "the tracker refused the update: " + refused->message);
    }
    const auto* ack = std::get_if<Ack>(&*reply.message);
    if (!ack)
        return settle(carried, "the tracker answered UpdateFiles with " + std::string(type_name(*reply.message)));
    settle_when_mirrored(m_epoch, ack->seq, carried);
}

std::vector<std::function<void(const std::string&)>>
TrackerSession::take_announcements(const std::function<bool(const Announcement&)>& which) {
    std::vector<std::function<void(const std::string&)>> taken;
    std::erase_if(m_announcements, [&](Announcement& a) {
        if (!which(a))
            return false;
        taken.push_back(std::move(a.done));
        return true;
    });
    arm_announce_deadline();
    return taken;
}

void TrackerSession::settle(std::uint64_t carried, const std::string& error) {
    for (auto& done : take_announcements([&](const Announcement& a) { return a.wanted <= carried; }))
        done(error);
}

void TrackerSession::on_announce_deadline() {
    const auto now = Clock::now();
    for (auto& done : take_announcements([&](const Announcement& a) { return a.deadline <= now; }))
        done("tracker " + m_config.tracker + " did not take the change within " + seconds_text(m_config.timeout));
}

void TrackerSession::arm_announce_deadline() {
    m_announce_timer.disarm();
    for (const auto& a : m_announcements)
        m_announce_timer.arm_no_later_than(a.deadline);
}

void TrackerSession::on_ping_time() {
    if (m_leaving)
        return;
    m_ping_timer.arm_after(m_heartbeat);
    if (m_state == SessionState::re_registering)
        return send_register(); // its reply proves the path as well as a Pong
    m_requests.send(Ping{}, [this](const Decoded& reply) { on_pong(reply); }, m_ttl);
}

void TrackerSession::on_pong(const Decoded& reply) {
    const auto* pong = reply ? std::get_if<Pong>(&*reply.message) : nullptr;
    if (!pong)
        return; // no answer: the silence check decides; another reply: it proved the path
    // An observer holds no registration: any Pong shows the tracker is there. (A new run is
    // the feed's business: its Heartbeats show it.)
    const bool knows_us = m_config.observer || (pong->registered && pong->epoch == m_epoch);
    happen(knows_us ? SessionEvent::tracker_knows_us : SessionEvent::tracker_lost_us);
}

void TrackerSession::on_silence_check() {
    const auto now = Clock::now();
    const auto due = std::max(m_requests.last_reply(), m_last_reconnect) + m_ttl;
    if (now < due)
        return m_silence_timer.arm_at(due);
    happen(SessionEvent::silent);
    // Silent for a TTL: a new connection, and again after every further TTL of silence. (A
    // tracker that lost our connection's pipe may keep the TCP connection open: waiting on it
    // would wait forever.)
    m_requests.reconnect();
    m_last_reconnect = now;
    m_silence_timer.arm_at(now + m_ttl);
}

void TrackerSession::happen(SessionEvent event) {
    const SessionState from = m_state;
    const SessionState to = next_state(from, event);
    if (to == from)
        return;
    m_state = to;
    if (to == SessionState::unreachable)
        notice(false, "tracker " + m_config.tracker + " is unreachable; " +
                          (m_config.observer ? "reconnecting" : "still serving files, reconnecting"));
    else if (from == SessionState::unreachable)
        notice(false, "tracker " + m_config.tracker + " is back");
    if (to == SessionState::re_registering)
        send_register();
}

void TrackerSession::leave(std::function<void()> done) {
    m_leaving = true;
    m_ping_timer.disarm();
    // Saying goodbye makes peers stop listing us at once; a tracker we cannot reach (or one
    // that no longer knows us) would only keep us waiting: its TTL does the same.
    if (m_config.observer || m_state != SessionState::registered)
        return m_reactor.defer(std::move(done));
    m_requests.send(Disconnect{}, [this, done = std::move(done)](const Decoded& reply) {
        if (!reply)
            notice(false, "leaving without the tracker's acknowledgement: " + reply.error);
        done();
    });
}

void TrackerSession::on_handshake_failed(const HandshakeMonitor::Event& event) {
    const std::string tracker = "tracker " + m_config.tracker;
    std::string why;
    int status = exit_status::failed;
    switch (!m_config.security.curve && event.failure() != HandshakeFailure::none ? HandshakeFailure::protocol
                                                                                   : event.failure()) {
    case HandshakeFailure::no_detail:
        why = "the handshake with " + tracker + " failed: most likely it does not hold the key given with "
              "--tracker-key (" + m_config.tracker_key + "); `zshare-tracker --print-key` shows its key";
        break;
    case HandshakeFailure::protocol:
        why = m_config.security.curve
                  ? tracker + " does not speak CURVE: it runs --insecure, or it is no zshare tracker"
                  : tracker + " encrypts its connections: give --tracker-key (its key) instead of --insecure";
        break;
    case HandshakeFailure::refused:
        why = tracker + " refused this " + std::string(m_config.observer ? "tap" : "node") + "'s key " +
              m_config.security.keys.public_key + ": it is not a member of the group";
        status = exit_status::refused;
        break;
    case HandshakeFailure::none:
        return;
    }
    // At the start, the start fails at once (also when the failure came first, while --share
    // was hashed); later (a tracker started anew with another key, say) it is said once, and
    // the session goes on trying.
    if (!m_started) {
        m_early_failure = StartResult{status, why};
        return;
    }
    if (m_start_done)
        return finish_start(status, why);
    if (!m_handshake_said)
        notice(true, why);
    m_handshake_said = true;
}

void TrackerSession::adopt_timing(std::uint64_t heartbeat_ms, std::uint64_t ttl_ms) {
    // A tracker started anew may keep other times than the old one did.
    if (heartbeat_ms > 0)
        m_heartbeat = std::chrono::milliseconds(heartbeat_ms);
    if (ttl_ms > 0)
        m_ttl = std::chrono::milliseconds(ttl_ms);
}

} // namespace zshare::node
