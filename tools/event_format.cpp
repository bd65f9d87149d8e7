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

void EventPrinter::row(bool snapshot, std::uint64_t seq, std::string_view kind, const std::string& name,
                       const std::string& endpoint, const std::vector<FileEntry>& files) {
    if (m_json) {
        m_out << "{\"snapshot\":" << (snapshot ? "true" : "false") << ",\"seq\":" << seq
              << ",\"event\":\"" << kind << "\",\"name\":" << json_string(name)
              << ",\"endpoint\":" << json_string(endpoint) << ",\"files\":[";
        for (std::size_t i = 0; i < files.size(); ++i)
            m_out << (i ? "," : "") << "{\"path\":" << json_string(files[i].path)
                  << ",\"size\":" << files[i].size << ",\"content_id\":" << json_string(files[i].content_id)
                  << "}";
        m_out << "]}" << std::endl;
        return;
    }
    m_out << (snapshot ? "snapshot" : "event") << " seq=" << seq << " " << kind << " " << name
          << " " << endpoint << " files=" << files.size();
    for (const auto& file : files)
        m_out << " " << node::quote_word(file.path);
    m_out << std::endl;
}

void EventPrinter::snapshot(const node::Mirror& mirror) {
    m_endpoints.clear();
    for (const auto& [name, peer] : mirror.peers()) {
        m_endpoints[name] = peer.endpoint;
        row(true, mirror.seq(), RegisterPeer::type, name, peer.endpoint, peer.files);
    }
    if (m_json)
        m_out << "{\"snapshot\":true,\"seq\":" << mirror.seq()
              << ",\"event\":\"SnapshotEnd\",\"peers\":" << mirror.peers().size() << "}" << std::endl;
    else
        m_out << "snapshot seq=" << mirror.seq() << " end peers=" << mirror.peers().size() << std::endl;
}

void EventPrinter::event(const Message& event) {
    if (const auto* e = std::get_if<RegisterPeer>(&event)) {
        m_endpoints[e->peer.name] = e->peer.endpoint;
        row(false, e->seq, e->type, e->peer.name, e->peer.endpoint, e->peer.files);
    } else if (const auto* u = std::get_if<UpdatePeer>(&event)) {
        m_endpoints[u->peer.name] = u->peer.endpoint;
        row(false, u->seq, u->type, u->peer.name, u->peer.endpoint, u->peer.files);
    } else if (const auto* gone = std::get_if<UnregisterPeer>(&event)) {
        const std::string endpoint = m_endpoints[gone->name];
        m_endpoints.erase(gone->name);
        row(false, gone->seq, gone->type, gone->name, endpoint, {});
    }
}

} // namespace zshare::tools
