#include "tracker_requests.hpp"

#include "wire.hpp"


namespace zshare::node {

using namespace protocol;

TrackerRequests::TrackerRequests(zmq::context_t& context, Reactor& reactor, std::string tracker,
                                 std::chrono::milliseconds timeout, Security security, std::string tracker_key)
    : m_reactor(reactor), m_endpoint(std::move(tracker)), m_timeout(timeout), m_context(context),
      m_security(std::move(security)), m_tracker_key(std::move(tracker_key)) {
    open();
    m_deadline = Reactor::Timer(m_reactor, [this] { on_deadline(); });
}

void TrackerRequests::open() {
    m_dealer = make_socket(m_context, zmq::socket_type::dealer, max_table_message);
    // No routing id of our own: the tracker's ROUTER gives each connection one, so nobody can
    // present ours and take our replies. Who we are, the tracker learns from our key.
    m_dealer.set(zmq::sockopt::immediate, 1);
    if (m_security.curve)
        make_curve_client(m_dealer, m_security.keys, m_tracker_key);
    m_monitor = std::make_unique<HandshakeMonitor>(m_context, m_reactor, m_dealer, [this](const auto& event) {
        if (event.failure() != HandshakeFailure::none && on_handshake_failed)
            on_handshake_failed(event);
    });
    allow_ipv6_for(m_dealer, m_endpoint);
    m_dealer.connect(m_endpoint);
    m_readable = m_reactor.watch(m_dealer, [this] { on_readable(); });
}

void TrackerRequests::reconnect() {
    m_readable.reset();
    m_writable.reset();
    m_monitor.reset();
    m_dealer.close();
    open();
    flush_queue();
}

TrackerRequests::~TrackerRequests() {
    m_readable.reset();
    m_writable.reset();
    m_monitor.reset();
}

std::uint64_t TrackerRequests::send(const Message& request, Callback callback,
                                    std::chrono::milliseconds timeout) {
    return send_streamed(
        request,
        [callback = std::move(callback)](const Decoded& reply) {
            callback(reply);
            return false;
        },
        timeout);
}

std::uint64_t TrackerRequests::send_streamed(const Message& request, StreamCallback callback,
                                             std::chrono::milliseconds timeout) {
    const std::uint64_t id = m_next_id++;
    Waiting waiting;
    waiting.callback = std::move(callback);
    waiting.timeout = timeout.count() > 0 ? timeout : m_timeout;
    waiting.deadline = Clock::now() + waiting.timeout;
    waiting.what = std::string(type_name(request));
    waiting.frame = encode_zmq(request, id);
    m_waiting.emplace(id, std::move(waiting));
    m_queue.push_back(id);
    flush_queue();
    arm();
    return id;
}

void TrackerRequests::forget(std::uint64_t id) {
    m_waiting.erase(id); // a queued id without an entry is skipped when flushed
    arm();
}

void TrackerRequests::flush_queue() {
    while (!m_queue.empty()) {
        const auto it = m_waiting.find(m_queue.front());
        if (it == m_waiting.end() || it->second.sent) {
            m_queue.pop_front();
            continue;
        }
        // With ZMQ_IMMEDIATE, "would block" means no connection yet (or a full pipe).
        if (!m_dealer.send(it->second.frame, zmq::send_flags::dontwait))
            break;
        it->second.sent = true;
        m_queue.pop_front();
    }
    if (m_queue.empty())
        m_writable.reset();
    else if (!m_writable)
        m_writable = m_reactor.watch(m_dealer, [this] { on_writable(); }, ZMQ_POLLOUT);
}

void TrackerRequests::on_writable() { flush_queue(); }

void TrackerRequests::on_readable() {
    // A bounded batch: replies are small and few, but a flood must not starve the loop.
    for (int handled = 0; handled < 256; ++handled) {
        zmq::message_t frame;
        if (!m_dealer.recv(frame, zmq::recv_flags::dontwait))
            return;
        if (frame.more()) {
            drain_frames(m_dealer);
            continue; // not a zshare reply
        }
        Decoded reply = decode(frame, table_limits());
        m_last_reply = Clock::now(); // even a late reply proves that the request path works
        if (on_reply)
            on_reply();
        if (!reply && reply.request_id == 0 && reply.error.rfind("unsupported protocol version", 0) == 0) {
            // A tracker of another protocol version cannot echo our ids: what it says concerns
            // every request it has been sent.
            fail_sent("tracker " + m_endpoint + " speaks another version of the protocol (" + reply.error + ")");
            continue;
        }
        const auto it = m_waiting.find(reply.request_id);
        if (it == m_waiting.end())
            continue; // late (its deadline passed) or not ours
        if (!reply) {
            reply.error = "the tracker sent a malformed reply: " + reply.error;
            StreamCallback callback = std::move(it->second.callback);
            m_waiting.erase(it);
            arm();
            (void)callback(reply);
            continue;
        }
        // The callback may send or forget requests: it runs outside the table, and the entry
        // is looked up again after it.
        const std::uint64_t id = reply.request_id;
        StreamCallback callback = std::move(it->second.callback);
        const bool more = callback(reply);
        const auto still = m_waiting.find(id);
        if (still == m_waiting.end())
            continue;
        if (more) {
            still->second.callback = std::move(callback);
            still->second.deadline = Clock::now() + still->second.timeout; // a pause, not the whole
        } else {
            m_waiting.erase(still);
        }
        arm();
    }
}

void TrackerRequests::fail_sent(const std::string& why) {
    std::vector<StreamCallback> failed;
    for (auto it = m_waiting.begin(); it != m_waiting.end();) {
        if (it->second.sent) {
            failed.push_back(std::move(it->second.callback));
            it = m_waiting.erase(it);
        } else {
            ++it;
        }
    }
    arm();
    for (auto& callback : failed) {
        Decoded none;
        none.error = why;
        (void)callback(none);
    }
}

void TrackerRequests::on_deadline() {
    const auto now = Clock::now();
    std::vector<std::pair<StreamCallback, std::string>> expired;
    for (auto it = m_waiting.begin(); it != m_waiting.end();) {
        if (it->second.deadline <= now) {
            // Never sent: no connection was made in all that time.
            const std::string why = "tracker " + m_endpoint + " did not answer within " +
                                    seconds_text(it->second.timeout) +
                                    (it->second.sent ? "" : " (no connection: is it running at that address?)");
            expired.emplace_back(std::move(it->second.callback), why);
            it = m_waiting.erase(it);
        } else {
            ++it;
        }
    }
    arm();
    for (auto& [callback, why] : expired) {
        Decoded none;
        none.error = why;
        (void)callback(none);
    }
}

void TrackerRequests::arm() {
    m_deadline.disarm();
    for (const auto& [id, waiting] : m_waiting)
        m_deadline.arm_no_later_than(waiting.deadline);
}

} // namespace zshare::node
