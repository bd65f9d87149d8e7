#include "tracker.hpp"

#include "endpoint.hpp"
#include "signals.hpp"
#include "wire.hpp"

#include <algorithm>
#include <iostream>
#include <random>
#include <stdexcept>

namespace zshare::broker {
namespace {

using namespace protocol;

/// Largest request accepted: a Connect or UpdateFiles carrying a long file list.
constexpr std::int64_t max_request_bytes = 32 << 20;
/// Events a slow subscriber may have queued before the PUB socket drops for it.
constexpr int publish_high_water_mark = 100000;
/// Replies queued for one client at most. Snapshot parts beyond it wait in the tracker as a
/// position in a view, not as bytes in ZeroMQ's queues: a slow client holds at most this many
/// parts of 64 KiB (16 MiB), and at most 64 such streams send at once. Well above what a
/// client keeps in flight otherwise (a node has a few requests out; a reply over the mark is
/// dropped and its request runs into its deadline).
constexpr int reply_high_water_mark = 256;

protocol::Error error_reply(std::string_view code, std::string message) {
    return protocol::Error{std::string(code), std::move(message)};
}

/// Orders `files` by path (the table keeps them so). Returns: an empty string when every entry
/// is an absolute path, listed once, else why not.
std::string check_files(std::vector<FileEntry>& files) {
    for (const auto& file : files)
        if (file.path.empty() || file.path.front() != '/' ||
            file.path.find('\0') != std::string::npos)
            return "file paths must be absolute: '" + file.path + "'";
    if (const auto twice = order_by_path(files); !twice.empty())
        return "the file list names '" + twice + "' twice";
    return {};
}

/// Returns: the bind endpoint for events when none is given: the port after `listen`'s.
std::string default_publish(const std::string& listen) {
    auto endpoint = parse_tcp_endpoint(listen, true);
    if (!endpoint)
        throw std::runtime_error("--listen must be tcp://HOST:PORT, not '" + listen + "'");
    if (endpoint->port == 0) // ephemeral control port: ephemeral event port as well
        return endpoint->str();
    if (endpoint->port == 65535)
        throw std::runtime_error("--listen uses port 65535: give --publish explicitly");
    endpoint->port = static_cast<std::uint16_t>(endpoint->port + 1);
    return endpoint->str();
}

void bind_or_explain(zmq::socket_t& socket, const std::string& endpoint, const char* what) {
    if (!parse_tcp_endpoint(endpoint, true))
        throw std::runtime_error(std::string(what) + " must be tcp://HOST:PORT, not '" + endpoint + "'");
    try {
        allow_ipv6_for(socket, endpoint);
        socket.bind(endpoint);
    } catch (const zmq::error_t& e) {
        throw std::runtime_error(std::string("cannot listen on ") + endpoint + ": " + e.what());
    }
}

} // namespace

Tracker::Tracker(zmq::context_t& context, const TrackerOptions& options)
    : m_options(options), m_router(make_socket(context, zmq::socket_type::router, max_request_bytes)),
      m_publisher(make_socket(context, zmq::socket_type::xpub, 1024)), m_table(options.peer_ttl) {
    // Replies to a peer that vanished must fail visibly instead of being queued for nobody.
    m_router.set(zmq::sockopt::router_mandatory, 1);
    m_router.set(zmq::sockopt::sndhwm, reply_high_water_mark);
    if (m_options.security.curve) {
        // The handler first: a handshake that finds none is refused.
        m_gate = std::make_unique<ZapHandler>(context, m_reactor, [this](const auto& request, auto answer) {
            admit(request, answer);
        });
        make_curve_server(m_router, m_options.security.keys, "zshare-tracker");
        make_curve_server(m_publisher, m_options.security.keys, "zshare-tracker");
    }
    m_publisher.set(zmq::sockopt::sndhwm, publish_high_water_mark);
    // Every subscription reaches us (not only the first for a topic): each gets a Heartbeat.
    m_publisher.set(zmq::sockopt::xpub_verbose, 1);
    bind_or_explain(m_router, m_options.listen, "--listen");
    const std::string publish =
        m_options.publish.empty() ? default_publish(m_options.listen) : m_options.publish;
    bind_or_explain(m_publisher, publish, "--publish");
    m_control_endpoint = m_router.get(zmq::sockopt::last_endpoint);
    m_event_endpoint = m_publisher.get(zmq::sockopt::last_endpoint);
    std::random_device random;
    m_epoch = (std::uint64_t(random()) << 32 | random()) & ((std::uint64_t(1) << 53) - 1);
    if (m_epoch == 0)
        m_epoch = 1;
}

void Tracker::admit(const ZapHandler::Request& request, const ZapHandler::Answer& answer) {
    // An open group lets any key in (names then belong to the first key that takes them); a
    // closed one only its members' keys, on requests and events alike.
    const bool member = !m_options.members || m_options.members->keys.count(request.key) > 0;
    if (!member)
        log("refused a connection from " + request.address + ": key " + request.key + " is not a member");
    answer(member, request.key);
}

void Tracker::run() {
    m_request_watch = m_reactor.watch(m_router, [this] { on_requests(); });
    m_subscription_watch = m_reactor.watch(m_publisher, [this] { on_subscriptions(); });
    if (signal_fd() >= 0)
        m_signal_watch = m_reactor.watch_fd(signal_fd(), [] { drain_signal_fd(); });
    m_heartbeat_timer = Reactor::Timer(m_reactor, [this] { send_heartbeat(); });
    m_heartbeat_timer.arm_after(m_options.heartbeat);
    m_reap_timer = Reactor::Timer(m_reactor, [this] { expire_silent_peers(); });
    m_greeting_timer = Reactor::Timer(m_reactor, [this] { send_heartbeat(); });
    m_snapshot_timer = Reactor::Timer(m_reactor, [this] { send_snapshots(); });
    while (!stop_requested())
        m_reactor.run_once();
}

void Tracker::expire_silent_peers() {
    // A node killed, or cut off, says no goodbye: its silence past the TTL stands for one.
    for (const auto& name : m_table.expire_silent()) {
        log("expire " + name + " (silent for " + seconds_text(m_options.peer_ttl) + ")");
        publish(UnregisterPeer{m_epoch, m_seq + 1, name});
    }
    arm_reaper();
}

void Tracker::arm_reaper() {
    // Woken by the first deadline, not on a period: an idle table costs nothing, and each row
    // is looked at about once per TTL. 10 ms of slack gathers the expiries of one burst.
    if (const auto due = m_table.next_deadline())
        m_reap_timer.arm_at(*due + std::chrono::milliseconds(10));
    else
        m_reap_timer.disarm();
}

void Tracker::send_snapshots() {
    switch (m_snapshots.pump(m_router)) {
    case SnapshotStreams::Progress::idle:
        return;
    case SnapshotStreams::Progress::more: // the next turn, after the requests waiting now
        m_snapshot_timer.arm_after(std::chrono::milliseconds(0));
        return;
    case SnapshotStreams::Progress::blocked: // clients' queues are full: give them time
        m_snapshot_timer.arm_after(std::chrono::milliseconds(2));
        return;
    }
}

void Tracker::send_heartbeat() {
    (void)protocol::send(m_publisher, Heartbeat{m_epoch, m_seq});
    m_last_greeting = std::chrono::steady_clock::now();
    m_greeting_timer.disarm();
    m_heartbeat_timer.arm_after(m_options.heartbeat);
}

void Tracker::on_subscriptions() {
    // A new subscriber's first message is this Heartbeat, which it can only receive once its
    // subscription is in place: from then on it misses nothing, so it takes its snapshot then.
    // One Heartbeat greets every subscription of 10 ms: a flood of subscribe messages costs
    // the other subscribers at most a hundred extra Heartbeats a second.
    constexpr auto greeting_interval = std::chrono::milliseconds(10);
    bool joined = false;
    zmq::message_t frame;
    for (int handled = 0; handled < 10000 && m_publisher.recv(frame, zmq::recv_flags::dontwait); ++handled)
        joined = joined || (frame.size() > 0 && static_cast<const char*>(frame.data())[0] == 1);
    if (!joined)
        return;
    const auto due = m_last_greeting + greeting_interval;
    if (std::chrono::steady_clock::now() >= due)
        send_heartbeat();
    else
        m_greeting_timer.arm_no_later_than(due);
}

void Tracker::on_requests() {
    // Bounded batch so that a flood of requests cannot starve the stop check.
    for (int handled = 0; handled < 1000; ++handled) {
        auto in = receive_request(m_router);
        if (!in)
            return;
        std::string link = in->link.to_string();
        const bool known = m_table.touch(link); // any message shows the peer alive
        const std::uint64_t request_id = in->request.request_id;
        if (in->request && std::holds_alternative<ListPeers>(*in->request.message)) {
            // Answered in parts over the next turns of the loop.
            m_snapshots.start(in->link, request_id, m_epoch, m_seq, m_table.view());
            send_snapshots();
            continue;
        }
        const Message reply = in->request && std::holds_alternative<Ping>(*in->request.message)
                                  ? Message(Pong{m_epoch, m_seq, known})
                                  : handle(Sender{std::move(link), std::move(in->user_id), std::move(in->peer_address)},
                                           std::move(in->request));
        // The reply carries the request's id, so that a client with several requests out (or
        // one that gave up waiting) knows which one it answers.
        if (!send_to(m_router, in->link, reply, request_id))
            log("reply to a vanished or congested client dropped");
    }
}

Message Tracker::handle(const Sender& sender, Decoded request) {
    if (!request)
        return error_reply(error_code::bad_message, request.error);
    Message message = std::move(*request.message); // the file list moves into the table, uncopied
    if (std::holds_alternative<Hello>(message))
        return on_hello();
    if (auto* m = std::get_if<Connect>(&message))
        return on_connect(sender, *m);
    if (auto* m = std::get_if<UpdateFiles>(&message))
        return on_update_files(sender, *m);
    if (std::holds_alternative<Disconnect>(message))
        return on_disconnect(sender);
    return error_reply(error_code::unexpected,
                       "the tracker does not take " + std::string(type_name(message)) + " messages");
}

Message Tracker::on_hello() {
    return Welcome{m_event_endpoint, m_epoch, m_seq, static_cast<std::uint64_t>(m_options.heartbeat.count()),
                   static_cast<std::uint64_t>(m_options.peer_ttl.count())};
}

Tracker::Ownership Tracker::ownership(const std::string& name, const std::string& key) {
    if (!m_options.security.curve)
        return {}; // without keys, names belong to whoever holds them live
    const auto taken = [&] {
        return Ownership{error_reply(error_code::name_taken, "the name '" + name + "' belongs to another key")};
    };
    if (m_options.members) {
        const auto member = m_options.members->key_of_name.find(name);
        if (member == m_options.members->key_of_name.end())
            return {error_reply(error_code::name_taken, "'" + name + "' is not a member name of this group")};
        return member->second == key ? Ownership{} : taken();
    }
    if (!m_options.bindings)
        return {};
    // From the database each time: `zshare-tracker --release` may have freed the name meanwhile.
    const auto owner = m_options.bindings->refresh(name);
    if (!owner)
        return {std::nullopt, true};
    return *owner == key ? Ownership{} : taken();
}

Message Tracker::on_connect(const Sender& sender, Connect& request) {
    if (!valid_peer_name(request.name))
        return error_reply(error_code::invalid_name,
                           "invalid name '" + request.name +
                               "': use 1-64 letters, digits, '.', '_' or '-', not starting with '-'");
    if (!parse_tcp_endpoint(request.endpoint))
        return error_reply(error_code::bad_message,
                           "endpoint must be tcp://HOST:PORT, not '" + request.endpoint + "'");
    if (auto problem = check_files(request.files); !problem.empty())
        return error_reply(error_code::bad_message, problem);
    const Ownership owner = ownership(request.name, sender.key);
    if (owner.refused)
        return *owner.refused;
    // A node listening on every interface cannot know which address its peers reach it by;
    // the address its tracker connection comes from is the best guess, as BitTorrent trackers do.
    const std::string endpoint = replace_wildcard_host(request.endpoint, sender.address);
    auto outcome = m_table.claim(sender.link, request.instance,
                                 PeerInfo{request.name, endpoint, std::move(request.files), sender.key});
    if (const auto* refused = std::get_if<ClaimError>(&outcome)) {
        switch (*refused) {
        case ClaimError::name_taken:
            return error_reply(error_code::name_taken,
                               "the name '" + request.name + "' is held by another live node");
        case ClaimError::endpoint_taken:
            return error_reply(error_code::endpoint_taken,
                               "another user advertises " + endpoint + " as its file server");
        default:
            return error_reply(error_code::already_connected,
                               "this connection is registered under another name; disconnect first");
        }
    }
    if (owner.unbound) {
        // Trust on first use: this key owns the name from now on, across restarts. (Bound only
        // once the claim is sure: a refused Connect binds nothing.)
        if (auto problem = m_options.bindings->bind(request.name, sender.key); !problem.empty()) {
            log(problem);
            (void)m_table.expire(sender.link);
            return error_reply(error_code::io_error, "the tracker cannot keep the name: " + problem);
        }
        log("bind " + request.name + " to key " + sender.key);
    }
    auto& changed = std::get<PeerTable::Changed>(outcome);
    const StoredPeer& peer = *changed.row;
    const bool is_new = changed.result == ClaimResult::registered;
    log(std::string(is_new ? "register " : "re-register ") + peer.name + " " + peer.endpoint + " (" +
        std::to_string(peer.files) + " files)");
    if (is_new) {
        // The event is the row's own bytes behind an envelope: nothing is packed again.
        ++m_seq;
        (void)m_publisher.send(encode_register_peer(m_epoch, m_seq, peer.encoded), zmq::send_flags::dontwait);
        arm_reaper();
    } else {
        publish_update(peer, std::move(changed.change));
    }
    return Connected{peer.name,
                     peer.endpoint,
                     m_event_endpoint,
                     m_epoch,
                     m_seq,
                     static_cast<std::uint64_t>(m_options.heartbeat.count()),
                     static_cast<std::uint64_t>(m_options.peer_ttl.count())};
}

Message Tracker::on_update_files(const Sender& sender, UpdateFiles& request) {
    if (auto problem = check_files(request.files); !problem.empty())
        return error_reply(error_code::bad_message, problem);
    // Only the connection that holds the name, with the key that owns it.
    auto changed = m_table.update_files(sender.link, sender.key, std::move(request.files));
    if (!changed)
        return error_reply(error_code::not_connected, "UpdateFiles needs a Connect first");
    const StoredPeer& row = *changed->row;
    log("update " + row.name + " (" + std::to_string(row.files) + " files: " +
        (changed->change.full ? std::string("all listed") : std::to_string(changed->change.added.size()) + " added, " +
                                                              std::to_string(changed->change.removed.size()) +
                                                              " removed") +
        ")");
    publish_update(row, std::move(changed->change));
    return Ack{m_seq};
}

void Tracker::publish_update(const StoredPeer& row, FileListChange change) {
    publish(UpdatePeer{m_epoch, m_seq + 1, row.name, row.endpoint, row.key, change.full, std::move(change.added),
                       std::move(change.removed)});
}

Message Tracker::on_disconnect(const Sender& sender) {
    if (auto name = m_table.remove(sender.link, sender.key)) {
        log("unregister " + *name);
        publish(UnregisterPeer{m_epoch, m_seq + 1, *name});
    }
    return Ack{m_seq};
}

void Tracker::publish(const Message& event) {
    ++m_seq;
    // PUB never blocks: a subscriber past its high-water mark loses events and, seeing the gap
    // in sequence numbers, asks for a new snapshot.
    (void)protocol::send(m_publisher, event);
}

void Tracker::log(const std::string& line) const {
    if (m_options.verbose)
        std::cerr << "zshare-tracker: " << line << std::endl;
}

} // namespace zshare::broker
