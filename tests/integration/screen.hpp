// Enough of a VT100 to see what a user would see: the bytes a program writes to its terminal,
// replayed onto rows of a fixed width. Terminal tests check the screen, not the byte stream:
// that a line never wrapped, that the prompt was redrawn with what was typed.
#pragma once

#include <string>
#include <vector>

namespace zshare::testing {

class Screen {
public:
    /// A screen `width` columns wide, empty, the cursor at the top left.
    explicit Screen(int width);

    /// Replays `bytes`: printable text (one column per UTF-8 code point), "\r", "\n", "\b",
    /// "\t", ESC [ K (erase to the end of the row), ESC [ n C / D (cursor right / left),
    /// ESC [ H, ESC [ 2 J. Other escape sequences are skipped; BEL is ignored.
    void feed(const std::string& bytes);
    /// Takes a new width from now on (as after a resize).
    void resize(int width) { m_width = width; }

    /// Returns: row `index` (0: the first), trailing blanks removed.
    std::string row(std::size_t index) const;
    /// Returns: the row the cursor is on.
    std::string current_row() const { return row(m_row); }
    /// Returns: every row, trailing blanks removed.
    std::vector<std::string> rows() const;
    /// Returns: the cursor's column (0: the first).
    int cursor_column() const { return m_column; }
    /// Returns: the rows whose text ran past the right edge onto the next row, as they were
    /// then (a long line printed is fine; a prompt or a status line must never wrap).
    const std::vector<std::string>& wrapped() const { return m_wrapped; }

private:
    void put(const std::string& glyph);
    void new_row();

    int m_width;
    std::vector<std::vector<std::string>> m_cells; ///< per row, per column: one code point
    std::size_t m_row = 0;
    int m_column = 0;
    bool m_pending_wrap = false; ///< the last column was written: the next glyph wraps
    std::vector<std::string> m_wrapped;
    std::string m_escape;        ///< an escape sequence being read
    std::string m_utf8;          ///< a code point being read
};

} // namespace zshare::testing
