#include "line_history.hpp"

#include "file_io.hpp"

#include <fstream>

namespace zshare::node {

LineHistory::LineHistory(std::size_t max_entries) : m_max_entries(max_entries) {}

void LineHistory::add(const std::string& line) {
    if (line.empty() || line.find_first_of("\r\n") != std::string::npos)
        return;
    if (!m_entries.empty() && m_entries.back() == line)
        return;
    m_entries.push_back(line);
    while (m_entries.size() > m_max_entries)
        m_entries.pop_front();
}

bool LineHistory::load(const std::string& path) {
    m_entries.clear();
    std::ifstream in(path, std::ios::binary);
    if (!in.is_open())
        return false;
    for (std::string line; std::getline(in, line);) {
        // A history file edited on another system may end its lines with "\r\n".
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        add(line);
    }
    return !in.bad();
}


bool LineHistory::save(const std::string& path) const {
    std::string text;
    for (const auto& entry : m_entries)
        text += entry + '\n';
    // Commands can name private files: the history is for its owner's eyes only, like a shell's.
    return write_file_atomically(path, text, 0600).empty();
}

} // namespace zshare::node
