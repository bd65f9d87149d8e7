#include "event_format.hpp"

#include "command_line.hpp"

#include <cstdio>

namespace zshare::tools {

using namespace protocol;

std::string json_string(const std::string& text) {
    std::string out = "\"";
    for (const char c : text) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (static_cast<unsigned char>(c) < 0x20) {
                char escaped[8];
                std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(c));
                out += escaped;
            } else {
                out += c;
            }
        }
    }
    return out + "\"";
}

void EventPrinter::row(bool snapshot, std::uint64_t seq, std::string_view kind, const PeerInfo& peer) {
    if (m_json) {
        m_out << "{\"snapshot\":" << (snapshot ? "true" : "false") << ",\"seq\":" << seq
              << ",\"event\":\"" << kind << "\",\"name\":" << json_string(peer.name)
              << ",\"endpoint\":" << json_string(peer.endpoint) << ",\"key\":" << json_string(peer.key)
              << ",\"files\":[";
        for (std::size_t i = 0; i < peer.files.size(); ++i)
            m_out << (i ? "," : "") << "{\"path\":" << json_string(peer.files[i].path)
                  << ",\"size\":" << peer.files[i].size
                  << ",\"content_id\":" << json_string(peer.files[i].content_id) << "}";
        m_out << "]}" << std::endl;
        return;
    }
    m_out << (snapshot ? "snapshot" : "event") << " seq=" << seq << " " << kind << " " << peer.name << " "
          << peer.endpoint;
    if (!peer.key.empty()) // Z85 has neither blanks nor quotes: the key stands as it is
        m_out << " key=" << peer.key;
    m_out << " files=" << peer.files.size();
    for (const auto& file : peer.files)
        m_out << " " << node::quote_word(file.path);
    m_out << std::endl;
}

void EventPrinter::snapshot(const node::Mirror& mirror) {
    m_known.clear();
    for (const auto& [name, peer] : mirror.peers()) {
        m_known[name] = PeerInfo{peer.name, peer.endpoint, {}, peer.key};
        row(true, mirror.seq(), RegisterPeer::type, peer);
    }
    if (m_json)
        m_out << "{\"snapshot\":true,\"seq\":" << mirror.seq()
              << ",\"event\":\"SnapshotEnd\",\"peers\":" << mirror.peers().size() << "}" << std::endl;
    else
        m_out << "snapshot seq=" << mirror.seq() << " end peers=" << mirror.peers().size() << std::endl;
}

void EventPrinter::event(const Message& event) {
    if (const auto* e = std::get_if<RegisterPeer>(&event)) {
        m_known[e->peer.name] = PeerInfo{e->peer.name, e->peer.endpoint, {}, e->peer.key};
        row(false, e->seq, e->type, e->peer);
    } else if (const auto* u = std::get_if<UpdatePeer>(&event)) {
        m_known[u->peer.name] = PeerInfo{u->peer.name, u->peer.endpoint, {}, u->peer.key};
        row(false, u->seq, u->type, u->peer);
    } else if (const auto* gone = std::get_if<UnregisterPeer>(&event)) {
        PeerInfo left = m_known[gone->name];
        left.name = gone->name;
        m_known.erase(gone->name);
        row(false, gone->seq, gone->type, left);
    }
}

} // namespace zshare::tools
