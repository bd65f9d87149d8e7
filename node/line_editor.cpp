#include "line_editor.hpp"

#include <algorithm>

namespace zshare::node {

namespace {

constexpr unsigned char escape_byte = 0x1b;
constexpr unsigned char delete_byte = 0x7f;
/// Longer than any key's CSI parameters; a longer sequence is swallowed without being kept.
constexpr std::size_t max_sequence = 16;

/// Returns: the control character typed with Ctrl and `letter`.
constexpr unsigned char ctrl(char letter) {
    return static_cast<unsigned char>(letter & 0x1f);
}

/// Returns: true for a UTF-8 continuation byte (10xxxxxx).
bool is_continuation(unsigned char c) {
    return (c & 0xc0) == 0x80;
}

/// Returns: true for the blanks that separate words.
bool is_blank(char c) {
    return c == ' ' || c == '\t';
}

/// Returns: how many continuation bytes follow the lead byte `c` (0 when it is no lead byte:
/// 0xc0 and 0xc1 only start overlong encodings, and 0xf5 and up code points past U+10FFFF).
std::size_t continuation_count(unsigned char c) {
    if (c >= 0xc2 && c <= 0xdf)
        return 1;
    if (c >= 0xe0 && c <= 0xef)
        return 2;
    if (c >= 0xf0 && c <= 0xf4)
        return 3;
    return 0;
}

/// Returns: false for a complete but malformed sequence: an overlong encoding, a UTF-16
/// surrogate or a code point past U+10FFFF, which the lead byte alone does not rule out.
bool well_formed(const std::string& sequence) {
    const auto lead = static_cast<unsigned char>(sequence[0]);
    const auto second = static_cast<unsigned char>(sequence[1]);
    switch (lead) {
    case 0xe0:
        return second >= 0xa0;
    case 0xed:
        return second < 0xa0;
    case 0xf0:
        return second >= 0x90;
    case 0xf4:
        return second < 0x90;
    default:
        return true;
    }
}

/// Returns: the start of the code point before `position` in `text` (0 at the start).
std::size_t previous_point(const std::string& text, std::size_t position) {
    if (position == 0)
        return 0;
    --position;
    while (position > 0 && is_continuation(static_cast<unsigned char>(text[position])))
        --position;
    return position;
}

/// Returns: the start of the code point after the one at `position` (the end at the end).
std::size_t next_point(const std::string& text, std::size_t position) {
    if (position >= text.size())
        return text.size();
    ++position;
    while (position < text.size() && is_continuation(static_cast<unsigned char>(text[position])))
        ++position;
    return position;
}

/// Returns: how many code points (and so columns) bytes [from, to) of `text` hold.
std::size_t count_points(const std::string& text, std::size_t from, std::size_t to) {
    return static_cast<std::size_t>(std::count_if(
        text.begin() + static_cast<std::ptrdiff_t>(from), text.begin() + static_cast<std::ptrdiff_t>(to),
        [](char c) { return !is_continuation(static_cast<unsigned char>(c)); }));
}

/// Returns: the byte offset where code point number `points` of `text` starts.
std::size_t point_offset(const std::string& text, std::size_t points) {
    std::size_t offset = 0;
    for (; points > 0 && offset < text.size(); --points)
        offset = next_point(text, offset);
    return offset;
}

/// Returns: bytes [from, to) of `text` with C0 and C1 control characters (which replace()
/// may have inserted, say from a file name) shown as '?', so that they cannot move the
/// terminal's cursor or start an escape sequence.
std::string printable(const std::string& text, std::size_t from, std::size_t to) {
    std::string out;
    for (std::size_t i = from; i < to; i = next_point(text, i)) {
        const auto c = static_cast<unsigned char>(text[i]);
        const bool c1 = c == 0xc2 && i + 1 < to && static_cast<unsigned char>(text[i + 1]) < 0xa0;
        if (c < 0x20 || c == delete_byte || c1)
            out += '?';
        else
            out.append(text, i, next_point(text, i) - i);
    }
    return out;
}

} // namespace

LineEditor::LineEditor(std::string prompt, LineHistory* history)
    : m_prompt(std::move(prompt)), m_history(history) {}

EditorEvent LineEditor::feed(char byte) {
    const auto c = static_cast<unsigned char>(byte);
    switch (m_input) {
    case InputState::escape:
        return after_escape(c);
    case InputState::csi:
        return in_csi(c);
    case InputState::ss3:
        return after_ss3(c);
    case InputState::ground:
        break;
    }
    return on_ground(c);
}

EditorEvent LineEditor::on_ground(unsigned char c) {
    if (m_utf8_missing > 0) {
        if (is_continuation(c)) {
            m_utf8 += static_cast<char>(c);
            if (--m_utf8_missing == 0) {
                if (well_formed(m_utf8))
                    insert(m_utf8);
                m_utf8.clear();
            }
            return EditorEvent::none;
        }
        // The sequence was cut short: drop it, and take this byte on its own.
        m_utf8.clear();
        m_utf8_missing = 0;
    }
    if (c == escape_byte) {
        m_input = InputState::escape;
        return EditorEvent::none;
    }
    if (c < 0x20 || c == delete_byte)
        return on_control(c);
    if (c < 0x80) {
        insert(std::string(1, static_cast<char>(c)));
    } else if (const std::size_t missing = continuation_count(c); missing > 0) {
        m_utf8 = std::string(1, static_cast<char>(c));
        m_utf8_missing = missing;
    } // else a stray continuation byte or an invalid lead byte: dropped
    return EditorEvent::none;
}

EditorEvent LineEditor::on_control(unsigned char c) {
    switch (c) {
    case '\r':
    case '\n':
        return EditorEvent::line_ready;
    case delete_byte:
    case ctrl('H'):
        erase(previous_point(m_buffer, m_cursor), m_cursor);
        break;
    case ctrl('A'):
        m_cursor = 0;
        break;
    case ctrl('E'):
        m_cursor = m_buffer.size();
        break;
    case ctrl('B'):
        m_cursor = previous_point(m_buffer, m_cursor);
        break;
    case ctrl('F'):
        m_cursor = next_point(m_buffer, m_cursor);
        break;
    case ctrl('D'):
        if (m_buffer.empty())
            return EditorEvent::end_of_input;
        erase(m_cursor, next_point(m_buffer, m_cursor));
        break;
    case ctrl('K'):
        erase(m_cursor, m_buffer.size());
        break;
    case ctrl('U'):
        erase(0, m_cursor);
        break;
    case ctrl('W'):
        erase(word_start_before(m_cursor), m_cursor);
        break;
    case ctrl('T'):
        transpose();
        break;
    case ctrl('P'):
        walk_history(true);
        break;
    case ctrl('N'):
        walk_history(false);
        break;
    case ctrl('L'):
        return EditorEvent::clear_screen;
    case '\t':
        return EditorEvent::complete;
    case ctrl('C'):
        return EditorEvent::interrupt;
    case ctrl('Z'):
        return EditorEvent::suspend;
    default:
        break; // other control characters mean nothing here
    }
    return EditorEvent::none;
}

EditorEvent LineEditor::after_escape(unsigned char c) {
    m_input = InputState::ground;
    switch (c) {
    case '[':
        m_input = InputState::csi;
        m_sequence.clear();
        m_sequence_too_long = false;
        return EditorEvent::none;
    case 'O':
        m_input = InputState::ss3;
        return EditorEvent::none;
    case 'b':
        m_cursor = word_start_before(m_cursor);
        return EditorEvent::none;
    case 'f':
        m_cursor = word_end_after(m_cursor);
        return EditorEvent::none;
    case delete_byte:
    case ctrl('H'):
        erase(word_start_before(m_cursor), m_cursor);
        return EditorEvent::none;
    case escape_byte:
        m_input = InputState::escape; // ESC ESC: the first one was a lone ESC
        return EditorEvent::none;
    default:
        break;
    }
    if (c >= 0x20 && c < 0x7f)
        return EditorEvent::none; // an Alt-<key> that means nothing here
    return on_ground(c);
}

EditorEvent LineEditor::in_csi(unsigned char c) {
    if (c >= 0x40 && c <= 0x7e) {
        m_input = InputState::ground;
        if (!m_sequence_too_long)
            on_csi(c);
        return EditorEvent::none;
    }
    if (c >= 0x20 && c <= 0x3f) { // parameter and intermediate bytes
        if (m_sequence.size() < max_sequence)
            m_sequence += static_cast<char>(c);
        else
            m_sequence_too_long = true;
        return EditorEvent::none;
    }
    m_input = InputState::ground;
    return on_ground(c);
}

EditorEvent LineEditor::after_ss3(unsigned char c) {
    m_input = InputState::ground;
    if (c < 0x20 || c >= 0x7f)
        return on_ground(c);
    switch (c) {
    case 'A':
        walk_history(true);
        break;
    case 'B':
        walk_history(false);
        break;
    case 'C':
        m_cursor = next_point(m_buffer, m_cursor);
        break;
    case 'D':
        m_cursor = previous_point(m_buffer, m_cursor);
        break;
    case 'H':
        m_cursor = 0;
        break;
    case 'F':
        m_cursor = m_buffer.size();
        break;
    }
    return EditorEvent::none;
}

void LineEditor::on_csi(unsigned char final_byte) {
    if (m_sequence.empty()) {
        after_ss3(final_byte); // ESC [ x and ESC O x mean the same keys
    } else if (final_byte == '~') {
        if (m_sequence == "1" || m_sequence == "7")
            m_cursor = 0;
        else if (m_sequence == "4" || m_sequence == "8")
            m_cursor = m_buffer.size();
        else if (m_sequence == "3")
            erase(m_cursor, next_point(m_buffer, m_cursor));
    } else if (m_sequence == "1;5" || m_sequence == "1;3") { // Ctrl or Alt with an arrow
        if (final_byte == 'C')
            m_cursor = word_end_after(m_cursor);
        else if (final_byte == 'D')
            m_cursor = word_start_before(m_cursor);
    }
}

std::string LineEditor::take_line() {
    std::string line = std::move(m_buffer);
    if (m_history)
        m_history->add(line);
    clear();
    return line;
}

void LineEditor::replace(std::size_t from, std::size_t to, const std::string& text) {
    to = std::min(to, m_buffer.size());
    from = std::min(from, to);
    m_buffer.replace(from, to - from, text);
    m_cursor = from + text.size();
}

void LineEditor::clear() {
    m_buffer.clear();
    m_cursor = 0;
    m_walk = 0;
    m_walk_edits.clear();
}

void LineEditor::insert(const std::string& text) {
    m_buffer.insert(m_cursor, text);
    m_cursor += text.size();
}

void LineEditor::erase(std::size_t from, std::size_t to) {
    m_buffer.erase(from, to - from);
    if (m_cursor >= to)
        m_cursor -= to - from;
    else if (m_cursor > from)
        m_cursor = from;
}

void LineEditor::transpose() {
    // As in readline: swap the characters on both sides of the cursor and move past them; at
    // the end of the line, swap the last two.
    const std::size_t middle = m_cursor < m_buffer.size() ? m_cursor : previous_point(m_buffer, m_cursor);
    if (middle == 0)
        return;
    const std::size_t left = previous_point(m_buffer, middle);
    const std::size_t right = next_point(m_buffer, middle);
    const std::string swapped =
        m_buffer.substr(middle, right - middle) + m_buffer.substr(left, middle - left);
    m_buffer.replace(left, right - left, swapped);
    m_cursor = right;
}

std::size_t LineEditor::word_start_before(std::size_t position) const {
    // Blanks are ASCII, so walking bytes never stops inside a UTF-8 sequence.
    while (position > 0 && is_blank(m_buffer[position - 1]))
        --position;
    while (position > 0 && !is_blank(m_buffer[position - 1]))
        --position;
    return position;
}

std::size_t LineEditor::word_end_after(std::size_t position) const {
    while (position < m_buffer.size() && is_blank(m_buffer[position]))
        ++position;
    while (position < m_buffer.size() && !is_blank(m_buffer[position]))
        ++position;
    return position;
}

void LineEditor::walk_history(bool older) {
    if (!m_history)
        return;
    const auto& entries = m_history->entries();
    // The history may have been reloaded since the walk began.
    m_walk = std::min(m_walk, entries.size());
    if (older ? m_walk == entries.size() : m_walk == 0)
        return;
    // Edits to a recalled entry stay until the line is taken, as in bash.
    m_walk_edits[m_walk] = m_buffer;
    m_walk = older ? m_walk + 1 : m_walk - 1;
    const auto edited = m_walk_edits.find(m_walk);
    m_buffer = edited != m_walk_edits.end() ? edited->second : entries[entries.size() - m_walk];
    m_cursor = m_buffer.size();
}

std::string LineEditor::render(int width) const {
    const std::size_t columns = width < 2 ? 80 : static_cast<std::size_t>(width);
    // Writing the last column leaves some terminals about to wrap and others wrapped already;
    // staying out of it keeps the row a row everywhere.
    const std::size_t room = columns - 1;
    const std::size_t line_room_wanted = std::max<std::size_t>(1, room / 4);
    const std::size_t prompt_columns =
        std::min(count_points(m_prompt, 0, m_prompt.size()), room - line_room_wanted);
    const std::size_t line_room = room - prompt_columns;

    // The window of the line: as much as fits before the cursor, as in linenoise. The cursor
    // may sit in the column after the window only at the end of the line, where it covers
    // nothing.
    const std::size_t points = count_points(m_buffer, 0, m_buffer.size());
    const std::size_t cursor_point = count_points(m_buffer, 0, m_cursor);
    const std::size_t max_offset = cursor_point == points ? line_room : line_room - 1;
    const std::size_t first = cursor_point > max_offset ? cursor_point - max_offset : 0;
    const std::size_t last = std::min(points, first + line_room);

    std::string out = "\r";
    out.append(m_prompt, 0, point_offset(m_prompt, prompt_columns));
    out += printable(m_buffer, point_offset(m_buffer, first), point_offset(m_buffer, last));
    out += "\x1b[K\r";
    if (const std::size_t column = prompt_columns + cursor_point - first; column > 0)
        out += "\x1b[" + std::to_string(column) + "C";
    return out;
}

} // namespace zshare::node
