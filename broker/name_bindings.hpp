// Which key owns which name: the first key to register a name owns it (trust on first use),
// kept in an SQLite database in the tracker's state directory so that a restarted tracker
// still knows. SQLite's journal makes every binding all or nothing: a crash never leaves a
// half-written one. Read from memory; written through to the database before bind() returns.
#pragma once

#include <map>
#include <optional>
#include <string>

struct sqlite3;

namespace zshare::broker {

class NameBindings {
public:
    /// Opens (creating) the database at `path`. Throws: std::runtime_error with the reason.
    explicit NameBindings(const std::string& path);
    ~NameBindings();
    NameBindings(const NameBindings&) = delete;
    NameBindings& operator=(const NameBindings&) = delete;

    /// Returns: the key `name` is bound to, or nothing.
    std::optional<std::string> key_of(const std::string& name) const;

    /// Reads the binding of `name` from the database again (`zshare-tracker --release` may
    /// have freed it while this tracker runs). Returns: key_of(name) afterwards.
    std::optional<std::string> refresh(const std::string& name);

    /// Binds `name` to `key` for good. Returns: an empty string, or why it could not be kept.
    std::string bind(const std::string& name, const std::string& key);

    /// Frees `name`. Returns: true when it was bound. Throws: std::runtime_error.
    bool release(const std::string& name);

    /// Returns: the number of names bound.
    std::size_t size() const { return m_bindings.size(); }

private:
    void execute(const char* sql);

    sqlite3* m_db = nullptr;
    std::map<std::string, std::string> m_bindings; ///< name -> key
};

} // namespace zshare::broker
