#include "peer_table.hpp"

namespace zshare::broker {

std::variant<ClaimResult, ClaimError> PeerTable::claim(const std::string& link, const std::string& instance,
                                                       protocol::PeerInfo peer) {
    const auto held = m_by_link.find(link);
    if (held != m_by_link.end() && held->second != peer.name)
        return ClaimError::already_connected;
    if (const auto owner = m_by_endpoint.find(peer.endpoint); owner != m_by_endpoint.end() && owner->second != peer.name)
        return ClaimError::endpoint_taken;
    const auto row = m_by_name.find(peer.name);
    if (row != m_by_name.end()) {
        Row& existing = row->second;
        const bool same_connection = existing.link == link;
        // The same process over a new connection: same key, same instance.
        const bool same_node = existing.info.key == peer.key && !instance.empty() && existing.instance == instance;
        if (!same_connection && !same_node)
            return ClaimError::name_taken;
        if (!same_connection) {
            m_by_link.erase(existing.link);
            m_by_link[link] = peer.name;
            existing.link = link;
        }
        m_by_endpoint.erase(existing.info.endpoint);
        m_by_endpoint[peer.endpoint] = peer.name;
        existing.info = std::move(peer);
        existing.last_seen = Clock::now();
        return ClaimResult::updated;
    }
    m_by_link[link] = peer.name;
    m_by_endpoint[peer.endpoint] = peer.name;
    const std::string name = peer.name;
    m_by_name.emplace(name, Row{std::move(peer), link, instance, Clock::now()});
    return ClaimResult::registered;
}

PeerTable::Row* PeerTable::row_of(const std::string& link, const std::string& key) {
    const auto held = m_by_link.find(link);
    if (held == m_by_link.end())
        return nullptr;
    Row& row = m_by_name.at(held->second);
    return row.info.key == key ? &row : nullptr;
}

const protocol::PeerInfo* PeerTable::update_files(const std::string& link, const std::string& key,
                                                  std::vector<protocol::FileEntry> files) {
    Row* row = row_of(link, key);
    if (!row)
        return nullptr;
    row->info.files = std::move(files);
    return &row->info;
}

void PeerTable::erase(std::map<std::string, Row>::iterator row) {
    m_by_link.erase(row->second.link);
    m_by_endpoint.erase(row->second.info.endpoint);
    m_by_name.erase(row);
}

std::optional<std::string> PeerTable::remove(const std::string& link, const std::string& key) {
    Row* row = row_of(link, key);
    if (!row)
        return std::nullopt;
    std::string name = row->info.name;
    erase(m_by_name.find(name));
    return name;
}

std::optional<std::string> PeerTable::expire(const std::string& link) {
    const auto held = m_by_link.find(link);
    if (held == m_by_link.end())
        return std::nullopt;
    std::string name = held->second;
    erase(m_by_name.find(name));
    return name;
}

bool PeerTable::touch(const std::string& link, Clock::time_point now) {
    const auto held = m_by_link.find(link);
    if (held == m_by_link.end())
        return false;
    m_by_name.at(held->second).last_seen = now;
    return true;
}

std::vector<std::string> PeerTable::silent_since(Clock::time_point cutoff) const {
    std::vector<std::string> links;
    for (const auto& [name, row] : m_by_name)
        if (row.last_seen < cutoff)
            links.push_back(row.link);
    return links;
}

const protocol::PeerInfo* PeerTable::find(const std::string& name) const {
    const auto row = m_by_name.find(name);
    return row == m_by_name.end() ? nullptr : &row->second.info;
}

std::vector<protocol::PeerInfo> PeerTable::rows() const {
    std::vector<protocol::PeerInfo> out;
    out.reserve(m_by_name.size());
    for (const auto& [name, row] : m_by_name)
        out.push_back(row.info);
    return out;
}

} // namespace zshare::broker
