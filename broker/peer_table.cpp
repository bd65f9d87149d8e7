#include "peer_table.hpp"

#include "codec.hpp"

namespace zshare::broker {

protocol::PeerInfo StoredPeer::decoded() const {
    auto peer = protocol::decode_peer(encoded);
    return peer ? std::move(*peer) : protocol::PeerInfo{name, endpoint, {}, key};
}

PeerRef PeerTable::store(protocol::PeerInfo peer) {
    auto stored = std::make_shared<StoredPeer>();
    stored->encoded = protocol::encode_peer(peer);
    stored->files = peer.files.size();
    stored->name = std::move(peer.name);
    stored->endpoint = std::move(peer.endpoint);
    stored->key = std::move(peer.key);
    return stored;
}

void PeerTable::replace(Row& row, PeerRef peer) {
    m_file_entries -= row.peer ? row.peer->files : 0;
    m_file_entries += peer->files;
    row.peer = std::move(peer);
    m_view.reset();
}

std::variant<PeerTable::Changed, ClaimError> PeerTable::claim(const std::string& link, const std::string& instance,
                                                              protocol::PeerInfo peer) {
    const auto held = m_by_link.find(link);
    if (held != m_by_link.end() && held->second->peer->name != peer.name)
        return ClaimError::already_connected;
    if (const auto owner = m_by_endpoint.find(peer.endpoint); owner != m_by_endpoint.end() && owner->second != peer.name)
        return ClaimError::endpoint_taken;
    const auto found = m_by_name.find(peer.name);
    if (found != m_by_name.end()) {
        Row& existing = found->second;
        const bool same_connection = existing.link == link;
        // The same process over a new connection: same key, same instance.
        const bool same_node = existing.peer->key == peer.key && !instance.empty() && existing.instance == instance;
        if (!same_connection && !same_node)
            return ClaimError::name_taken;
        if (!same_connection) {
            m_by_link.erase(existing.link);
            m_by_link[link] = &existing;
            existing.link = link;
        }
        m_by_endpoint.erase(existing.peer->endpoint);
        m_by_endpoint[peer.endpoint] = peer.name;
        auto change = protocol::file_list_change(existing.peer->decoded().files, peer.files);
        replace(existing, store(std::move(peer)));
        existing.last_seen = Clock::now();
        return Changed{ClaimResult::updated, existing.peer, std::move(change)};
    }
    const std::string name = peer.name;
    m_by_endpoint[peer.endpoint] = name;
    Row& row = m_by_name.emplace(name, Row{nullptr, link, instance, Clock::now(), ++m_generations}).first->second;
    m_by_link[link] = &row;
    replace(row, store(std::move(peer)));
    m_deadlines.push({row.last_seen + m_ttl, name, row.generation});
    return Changed{ClaimResult::registered, row.peer, {}};
}

PeerTable::Row* PeerTable::row_of(const std::string& link, const std::string& key) {
    const auto held = m_by_link.find(link);
    if (held == m_by_link.end())
        return nullptr;
    return held->second->peer->key == key ? held->second : nullptr;
}

std::optional<PeerTable::Changed> PeerTable::update_files(const std::string& link, const std::string& key,
                                                          std::vector<protocol::FileEntry> files) {
    Row* row = row_of(link, key);
    if (!row)
        return std::nullopt;
    protocol::PeerInfo peer = row->peer->decoded();
    auto change = protocol::file_list_change(peer.files, files);
    peer.files = std::move(files);
    replace(*row, store(std::move(peer)));
    return Changed{ClaimResult::updated, row->peer, std::move(change)};
}

void PeerTable::erase(std::map<std::string, Row>::iterator row) {
    m_by_link.erase(row->second.link);
    m_by_endpoint.erase(row->second.peer->endpoint);
    m_file_entries -= row->second.peer->files;
    m_by_name.erase(row);
    m_view.reset();
}

std::optional<std::string> PeerTable::remove(const std::string& link, const std::string& key) {
    Row* row = row_of(link, key);
    if (!row)
        return std::nullopt;
    std::string name = row->peer->name;
    erase(m_by_name.find(name));
    return name;
}

std::optional<std::string> PeerTable::expire(const std::string& link) {
    const auto held = m_by_link.find(link);
    if (held == m_by_link.end())
        return std::nullopt;
    std::string name = held->second->peer->name;
    erase(m_by_name.find(name));
    return name;
}

bool PeerTable::touch(const std::string& link, Clock::time_point now) {
    const auto held = m_by_link.find(link);
    if (held == m_by_link.end())
        return false;
    held->second->last_seen = now;
    return true;
}

std::vector<std::string> PeerTable::expire_silent(Clock::time_point now) {
    std::vector<std::string> expired;
    while (!m_deadlines.empty() && m_deadlines.top().when <= now) {
        Deadline due = m_deadlines.top();
        m_deadlines.pop();
        const auto row = m_by_name.find(due.name);
        if (row == m_by_name.end() || row->second.generation != due.generation)
            continue; // that row is gone (a new one of the name has its own deadline)
        const auto silent_until = row->second.last_seen + m_ttl;
        if (silent_until > now) { // it spoke meanwhile: look again when it may be silent
            due.when = silent_until;
            m_deadlines.push(std::move(due));
            continue;
        }
        expired.push_back(row->first);
        erase(row);
    }
    return expired;
}

std::optional<PeerTable::Clock::time_point> PeerTable::next_deadline() const {
    if (m_deadlines.empty())
        return std::nullopt;
    return m_deadlines.top().when;
}

PeerRef PeerTable::find(const std::string& name) const {
    const auto row = m_by_name.find(name);
    return row == m_by_name.end() ? nullptr : row->second.peer;
}

std::shared_ptr<const TableView> PeerTable::view() const {
    if (!m_view) {
        auto rows = std::make_shared<TableView>();
        rows->reserve(m_by_name.size());
        for (const auto& [name, row] : m_by_name)
            rows->push_back(row.peer);
        m_view = std::move(rows);
    }
    return m_view;
}

} // namespace zshare::broker
