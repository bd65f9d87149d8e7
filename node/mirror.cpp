#include "mirror.hpp"

#include "file_list_change.hpp"

namespace zshare::node {

using namespace protocol;

void Mirror::reset(const PeerList& snapshot) {
    std::map<std::string, PeerInfo> peers;
    for (const auto& peer : snapshot.peers)
        peers[peer.name] = peer;
    reset(snapshot.epoch, snapshot.seq, std::move(peers));
}

void Mirror::reset(std::uint64_t epoch, std::uint64_t seq, std::map<std::string, PeerInfo> peers) {
    m_peers = std::move(peers);
    m_epoch = epoch;
    m_seq = seq;
    m_synced = true;
}

Mirror::Outcome Mirror::advance(std::uint64_t epoch, std::uint64_t seq) {
    if (!m_synced)
        return Outcome::stale; // the coming snapshot will contain it
    if (epoch != m_epoch)
        return Outcome::gap; // a new tracker run: everything we hold may be wrong
    if (seq <= m_seq)
        return Outcome::stale;
    if (seq != m_seq + 1)
        return Outcome::gap;
    m_seq = seq;
    return Outcome::applied;
}

Mirror::Outcome Mirror::upsert(std::uint64_t epoch, std::uint64_t seq, const PeerInfo& row) {
    const auto outcome = advance(epoch, seq);
    if (outcome == Outcome::applied)
        m_peers[row.name] = row;
    return outcome;
}

Mirror::Outcome Mirror::apply(const Message& event) {
    // RegisterPeer carries the whole new row, UpdatePeer what changed in it.
    if (const auto* e = std::get_if<RegisterPeer>(&event))
        return upsert(e->epoch, e->seq, e->peer);
    if (const auto* e = std::get_if<UpdatePeer>(&event)) {
        const auto row = m_peers.find(e->name);
        if (row == m_peers.end() && m_synced && e->epoch == m_epoch && e->seq == m_seq + 1)
            return Outcome::gap; // a change to a row we lack: only a snapshot can mend that
        const auto outcome = advance(e->epoch, e->seq);
        if (outcome == Outcome::applied) {
            row->second.endpoint = e->endpoint;
            row->second.key = e->key;
            apply_file_list_change(row->second.files, change_of(*e));
        }
        return outcome;
    }
    if (const auto* e = std::get_if<UnregisterPeer>(&event)) {
        const auto outcome = advance(e->epoch, e->seq);
        if (outcome == Outcome::applied)
            m_peers.erase(e->name);
        return outcome;
    }
    if (const auto* beat = std::get_if<Heartbeat>(&event)) {
        // Not an event of its own: it only says where the stream is.
        if (!m_synced)
            return Outcome::stale;
        return beat->epoch != m_epoch || beat->seq > m_seq ? Outcome::gap : Outcome::stale;
    }
    return Outcome::stale;
}

const PeerInfo* Mirror::find(const std::string& name) const {
    const auto it = m_peers.find(name);
    return it == m_peers.end() ? nullptr : &it->second;
}

} // namespace zshare::node
