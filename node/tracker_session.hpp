// A client's session with the tracker: registration (or, for an observer such as the tap, a
// Hello), Pings and the TTL on both sides, re-registration, the mirror of the table, and the
// announcements of a node's file list. States and their changes are in session_states.hpp.
//
// The tracker counts as reachable only while it answers on the request path: events and
// Heartbeats on the SUB socket do not prove that requests get through (a node dropped by the
// tracker still hears every Heartbeat). Every Pong also says whether the tracker still knows
// us; when it does not, whoever caused it, the session registers again by itself.
#pragma once

#include "exit_status.hpp"
#include "mirror_feed.hpp"
#include "reactor.hpp"
#include "session_states.hpp"
#include "tracker_requests.hpp"

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>
#include <zmq.hpp>

namespace zshare::node {

struct SessionConfig {
    std::string tracker;                       ///< the tracker's request endpoint
    std::chrono::milliseconds timeout{5000};   ///< how long a request waits for its reply
    bool observer = false;                     ///< Hello instead of Connect: watch, hold no name
    std::string name;                          ///< the name to register (not for an observer)
    std::string endpoint;                      ///< our file server, as bound (likewise)
    protocol::Security security{false, {}};    ///< CURVE with our key pair, or plain
    std::string tracker_key;                   ///< the tracker's public key (with CURVE)
};

/// How start() ended.
struct StartResult {
    int status = exit_status::ok; ///< exit_status::ok, failed, or refused (name taken, ...)
    std::string error;            ///< why not, when status is not ok
};

class TrackerSession {
public:
    using Clock = std::chrono::steady_clock;
    /// Returns: the files to register, as they are now.
    using Shares = std::function<std::vector<protocol::FileEntry>()>;

    TrackerSession(zmq::context_t& context, Reactor& reactor, SessionConfig config, Shares shares = {});
    TrackerSession(const TrackerSession&) = delete;
    TrackerSession& operator=(const TrackerSession&) = delete;

    /// Registers (or says Hello) and takes the first snapshot; `done` runs once, when the
    /// mirror holds our own registration, or with the reason the start failed.
    void start(std::function<void(const StartResult&)> done);

    /// Tells the tracker the current file list; `done("")` runs once the tracker took it and
    /// our mirror shows it (read your writes), `done(reason)` when it did not within the
    /// timeout. Several may be under way; each is settled by the first reply that covers it.
    void announce(std::function<void(const std::string& error)> done);

    /// Says goodbye (when the tracker is reachable), then runs `done`.
    void leave(std::function<void()> done);

    SessionState state() const { return m_state; }
    /// Returns: when the tracker last answered a request.
    Clock::time_point last_heard() const { return m_requests.last_reply(); }
    const Mirror& mirror() const { return m_feed.mirror(); }
    MirrorFeed& feed() { return m_feed; }
    const std::string& tracker() const { return m_config.tracker; }
    /// Returns: our file server's endpoint as the tracker advertises it to peers.
    const std::string& advertised_endpoint() const { return m_advertised; }
    /// Returns: the Ping interval and the TTL the tracker handed out.
    std::chrono::milliseconds heartbeat() const { return m_heartbeat; }
    std::chrono::milliseconds ttl() const { return m_ttl; }

    /// Messages for people as things happen: (true, text) for an error, (false, text) else.
    std::function<void(bool error, const std::string& text)> on_notice;

private:
    struct Announcement {
        std::uint64_t wanted = 0;   ///< settled by a reply to a request that carried this
        Clock::time_point deadline; ///< settled with an error then
        std::function<void(const std::string&)> done;
    };
    void send_register();
    void on_register_reply(const protocol::Decoded& reply, std::uint64_t carried);
    void on_welcome(const protocol::Welcome& welcome);
    void finish_start(int status, const std::string& error);
    void send_update();
    void on_update_reply(const protocol::Decoded& reply, std::uint64_t carried);
    void on_ping_time();
    void on_pong(const protocol::Decoded& reply);
    void on_silence_check();
    void happen(SessionEvent event);
    /// Returns: the callbacks of the announcements `which` picks, removed from the list.
    std::vector<std::function<void(const std::string&)>>
    take_announcements(const std::function<bool(const Announcement&)>& which);
    void settle(std::uint64_t carried, const std::string& error);
    /// Settles what `carried` covers once the mirror holds event `seq` of run `epoch`.
    void settle_when_mirrored(std::uint64_t epoch, std::uint64_t seq, std::uint64_t carried);
    void on_announce_deadline();
    void arm_announce_deadline();
    void adopt_timing(std::uint64_t heartbeat_ms, std::uint64_t ttl_ms);
    void on_handshake_failed(const protocol::HandshakeMonitor::Event& event);
    void notice(bool error, const std::string& text);

    Reactor& m_reactor;
    SessionConfig m_config;
    Shares m_shares;
    TrackerRequests m_requests;
    MirrorFeed m_feed;
    SessionState m_state = SessionState::connecting;
    std::function<void(const StartResult&)> m_start_done; ///< set until the start ends
    std::uint64_t m_epoch = 0;                 ///< the tracker run that registered us
    std::string m_advertised;                  ///< Connected.endpoint
    std::chrono::milliseconds m_heartbeat{1000};
    std::chrono::milliseconds m_ttl{5000};
    Clock::time_point m_last_reconnect;        ///< the last new connection after a silence
    bool m_register_out = false;               ///< a Connect awaits its reply
    bool m_refusal_said = false;               ///< a refused re-registration was reported
    bool m_leaving = false;                    ///< leave() was called: no more Pings
    bool m_handshake_said = false;             ///< a failed handshake was reported
    bool m_started = false;                    ///< start() was called
    std::optional<StartResult> m_early_failure; ///< a handshake failed before start()
    std::string m_instance;                    ///< random per process: sent with every Connect
    std::uint64_t m_announced = 0;             ///< announcements asked for so far
    bool m_update_out = false;                 ///< an UpdateFiles awaits its reply
    std::uint64_t m_carried_out = 0;           ///< the announcements the last request sent covers
    std::vector<Announcement> m_announcements; ///< not yet settled
    Reactor::Timer m_ping_timer;
    Reactor::Timer m_silence_timer;
    Reactor::Timer m_announce_timer;
    Reactor::Timer m_update_timer;              ///< the next UpdateFiles, once spaced enough
    Reactor::Clock::time_point m_next_update{}; ///< no UpdateFiles leaves before this
    static constexpr auto update_spacing = std::chrono::milliseconds(100);
};

} // namespace zshare::node
