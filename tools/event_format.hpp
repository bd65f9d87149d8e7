// How the tap shows the table and its events: plain text for people, or one JSON object per
// line for programs. Both name the event, its sequence number, the peer, its endpoint, its key
// (text: "key=..." when it has one; JSON: "key", "" without security) and its files.
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
    void row(bool snapshot, std::uint64_t seq, std::string_view kind, const protocol::PeerInfo& peer);

    std::ostream& m_out;
    bool m_json;
    std::map<std::string, protocol::PeerInfo> m_known; ///< name -> endpoint and key, to show who left
};

} // namespace zshare::tools
