// The local copy of the tracker's peer table (the Clone pattern of the ZeroMQ guide): reset
// from a snapshot stamped with a sequence number, then advanced by events in strict order.
// Any event that does not follow on is reported, so that the owner takes a new snapshot.
#pragma once

#include "messages.hpp"

#include <cstdint>
#include <map>
#include <string>

namespace zshare::node {

class Mirror {
public:
    /// What apply() did with an event.
    enum class Outcome {
        applied, ///< the next event in order: the table changed
        stale,   ///< already contained in the table (or no snapshot yet): ignored
        gap,     ///< events were missed, or the tracker restarted: take a new snapshot
    };

    /// Replaces the table with `snapshot` (one that came in one part).
    void reset(const protocol::PeerList& snapshot);
    /// Replaces the table with `peers`, the table as of event `seq` of tracker run `epoch`.
    void reset(std::uint64_t epoch, std::uint64_t seq, std::map<std::string, protocol::PeerInfo> peers);

    /// Applies an event (RegisterPeer, UpdatePeer or UnregisterPeer). A Heartbeat changes
    /// nothing but reports a gap when it shows events the table lacks. Anything else is stale.
    /// An UpdatePeer for a row the table lacks is a gap too: the table went wrong somewhere.
    Outcome apply(const protocol::Message& event);

    /// Returns: true once a snapshot was taken.
    bool synced() const { return m_synced; }
    /// Returns: the sequence number of the last event the table contains.
    std::uint64_t seq() const { return m_seq; }
    /// Returns: the tracker run the table belongs to.
    std::uint64_t epoch() const { return m_epoch; }
    /// Returns: every peer, by name.
    const std::map<std::string, protocol::PeerInfo>& peers() const { return m_peers; }
    /// Returns: the peer called `name`, or null.
    const protocol::PeerInfo* find(const std::string& name) const;

private:
    Outcome advance(std::uint64_t epoch, std::uint64_t seq);
    Outcome upsert(std::uint64_t epoch, std::uint64_t seq, const protocol::PeerInfo& row);

    std::map<std::string, protocol::PeerInfo> m_peers; ///< name -> row
    std::uint64_t m_epoch = 0;                         ///< tracker run of the snapshot
    std::uint64_t m_seq = 0;                           ///< last event contained
    bool m_synced = false;                             ///< a snapshot was taken
};

} // namespace zshare::node
