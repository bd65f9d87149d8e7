#include "screen.hpp"

#include <cstdlib>

namespace zshare::testing {

Screen::Screen(int width) : m_width(width), m_cells(1) {}

void Screen::new_row() {
    ++m_row;
    if (m_cells.size() <= m_row)
        m_cells.resize(m_row + 1);
}

void Screen::put(const std::string& glyph) {
    if (m_pending_wrap) {
        m_wrapped.push_back(row(m_row));
        new_row();
        m_column = 0;
        m_pending_wrap = false;
    }
    auto& cells = m_cells[m_row];
    if (static_cast<int>(cells.size()) <= m_column)
        cells.resize(static_cast<std::size_t>(m_column) + 1, " ");
    cells[static_cast<std::size_t>(m_column)] = glyph;
    if (m_column + 1 >= m_width)
        m_pending_wrap = true;
    else
        ++m_column;
}

void Screen::feed(const std::string& bytes) {
    for (const char byte : bytes) {
        const auto c = static_cast<unsigned char>(byte);
        if (!m_escape.empty()) {
            m_escape += byte;
            if (m_escape.size() == 2 && c != '[') {
                m_escape.clear(); // ESC x: nothing we model
            } else if (m_escape.size() > 2 && c >= 0x40 && c <= 0x7e) {
                const std::string parameters(m_escape.begin() + 2, m_escape.end() - 1);
                const int n = parameters.empty() ? 1 : std::atoi(parameters.c_str());
                if (c == 'K' && m_row < m_cells.size() && static_cast<int>(m_cells[m_row].size()) > m_column)
                    m_cells[m_row].resize(static_cast<std::size_t>(m_column));
                else if (c == 'C')
                    m_column = std::min(m_width - 1, m_column + n);
                else if (c == 'D')
                    m_column = std::max(0, m_column - n);
                else if (c == 'H')
                    m_column = 0;
                else if (c == 'J' && parameters == "2")
                    m_cells.assign(m_row + 1, {});
                if (c == 'K' || c == 'C' || c == 'D' || c == 'H')
                    m_pending_wrap = false;
                m_escape.clear();
            }
            continue;
        }
        if (!m_utf8.empty() && (c & 0xc0) == 0x80) {
            m_utf8 += byte;
            const auto lead = static_cast<unsigned char>(m_utf8[0]);
            const std::size_t length = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
            if (m_utf8.size() == length) {
                put(m_utf8);
                m_utf8.clear();
            }
            continue;
        }
        m_utf8.clear();
        if (c == 0x1b)
            m_escape.assign(1, static_cast<char>(0x1b));
        else if (c == '\r') {
            m_column = 0;
            m_pending_wrap = false;
        } else if (c == '\n') {
            new_row();
            m_column = 0; // the pty's output processing turns "\n" into "\r\n"
            m_pending_wrap = false;
        } else if (c == '\b') {
            m_column = std::max(0, m_column - 1);
            m_pending_wrap = false;
        } else if (c == '\t') {
            m_column = std::min(m_width - 1, (m_column / 8 + 1) * 8);
        } else if (c >= 0xc0) {
            m_utf8 = std::string(1, byte);
        } else if (c >= 0x20 && c != 0x7f && c < 0x80) {
            put(std::string(1, byte));
        }
    }
}

std::string Screen::row(std::size_t index) const {
    if (index >= m_cells.size())
        return {};
    std::string text;
    for (const auto& cell : m_cells[index])
        text += cell;
    while (!text.empty() && text.back() == ' ')
        text.pop_back();
    return text;
}

std::vector<std::string> Screen::rows() const {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < m_cells.size(); ++i)
        out.push_back(row(i));
    return out;
}

} // namespace zshare::testing
