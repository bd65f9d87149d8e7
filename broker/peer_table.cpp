#include "peer_table.hpp"

namespace zshare::broker {

std::variant<ClaimResult, ClaimError> PeerTable::claim(const std::string& link, protocol::PeerInfo peer) {
    const auto held = m_by_link.find(link);
    if (held != m_by_link.end() && held->second != peer.name)
        return ClaimError::already_connected;
    const auto row = m_by_name.find(peer.name);
    if (row != m_by_name.end()) {
        if (row->second.link != link)
            return ClaimError::name_taken;
        row->second.info = std::move(peer);
        row->second.last_seen = Clock::now();
        return ClaimResult::updated;
    }
    m_by_link[link] = peer.name;
    const std::string name = peer.name;
    m_by_name.emplace(name, Row{std::move(peer), link, Clock::now()});
    return ClaimResult::registered;
}

const protocol::PeerInfo* PeerTable::update_files(const std::string& link,
                                                  std::vector<protocol::FileEntry> files) {
    const auto held = m_by_link.find(link);
    if (held == m_by_link.end())
        return nullptr;
    auto& row = m_by_name.at(held->second);
    row.info.files = std::move(files);
    return &row.info;
}

std::optional<std::string> PeerTable::remove(const std::string& link) {
    const auto held = m_by_link.find(link);
    if (held == m_by_link.end())
        return std::nullopt;
    std::string name = held->second;
    m_by_name.erase(name);
    m_by_link.erase(held);
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
