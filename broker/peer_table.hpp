// The tracker's table of connected peers: who holds which name, with which key, over which
// connection, and what each shares. Pure data, no sockets: the tracker's event loop drives it.
//
// A live row belongs to a connection (the ROUTER's routing id, which the tracker assigns) and
// to the key that registered it. The same node registering again over a new connection (its
// old one went dead) is known by its key and its instance, a random id it sends in Connect; a
// second node with the same name is refused even with the same key.
//
// What everyone sees of a row is kept the way it travels (StoredPeer: the packed PeerInfo, one
// block per peer, content ids as 32 raw bytes), so a snapshot or an event copies bytes instead
// of building messages, and rows are immutable: a change makes a new one. A snapshot still
// being sent holds the rows it began with (a view of shared pointers) while the table moves on.
#pragma once

#include "file_list_change.hpp"
#include "messages.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <string>
#include <unordered_map>
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

/// One row as everyone sees it, as it travels. Never changed once made.
struct StoredPeer {
    std::string name;       ///< unique user name
    std::string endpoint;   ///< its file server
    std::string key;        ///< its CURVE key ("" without security)
    std::size_t files = 0;  ///< entries in its file list
    std::string encoded;    ///< protocol::encode_peer of the whole row

    /// Returns: the row as a message struct (a copy: for tests and for computing changes).
    protocol::PeerInfo decoded() const;
};
using PeerRef = std::shared_ptr<const StoredPeer>;
/// Every row at one moment, ordered by name: what a snapshot sends.
using TableView = std::vector<PeerRef>;

class PeerTable {
public:
    using Clock = std::chrono::steady_clock;

    /// A row that changed, and how its file list did (against the row before).
    struct Changed {
        ClaimResult result = ClaimResult::updated;
        PeerRef row;
        protocol::FileListChange change;
    };

    /// A table whose rows expire when silent for `ttl`.
    explicit PeerTable(Clock::duration ttl = std::chrono::seconds(5)) : m_ttl(ttl) {}

    /// Registers `peer` (its key set, its files ordered by path) for the connection `link`,
    /// node process `instance`. Returns: what changed, or the reason nothing did.
    std::variant<Changed, ClaimError> claim(const std::string& link, const std::string& instance,
                                            protocol::PeerInfo peer);

    /// Replaces the file list (ordered by path) of the peer on `link`, if `key` is its key.
    /// Returns: its new row and the change, or nothing when the connection holds no name of that key.
    std::optional<Changed> update_files(const std::string& link, const std::string& key,
                                        std::vector<protocol::FileEntry> files);

    /// Removes the peer on `link`, if `key` is its key. Returns: its name, or nothing.
    std::optional<std::string> remove(const std::string& link, const std::string& key);

    /// Notes that `link` was heard from at `now`. Returns: true when it holds a name.
    bool touch(const std::string& link, Clock::time_point now = Clock::now());

    /// Removes every row silent for the TTL at `now`. The cost follows the deadlines that come
    /// due (each row's about once per TTL), not the size of the table. Returns: their names.
    std::vector<std::string> expire_silent(Clock::time_point now = Clock::now());

    /// Returns: when the next row may fall silent for the TTL, or nothing (an empty table).
    std::optional<Clock::time_point> next_deadline() const;

    /// Removes the peer on `link` whatever its key (it expired). Returns: its name, or nothing.
    std::optional<std::string> expire(const std::string& link);

    /// Returns: the row of `name`, or null.
    PeerRef find(const std::string& name) const;

    /// Returns: every row, ordered by name, as of now. Shared until the table changes.
    std::shared_ptr<const TableView> view() const;

    /// Returns: the number of connected peers.
    std::size_t size() const { return m_by_name.size(); }
    /// Returns: the number of file entries in all rows.
    std::size_t file_entries() const { return m_file_entries; }

private:
    struct Row {
        PeerRef peer;                ///< what everyone sees
        std::string link;            ///< the connection that holds the name
        std::string instance;        ///< the node process that registered it
        Clock::time_point last_seen; ///< when that connection last sent anything
        std::uint64_t generation = 0; ///< tells this row from an earlier one of the same name
    };
    /// When a row may be silent for the TTL (it is checked then, and put back if it spoke).
    struct Deadline {
        Clock::time_point when;
        std::string name;
        std::uint64_t generation = 0;
        bool operator>(const Deadline& other) const { return when > other.when; }
    };
    Row* row_of(const std::string& link, const std::string& key);
    void erase(std::map<std::string, Row>::iterator row);
    PeerRef store(protocol::PeerInfo peer);
    void replace(Row& row, PeerRef peer);

    Clock::duration m_ttl;
    std::map<std::string, Row> m_by_name;                    ///< name -> row
    std::unordered_map<std::string, Row*> m_by_link;         ///< routing id -> row
    std::unordered_map<std::string, std::string> m_by_endpoint; ///< advertised endpoint -> name
    std::priority_queue<Deadline, std::vector<Deadline>, std::greater<>> m_deadlines;
    std::uint64_t m_generations = 0;
    std::size_t m_file_entries = 0;
    mutable std::shared_ptr<const TableView> m_view;         ///< rows as of the last change
};

} // namespace zshare::broker
