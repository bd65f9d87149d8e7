// The snapshots the tracker is sending, the Clone pattern's way: a ListPeers is answered with
// the table in parts (PeerList frames of some rows each) and then a SnapshotEnd naming the
// sequence number the table stood at. However big the table, no frame is big and no turn of
// the loop is long: each pump() sends a bounded number of bytes across all streams, and the
// loop handles requests in between. Each stream sends from a view of the table taken when it
// began (shared pointers to immutable rows), so the parts agree with one sequence number while
// the table moves on; events after it reach the client through the event stream.
#pragma once

#include "peer_table.hpp"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <zmq.hpp>

namespace zshare::broker {

class SnapshotStreams {
public:
    struct Limits {
        std::size_t part_bytes = 64u << 10;  ///< a PeerList part holds rows until it is this big
        std::size_t turn_bytes = 4u << 20;   ///< bytes one pump() sends, across all streams
        std::size_t max_active = 64;         ///< streams sending at once; later ones wait
    };
    /// What pump() left behind.
    enum class Progress {
        idle,    ///< nothing left to send
        more,    ///< the turn's budget ran out: pump again at the next turn
        blocked, ///< every stream left waits for its client's queue to drain
    };

    SnapshotStreams() = default;
    explicit SnapshotStreams(Limits limits) : m_limits(limits) {}

    /// Begins answering request `request_id` of the connection `link` with `view`, the table
    /// as of event `seq` of run `epoch`. A stream already going to that connection is dropped:
    /// its client gave up on it and asked again.
    void start(const zmq::message_t& link, std::uint64_t request_id, std::uint64_t epoch, std::uint64_t seq,
               std::shared_ptr<const TableView> view);

    /// Sends up to the turn's budget on `router` (ROUTER_MANDATORY). Returns: what is left.
    Progress pump(zmq::socket_ref router);

    /// Returns: the number of snapshots being sent or waiting to be.
    std::size_t size() const { return m_streams.size(); }

private:
    struct Stream {
        zmq::message_t link;              ///< the client's routing id
        std::string link_key;             ///< the same, to find it
        std::uint64_t request_id = 0;
        std::uint64_t epoch = 0;
        std::uint64_t seq = 0;
        std::shared_ptr<const TableView> view; ///< the rows it sends
        std::size_t next = 0;             ///< index of the first row not yet in a part
        zmq::message_t pending;           ///< a part built that the client's queue refused
        bool has_pending = false;
        bool ended = false;               ///< SnapshotEnd is sent (or pending)
    };
    /// Returns: the next frame of `stream` (a part, or the end marker), advancing it.
    zmq::message_t next_frame(Stream& stream) const;

    Limits m_limits;
    std::deque<std::unique_ptr<Stream>> m_streams; ///< in order of arrival; the first max_active send
};

} // namespace zshare::broker
