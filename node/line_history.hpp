// The REPL's command history: what Up and Down walk through, kept between runs in a file of
// one entry per line. It is bounded so that a history file that grew for years stays cheap to
// load, and it is saved by writing a temporary file and renaming it, so that two nodes
// quitting at once never leave a half-written history behind.
#pragma once

#include <cstddef>
#include <deque>
#include <string>

namespace zshare::node {

class LineHistory {
public:
    /// An empty history that keeps at most `max_entries` entries (the oldest go first).
    explicit LineHistory(std::size_t max_entries = 1000);

    /// Appends `line`, unless it is empty, repeats the newest entry or holds a line break (which
    /// a file of one entry per line cannot hold); drops the oldest entry when full.
    void add(const std::string& line);

    /// Replaces the entries with those of the file at `path` (its newest `max_entries()`).
    /// Returns: true when the file was read; false when it could not be (the history is then
    /// empty, as for a first run).
    bool load(const std::string& path);

    /// Writes the entries to `path`, readable by its owner only, by writing
    /// `path + ".tmp-<pid>"` and renaming it over `path`.
    /// Returns: true when `path` was replaced; false when it was left as it was.
    bool save(const std::string& path) const;

    /// Returns: the entries, oldest first.
    const std::deque<std::string>& entries() const { return m_entries; }

    /// Returns: how many entries are kept at most.
    std::size_t max_entries() const { return m_max_entries; }

private:
    std::deque<std::string> m_entries; ///< oldest first
    std::size_t m_max_entries;         ///< bound on m_entries.size()
};

} // namespace zshare::node
