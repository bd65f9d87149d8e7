#include "mirror.hpp"

namespace zshare::node {

using namespace protocol;

void Mirror::reset(const PeerList& snapshot) {
    m_peers.clear();
    for (const auto& peer : snapshot.peers)
        m_peers[peer.name] = peer;
    m_epoch = snapshot.epoch;
    m_seq = snapshot.seq;
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
    // RegisterPeer and UpdatePeer both carry the whole new row.
    if (const auto* e = std::get_if<RegisterPeer>(&event))
        return upsert(e->epoch, e->seq, e->peer);
    if (const auto* e = std::get_if<UpdatePeer>(&event))
        return upsert(e->epoch, e->seq, e->peer);
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
