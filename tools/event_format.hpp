// How the tap shows the table and its events: plain text for people, or one JSON object per
// line for programs. Both name the event, its sequence number, the peer, its endpoint, its key
// (text: "key=..." when it has one; JSON: "key", "" without security) and its files, or for an
// UpdatePeer the files added and the paths removed (the whole list when the event has it).
#pragma once

#include "messages.hpp"
#include "mirror.hpp"

#include <map>
#include <ostream>
#include <string>

namespace zshare::tools {

/// Returns: `text` as a JSON string literal, quotes included.
std::string json_string(const std::string& text);

class EventPrinter {
public:
    EventPrinter(std::ostream& out, bool json) : m_out(out), m_json(json) {}

    /// Prints every row of a fresh snapshot as a RegisterPeer marked snapshot, then an end line.
    void snapshot(const node::Mirror& mirror);
    /// Prints one event.
    void event(const protocol::Message& event);

private:
    /// Prints what every line begins with: the event, its position, the peer and its address.
    void head(bool snapshot, std::uint64_t seq, std::string_view kind, const std::string& name,
              const std::string& endpoint, const std::string& key);
    void row(bool snapshot, std::uint64_t seq, std::string_view kind, const protocol::PeerInfo& peer);
    /// Prints an UpdatePeer: the whole list when it carries one, else what was added and removed.
    void update(const protocol::UpdatePeer& update);

    std::ostream& m_out;
    bool m_json;
    std::map<std::string, protocol::PeerInfo> m_known; ///< name -> endpoint and key, to show who left
};

} // namespace zshare::tools
