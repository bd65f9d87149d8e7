// The keys of the users in this node's table, for its file server: a requester's key must be
// one of them, at the handshake (the gate) and again at every request, so that a user who
// left or expired is refused even on a connection it already has. Written by the node's loop
// whenever the table changes, read by the file server's thread: a shared snapshot under a lock.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace zshare::node {

class MemberKeys {
public:
    using Map = std::map<std::string, std::string>; ///< key -> user name

    /// Replaces every key.
    void replace(Map keys) {
        auto fresh = std::make_shared<const Map>(std::move(keys));
        std::lock_guard lock(m_mutex);
        m_keys = std::move(fresh);
    }
    /// Returns: the user whose key `key` is, or nothing.
    std::optional<std::string> name_of(const std::string& key) const {
        std::shared_ptr<const Map> keys;
        {
            std::lock_guard lock(m_mutex);
            keys = m_keys;
        }
        const auto it = keys->find(key);
        if (it == keys->end())
            return std::nullopt;
        return it->second;
    }

private:
    mutable std::mutex m_mutex;
    std::shared_ptr<const Map> m_keys = std::make_shared<const Map>();
};

} // namespace zshare::node
