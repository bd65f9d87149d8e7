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

namespace {

void json_files(std::ostream& out, const std::vector<FileEntry>& files) {
    out << "[";
    for (std::size_t i = 0; i < files.size(); ++i)
        out << (i ? "," : "") << "{\"path\":" << json_string(files[i].path) << ",\"size\":" << files[i].size
            << ",\"content_id\":" << json_string(files[i].content_id) << "}";
    out << "]";
}

void text_paths(std::ostream& out, const char* label, const std::vector<std::string>& paths) {
    out << " " << label << "=" << paths.size();
    for (const auto& path : paths)
        out << " " << node::quote_word(path);
}

std::vector<std::string> paths_of(const std::vector<FileEntry>& files) {
    std::vector<std::string> paths;
    paths.reserve(files.size());
    for (const auto& file : files)
        paths.push_back(file.path);
    return paths;
}

} // namespace

void EventPrinter::head(bool snapshot, std::uint64_t seq, std::string_view kind, const std::string& name,
                        const std::string& endpoint, const std::string& key) {
    if (m_json) {
        m_out << "{\"snapshot\":" << (snapshot ? "true" : "false") << ",\"seq\":" << seq << ",\"event\":\"" << kind
              << "\",\"name\":" << json_string(name) << ",\"endpoint\":" << json_string(endpoint)
              << ",\"key\":" << json_string(key);
        return;
    }
    m_out << (snapshot ? "snapshot" : "event") << " seq=" << seq << " " << kind << " " << name << " " << endpoint;
    if (!key.empty()) // Z85 has neither blanks nor quotes: the key stands as it is
        m_out << " key=" << key;
}

void EventPrinter::row(bool snapshot, std::uint64_t seq, std::string_view kind, const PeerInfo& peer) {
    head(snapshot, seq, kind, peer.name, peer.endpoint, peer.key);
    if (m_json) {
        m_out << ",\"files\":";
        json_files(m_out, peer.files);
        m_out << "}" << std::endl;
        return;
    }
    text_paths(m_out, "files", paths_of(peer.files));
    m_out << std::endl;
}

void EventPrinter::update(const UpdatePeer& update) {
    head(false, update.seq, update.type, update.name, update.endpoint, update.key);
    if (m_json) {
        m_out << ",\"full\":" << (update.full ? "true" : "false") << ",\"added\":";
        json_files(m_out, update.added);
        m_out << ",\"removed\":[";
        for (std::size_t i = 0; i < update.removed.size(); ++i)
            m_out << (i ? "," : "") << json_string(update.removed[i]);
        m_out << "]}" << std::endl;
        return;
    }
    // The whole list when that is what came, else the change.
    if (update.full) {
        text_paths(m_out, "files", paths_of(update.added));
    } else {
        text_paths(m_out, "added", paths_of(update.added));
        text_paths(m_out, "removed", update.removed);
    }
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
        m_known[u->name] = PeerInfo{u->name, u->endpoint, {}, u->key};
        update(*u);
    } else if (const auto* gone = std::get_if<UnregisterPeer>(&event)) {
        PeerInfo left = m_known[gone->name];
        left.name = gone->name;
        m_known.erase(gone->name);
        row(false, gone->seq, gone->type, left);
    }
}

} // namespace zshare::tools
