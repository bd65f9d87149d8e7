#include "snapshot_streams.hpp"

#include "codec.hpp"
#include "wire.hpp"

#include <algorithm>

namespace zshare::broker {

void SnapshotStreams::start(const zmq::message_t& link, std::uint64_t request_id, std::uint64_t epoch,
                            std::uint64_t seq, std::shared_ptr<const TableView> view) {
    const std::string key(static_cast<const char*>(link.data()), link.size());
    std::erase_if(m_streams, [&](const auto& stream) { return stream->link_key == key; });
    auto stream = std::make_unique<Stream>();
    stream->link.rebuild(link.data(), link.size());
    stream->link_key = key;
    stream->request_id = request_id;
    stream->epoch = epoch;
    stream->seq = seq;
    stream->view = std::move(view);
    m_streams.push_back(std::move(stream));
}

zmq::message_t SnapshotStreams::next_frame(Stream& stream) const {
    const TableView& rows = *stream.view;
    if (stream.next >= rows.size()) {
        stream.ended = true;
        return protocol::encode_zmq(protocol::SnapshotEnd{stream.epoch, stream.seq, rows.size()}, stream.request_id);
    }
    std::vector<std::string_view> part;
    std::size_t bytes = 0;
    while (stream.next < rows.size() && (part.empty() || bytes + rows[stream.next]->encoded.size() <= m_limits.part_bytes)) {
        part.push_back(rows[stream.next]->encoded);
        bytes += rows[stream.next]->encoded.size();
        ++stream.next;
    }
    return protocol::encode_peer_list(stream.epoch, stream.seq, part, stream.request_id);
}

SnapshotStreams::Progress SnapshotStreams::pump(zmq::socket_ref router) {
    std::size_t sent = 0;
    bool any_sent = true;
    // Round robin over the active streams, one frame each per round, until the budget is spent
    // or no stream could send in a whole round.
    while (sent < m_limits.turn_bytes && any_sent && !m_streams.empty()) {
        any_sent = false;
        const std::size_t active = std::min(m_streams.size(), m_limits.max_active);
        for (std::size_t i = 0; i < active && i < m_streams.size();) {
            Stream& stream = *m_streams[i];
            if (!stream.has_pending) {
                stream.pending = next_frame(stream);
                stream.has_pending = true;
            }
            const std::size_t size = stream.pending.size();
            const auto outcome = protocol::route(router, stream.link, stream.pending);
            if (outcome == protocol::RouteOutcome::full) {
                ++i; // its client reads slower than we send: try again later
                continue;
            }
            stream.has_pending = false;
            if (outcome == protocol::RouteOutcome::sent) {
                sent += size;
                any_sent = true;
            }
            if (outcome == protocol::RouteOutcome::gone || stream.ended) {
                m_streams.erase(m_streams.begin() + static_cast<std::ptrdiff_t>(i));
                continue;
            }
            ++i;
        }
    }
    if (m_streams.empty())
        return Progress::idle;
    return any_sent ? Progress::more : Progress::blocked;
}

} // namespace zshare::broker
