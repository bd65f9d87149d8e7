#include "name_bindings.hpp"

#include <ctime>
#include <memory>
#include <sqlite3.h>
#include <stdexcept>

namespace zshare::broker {

namespace {
/// A prepared statement, finalized when it goes.
struct Statement {
    sqlite3_stmt* handle = nullptr;
    Statement(sqlite3* db, const char* sql) {
        if (sqlite3_prepare_v2(db, sql, -1, &handle, nullptr) != SQLITE_OK)
            throw std::runtime_error(std::string("name bindings: ") + sqlite3_errmsg(db));
    }
    ~Statement() { sqlite3_finalize(handle); }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    void text(int index, const std::string& value) {
        sqlite3_bind_text(handle, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
    }
};
} // namespace

NameBindings::NameBindings(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &m_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        nullptr) != SQLITE_OK) {
        const std::string reason = m_db ? sqlite3_errmsg(m_db) : "out of memory";
        sqlite3_close(m_db);
        m_db = nullptr;
        throw std::runtime_error("cannot open " + path + ": " + reason);
    }
    sqlite3_busy_timeout(m_db, 2000);
    try {
        // WAL: a commit is one append, atomic across a crash of the process or the machine;
        // NORMAL syncs at checkpoints, so that registering thousands of new names stays cheap
        // (a power cut may lose the last bindings made, never half of one).
        execute("PRAGMA journal_mode=WAL");
        execute("PRAGMA synchronous=NORMAL");
        execute("CREATE TABLE IF NOT EXISTS bindings (name TEXT PRIMARY KEY, key TEXT NOT NULL, "
                "since INTEGER NOT NULL)");
        Statement all(m_db, "SELECT name, key FROM bindings");
        while (sqlite3_step(all.handle) == SQLITE_ROW) {
            const auto* name = sqlite3_column_text(all.handle, 0);
            const auto* key = sqlite3_column_text(all.handle, 1);
            if (name && key)
                m_bindings.emplace(reinterpret_cast<const char*>(name), reinterpret_cast<const char*>(key));
        }
    } catch (...) {
        sqlite3_close(m_db);
        m_db = nullptr;
        throw;
    }
}

NameBindings::~NameBindings() { sqlite3_close(m_db); }

void NameBindings::execute(const char* sql) {
    char* message = nullptr;
    if (sqlite3_exec(m_db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
        const std::string reason = message ? message : sqlite3_errmsg(m_db);
        sqlite3_free(message);
        throw std::runtime_error("name bindings: " + reason);
    }
}

std::optional<std::string> NameBindings::key_of(const std::string& name) const {
    const auto it = m_bindings.find(name);
    if (it == m_bindings.end())
        return std::nullopt;
    return it->second;
}

std::optional<std::string> NameBindings::refresh(const std::string& name) {
    Statement select(m_db, "SELECT key FROM bindings WHERE name = ?1");
    select.text(1, name);
    // Only a clean answer changes what is known: a read that fails keeps the binding, so that
    // a busy or damaged database never hands a name to another key.
    const int result = sqlite3_step(select.handle);
    const auto* key = result == SQLITE_ROW ? sqlite3_column_text(select.handle, 0) : nullptr;
    if (key)
        m_bindings[name] = reinterpret_cast<const char*>(key);
    else if (result == SQLITE_DONE)
        m_bindings.erase(name);
    return key_of(name);
}

std::string NameBindings::bind(const std::string& name, const std::string& key) {
    // A name bound already (by another tracker process sharing the state, say) is never
    // replaced: binding it again to the same key changes nothing, to another is refused.
    Statement insert(m_db, "INSERT INTO bindings (name, key, since) VALUES (?1, ?2, ?3) "
                           "ON CONFLICT(name) DO NOTHING");
    insert.text(1, name);
    insert.text(2, key);
    sqlite3_bind_int64(insert.handle, 3, static_cast<sqlite3_int64>(std::time(nullptr)));
    if (sqlite3_step(insert.handle) != SQLITE_DONE)
        return std::string("cannot keep the binding of '") + name + "': " + sqlite3_errmsg(m_db);
    if (sqlite3_changes(m_db) == 0) {
        const auto owner = refresh(name);
        if (owner != key)
            return "the name '" + name + "' is bound to another key already";
        return {};
    }
    m_bindings[name] = key;
    return {};
}

bool NameBindings::release(const std::string& name) {
    Statement remove(m_db, "DELETE FROM bindings WHERE name = ?1");
    remove.text(1, name);
    if (sqlite3_step(remove.handle) != SQLITE_DONE)
        throw std::runtime_error(std::string("cannot release '") + name + "': " + sqlite3_errmsg(m_db));
    const bool was = sqlite3_changes(m_db) > 0;
    m_bindings.erase(name);
    return was;
}

} // namespace zshare::broker
