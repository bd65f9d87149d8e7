// The logic of the REPL's line editor: the line being typed, the cursor, the keys that edit
// them and the bytes that draw them. It does no terminal I/O and keeps no global state, so
// the owner decides when to read, when to redraw and what to print above the prompt (output
// that arrives while the user types: erase the row, print, then write render() again).
//
// Bytes come one at a time from a terminal in raw mode; escape sequences and UTF-8 sequences
// are assembled across calls. There is no timeout on a lone ESC (that would need a clock):
// a byte that cannot continue a sequence ends it and counts on its own, so ESC then Enter
// still submits the line and ESC then Ctrl-C still interrupts.
//
// Columns are counted as one per UTF-8 code point: wide (CJK, emoji) and combining
// characters are counted as one column too.
#pragma once

#include "line_history.hpp"

#include <cstddef>
#include <map>
#include <string>
#include <utility>

namespace zshare::node {

/// What a byte fed to the editor asks of its owner.
enum class EditorEvent {
    none,         ///< nothing (the line may have changed: redraw)
    line_ready,   ///< Enter: take_line() holds the line
    interrupt,    ///< Ctrl-C (the line is left as it is: the owner may clear() it)
    end_of_input, ///< Ctrl-D on an empty line
    suspend,      ///< Ctrl-Z
    complete,     ///< Tab: complete the word before the cursor (see replace())
    clear_screen, ///< Ctrl-L
};

class LineEditor {
public:
    /// An empty line shown after `prompt`; Up and Down walk `history` (none when null), and
    /// take_line() adds to it. The history must outlive the editor.
    explicit LineEditor(std::string prompt, LineHistory* history = nullptr);

    /// Handles one byte read from the terminal.
    /// Returns: what the owner has to do about it.
    EditorEvent feed(char byte);

    /// Returns: the finished line (call after line_ready); adds it to the history, and leaves
    /// an empty line and the history walk reset.
    std::string take_line();

    /// Returns: the line being typed.
    const std::string& buffer() const { return m_buffer; }
    /// Returns: the cursor, as a byte offset into buffer().
    std::size_t cursor() const { return m_cursor; }
    /// Returns: the prompt.
    const std::string& prompt() const { return m_prompt; }
    /// Shows `prompt` before the line from the next render() on.
    void set_prompt(std::string prompt) { m_prompt = std::move(prompt); }

    /// Replaces bytes [from, to) of the line with `text` (offsets past the end are taken as
    /// the end) and puts the cursor after it: completion inserts its text this way.
    void replace(std::size_t from, std::size_t to, const std::string& text);

    /// Empties the line and resets the history walk (Ctrl-C at the prompt).
    void clear();

    /// Returns: the bytes that draw the prompt and the line on a terminal row `width` columns
    /// wide (below 2: unknown, taken as 80): "\r", the prompt, the line, "\x1b[K" (erase to the
    /// end of the row), then "\r" and "\x1b[<n>C" to put the cursor in its column n (none
    /// when n is 0). At most width - 1 columns are written, so the row never wraps: a line
    /// that does not fit shows a window that holds the cursor, and a prompt that leaves the
    /// line less than a quarter of the row is cut. Control characters in the line are shown
    /// as '?'.
    std::string render(int width) const;

private:
    /// Where feed() is in an escape sequence.
    enum class InputState {
        ground, ///< not in a sequence
        escape, ///< after ESC
        csi,    ///< after ESC [ (collecting parameters up to the final byte)
        ss3,    ///< after ESC O (the next byte ends it)
    };

    /// Handles a byte outside escape sequences (text, UTF-8, control keys, ESC).
    EditorEvent on_ground(unsigned char c);
    /// Handles a C0 control character or DEL: the Ctrl keys, Enter, Tab and Backspace.
    EditorEvent on_control(unsigned char c);
    /// Handles the byte after ESC: Alt keys, or the start of a CSI or SS3 sequence.
    EditorEvent after_escape(unsigned char c);
    /// Handles a byte of a CSI sequence.
    EditorEvent in_csi(unsigned char c);
    /// Handles the byte after ESC O, which ends the sequence.
    EditorEvent after_ss3(unsigned char c);
    /// Acts on a complete CSI sequence: m_sequence, then `final_byte`.
    void on_csi(unsigned char final_byte);

    /// Inserts `text` at the cursor and moves the cursor after it.
    void insert(const std::string& text);
    /// Erases bytes [from, to), keeping the cursor on the same text.
    void erase(std::size_t from, std::size_t to);
    /// Ctrl-T.
    void transpose();
    /// Returns: the start of the blank-separated word before `position`.
    std::size_t word_start_before(std::size_t position) const;
    /// Returns: the end of the blank-separated word after `position`.
    std::size_t word_end_after(std::size_t position) const;
    /// Shows the next `older` (Up) or newer (Down) line of the history walk.
    void walk_history(bool older);

    std::string m_prompt;                    ///< shown before the line
    LineHistory* m_history;                  ///< walked by Up and Down; may be null
    std::string m_buffer;                    ///< the line being typed (UTF-8)
    std::size_t m_cursor = 0;                ///< byte offset into m_buffer, on a code point
    InputState m_input = InputState::ground; ///< escape sequence in progress
    std::string m_sequence;                  ///< CSI parameter and intermediate bytes so far
    bool m_sequence_too_long = false;        ///< CSI longer than any key: swallow it unread
    std::string m_utf8;                      ///< bytes of an unfinished UTF-8 sequence
    std::size_t m_utf8_missing = 0;          ///< continuation bytes m_utf8 still needs
    /// How many entries back from the newest the history walk is (0: the line being typed).
    std::size_t m_walk = 0;
    /// The lines as edited during this walk, by m_walk: 0 is the line that was being typed
    /// when the walk began, which comes back when walking down past the newest entry.
    std::map<std::size_t, std::string> m_walk_edits;
};

} // namespace zshare::node
