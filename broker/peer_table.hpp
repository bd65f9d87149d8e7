// The tracker's table of connected peers: who holds which name, over which connection, and
// what each shares. Pure data, no sockets: the tracker's event loop drives it.
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
    name_taken,        ///< another connection holds the name
    already_connected, ///< this connection already holds another name
};

/// What registering changed.
enum class ClaimResult {
    registered, ///< a new row (publish RegisterPeer)
    updated,    ///< the connection re-registered its own name (publish UpdatePeer)
};

class PeerTable {
public:
    using Clock = std::chrono::steady_clock;

    /// Registers `peer` for the connection `link` (a ROUTER routing id).
    /// Returns: what changed, or the reason nothing did.
    std::variant<ClaimResult, ClaimError> claim(const std::string& link, protocol::PeerInfo peer);

    /// Replaces the file list of the peer on `link`. Returns: its new row, or null when the
    /// connection holds no name.
    const protocol::PeerInfo* update_files(const std::string& link,
                                           std::vector<protocol::FileEntry> files);

    /// Removes the peer on `link`. Returns: its name, or nothing when it held none.
    std::optional<std::string> remove(const std::string& link);

    /// Notes that `link` was heard from at `now`. Returns: true when it holds a name.
    bool touch(const std::string& link, Clock::time_point now = Clock::now());

    /// Returns: the connections holding a name that were last heard from before `cutoff`.
    std::vector<std::string> silent_since(Clock::time_point cutoff) const;

    /// Returns: the row of `name`, or null.
    const protocol::PeerInfo* find(const std::string& name) const;

    /// Returns: every row, ordered by name.
    std::vector<protocol::PeerInfo> rows() const;

    /// Returns: the number of connected peers.
    std::size_t size() const { return m_by_name.size(); }

private:
    struct Row {
        protocol::PeerInfo info; ///< what everyone sees
        std::string link;        ///< the connection that owns the name
        Clock::time_point last_seen; ///< when that connection last sent anything
    };
    std::map<std::string, Row> m_by_name;         ///< name -> row
    std::map<std::string, std::string> m_by_link; ///< routing id -> name
};

} // namespace zshare::broker
