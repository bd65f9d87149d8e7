// The tracker's table of connected peers: who holds which name, with which key, over which
// connection, and what each shares. Pure data, no sockets: the tracker's event loop drives it.
//
// A live row belongs to a connection (the ROUTER's routing id, which the tracker assigns) and
// to the key that registered it. The same node registering again over a new connection (its
// old one went dead) is known by its key and its instance, a random id it sends in Connect; a
// second node with the same name is refused even with the same key.
#pragma once

#include "messages.hpp"

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace zshare::broker {

/// Why a claim on a name was refused.
enum class ClaimError {
    none,              ///< accepted
    name_taken,        ///< another live node holds the name
    already_connected, ///< this connection already holds another name
    endpoint_taken,    ///< another user advertises that endpoint
};

/// What registering changed.
enum class ClaimResult {
    registered, ///< a new row (publish RegisterPeer)
    updated,    ///< the node registered its own name again (publish UpdatePeer)
};

class PeerTable {
public:
    using Clock = std::chrono::steady_clock;

    /// Registers `peer` (its key set) for the connection `link`, node process `instance`.
    /// Returns: what changed, or the reason nothing did.
    std::variant<ClaimResult, ClaimError> claim(const std::string& link, const std::string& instance,
                                                protocol::PeerInfo peer);

    /// Replaces the file list of the peer on `link`, if `key` is its key. Returns: its new row,
    /// or null when the connection holds no name of that key.
    const protocol::PeerInfo* update_files(const std::string& link, const std::string& key,
                                           std::vector<protocol::FileEntry> files);

    /// Removes the peer on `link`, if `key` is its key. Returns: its name, or nothing.
    std::optional<std::string> remove(const std::string& link, const std::string& key);

    /// Notes that `link` was heard from at `now`. Returns: true when it holds a name.
    bool touch(const std::string& link, Clock::time_point now = Clock::now());

    /// Returns: the connections holding a name that were last heard from before `cutoff`.
    std::vector<std::string> silent_since(Clock::time_point cutoff) const;

    /// Removes the peer on `link` whatever its key (it expired). Returns: its name, or nothing.
    std::optional<std::string> expire(const std::string& link);

    /// Returns: the row of `name`, or null.
    const protocol::PeerInfo* find(const std::string& name) const;

    /// Returns: every row, ordered by name.
    std::vector<protocol::PeerInfo> rows() const;

    /// Returns: the number of connected peers.
    std::size_t size() const { return m_by_name.size(); }

private:
    struct Row {
        protocol::PeerInfo info;     ///< what everyone sees
        std::string link;            ///< the connection that holds the name
        std::string instance;        ///< the node process that registered it
        Clock::time_point last_seen; ///< when that connection last sent anything
    };
    Row* row_of(const std::string& link, const std::string& key);
    void erase(std::map<std::string, Row>::iterator row);

    std::map<std::string, Row> m_by_name;             ///< name -> row
    std::map<std::string, std::string> m_by_link;     ///< routing id -> name
    std::map<std::string, std::string> m_by_endpoint; ///< advertised endpoint -> name
};

} // namespace zshare::broker
