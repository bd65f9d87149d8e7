#include <catch2/catch.hpp>

#include "line_editor.hpp"
#include "line_history.hpp"
#include "temp_files.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <string>
#include <sys/stat.h>
#include <utility>
#include <vector>

using namespace zshare::node;
using zshare::testing::read_file;
using zshare::testing::TempDir;
using zshare::testing::write_file;
using Strings = std::vector<std::string>;

namespace {

/// Feeds every byte of `bytes`. Returns: the event of the last one.
EditorEvent type(LineEditor& editor, const std::string& bytes) {
    EditorEvent last = EditorEvent::none;
    for (const char c : bytes)
        last = editor.feed(c);
    return last;
}

/// Returns: the control character typed with Ctrl and `letter`.
std::string ctrl(char letter) {
    return std::string(1, static_cast<char>(letter & 0x1f));
}

/// Returns: an editor holding `text` with the cursor after `cursor_points` code points.
LineEditor editing(const std::string& text, std::size_t cursor_points, LineHistory* history = nullptr) {
    LineEditor editor("> ", history);
    type(editor, text);
    type(editor, ctrl('A'));
    for (std::size_t i = 0; i < cursor_points; ++i)
        type(editor, ctrl('F'));
    return editor;
}

Strings history_entries(const LineHistory& history) {
    return Strings(history.entries().begin(), history.entries().end());
}

/// Returns: the code points of `text`, each as its bytes.
Strings code_points(const std::string& text) {
    Strings out;
    for (const char c : text) {
        if ((static_cast<unsigned char>(c) & 0xc0) == 0x80 && !out.empty())
            out.back() += c;
        else
            out.emplace_back(1, c);
    }
    return out;
}

/// A terminal row as render() leaves it.
struct Row {
    Strings cells;           ///< the code point in each column, from column 0
    std::size_t cursor = 0;  ///< the cursor's column
    std::size_t written = 0; ///< columns written to (one past the rightmost)
};

/// Plays `bytes` on an empty row of a terminal that knows "\r", "ESC [ n C" and "ESC [ K".
Row play(const std::string& bytes) {
    Row row;
    const Strings points = code_points(bytes);
    for (std::size_t i = 0; i < points.size(); ++i) {
        if (points[i] == "\r") {
            row.cursor = 0;
        } else if (points[i] == "\x1b") {
            REQUIRE(i + 1 < points.size());
            REQUIRE(points[++i] == "[");
            std::string count;
            while (++i < points.size() && std::isdigit(static_cast<unsigned char>(points[i][0])))
                count += points[i];
            REQUIRE(i < points.size());
            if (points[i] == "C") {
                REQUIRE(!count.empty());
                row.cursor += std::stoul(count);
            } else {
                REQUIRE(points[i] == "K");
                REQUIRE(count.empty());
                row.cells.resize(std::min(row.cells.size(), row.cursor));
            }
        } else {
            REQUIRE(static_cast<unsigned char>(points[i][0]) >= 0x20);
            if (row.cells.size() <= row.cursor)
                row.cells.resize(row.cursor + 1);
            row.cells[row.cursor++] = points[i];
            row.written = std::max(row.written, row.cursor);
        }
    }
    return row;
}

/// Returns: the columns of the row, joined.
std::string text_of(const Row& row) {
    std::string out;
    for (const auto& cell : row.cells)
        out += cell;
    return out;
}

/// Checks what render(width) draws for `editor`: the prompt (cut as documented), then a
/// window of the line that holds the cursor, within width - 1 columns.
void check_render(const LineEditor& editor, int width) {
    const std::string bytes = editor.render(width);
    REQUIRE(bytes.front() == '\r');
    REQUIRE(bytes.find("\x1b[K\r") != std::string::npos);
    const Row row = play(bytes);
    const std::size_t room = static_cast<std::size_t>(width < 2 ? 80 : width) - 1;
    CHECK(row.written <= room);
    CHECK(row.cursor <= room);

    const Strings prompt = code_points(editor.prompt());
    const Strings line = code_points(editor.buffer());
    const std::size_t cursor = code_points(editor.buffer().substr(0, editor.cursor())).size();
    const std::size_t prompt_shown = std::min(prompt.size(), room - std::max<std::size_t>(1, room / 4));
    REQUIRE(row.cells.size() >= prompt_shown);
    CHECK(Strings(row.cells.begin(), row.cells.begin() + static_cast<std::ptrdiff_t>(prompt_shown)) ==
          Strings(prompt.begin(), prompt.begin() + static_cast<std::ptrdiff_t>(prompt_shown)));

    // The window: the column of the cursor says where it starts in the line.
    REQUIRE(row.cursor >= prompt_shown);
    const std::size_t before_cursor = row.cursor - prompt_shown;
    REQUIRE(before_cursor <= cursor);
    const std::size_t first = cursor - before_cursor;
    for (std::size_t column = prompt_shown; column < row.cells.size(); ++column) {
        REQUIRE(first + column - prompt_shown < line.size());
        CHECK(row.cells[column] == line[first + column - prompt_shown]);
    }
    // The character under the cursor is shown, and the window is as full as the line allows.
    if (cursor < line.size())
        CHECK(row.cursor < row.cells.size());
    CHECK(row.cells.size() - prompt_shown == std::min(line.size() - first, room - prompt_shown));
    if (prompt.size() + line.size() <= room)
        CHECK(text_of(row) == editor.prompt() + editor.buffer());
}

/// Returns: a line of `length` letters.
std::string letters(std::size_t length) {
    std::string out;
    for (std::size_t i = 0; i < length; ++i)
        out += static_cast<char>('a' + i % 26);
    return out;
}

} // namespace

TEST_CASE("printable characters are inserted at the cursor", "[line-editor]") {
    LineEditor editor("zshare> ");
    CHECK(type(editor, "hello") == EditorEvent::none);
    CHECK(editor.buffer() == "hello");
    CHECK(editor.cursor() == 5);
    type(editor, ctrl('B') + ctrl('B') + "XY");
    CHECK(editor.buffer() == "helXYlo");
    CHECK(editor.cursor() == 5);
    type(editor, " ~");
    CHECK(editor.buffer() == "helXY ~lo");
}

TEST_CASE("enter finishes the line", "[line-editor]") {
    LineEditor editor("> ");
    type(editor, "list");
    CHECK(editor.feed('\r') == EditorEvent::line_ready);
    CHECK(editor.take_line() == "list");
    CHECK(editor.buffer().empty());
    CHECK(editor.cursor() == 0);
    type(editor, "peers");
    CHECK(editor.feed('\n') == EditorEvent::line_ready);
    CHECK(editor.take_line() == "peers");
    CHECK(editor.feed('\r') == EditorEvent::line_ready);
    CHECK(editor.take_line().empty());
}

TEST_CASE("backspace deletes before the cursor", "[line-editor]") {
    LineEditor editor("> ");
    type(editor, "abc");
    type(editor, "\x7f");
    CHECK(editor.buffer() == "ab");
    type(editor, "\b");
    CHECK(editor.buffer() == "a");
    type(editor, "xyz" + ctrl('B') + "\x7f");
    CHECK(editor.buffer() == "axz");
    CHECK(editor.cursor() == 2);
    type(editor, ctrl('A') + "\x7f");
    CHECK(editor.buffer() == "axz");
    CHECK(editor.cursor() == 0);
}

TEST_CASE("home and end", "[line-editor]") {
    for (const std::string& home : {ctrl('A'), std::string("\x1b[H"), std::string("\x1bOH"),
                                    std::string("\x1b[1~"), std::string("\x1b[7~")}) {
        LineEditor editor("> ");
        type(editor, "abc");
        type(editor, home);
        CHECK(editor.cursor() == 0);
        CHECK(editor.buffer() == "abc");
    }
    for (const std::string& end : {ctrl('E'), std::string("\x1b[F"), std::string("\x1bOF"),
                                   std::string("\x1b[4~"), std::string("\x1b[8~")}) {
        LineEditor editor = editing("abc", 1);
        type(editor, end);
        CHECK(editor.cursor() == 3);
        CHECK(editor.buffer() == "abc");
    }
}

TEST_CASE("left and right", "[line-editor]") {
    for (const std::string& left : {ctrl('B'), std::string("\x1b[D"), std::string("\x1bOD")}) {
        LineEditor editor("> ");
        type(editor, "ab");
        type(editor, left);
        CHECK(editor.cursor() == 1);
        type(editor, left + left + left);
        CHECK(editor.cursor() == 0);
    }
    for (const std::string& right : {ctrl('F'), std::string("\x1b[C"), std::string("\x1bOC")}) {
        LineEditor editor = editing("ab", 0);
        type(editor, right);
        CHECK(editor.cursor() == 1);
        type(editor, right + right + right);
        CHECK(editor.cursor() == 2);
        CHECK(editor.buffer() == "ab");
    }
}

TEST_CASE("word left and right", "[line-editor]") {
    const std::string line = "get  alice\t/tmp/a b";
    for (const std::string& left : {std::string("\x1b"
                                                "b"),
                                    std::string("\x1b[1;5D"), std::string("\x1b[1;3D")}) {
        LineEditor editor("> ");
        editor.replace(0, 0, line); // a typed tab would ask for completion
        type(editor, left);
        CHECK(editor.cursor() == 18);
        type(editor, left);
        CHECK(editor.cursor() == 11);
        type(editor, left);
        CHECK(editor.cursor() == 5);
        type(editor, left + left + left);
        CHECK(editor.cursor() == 0);
    }
    for (const std::string& right : {std::string("\x1b"
                                                 "f"),
                                     std::string("\x1b[1;5C"), std::string("\x1b[1;3C")}) {
        LineEditor editor("> ");
        editor.replace(0, 0, line);
        type(editor, ctrl('A') + right);
        CHECK(editor.cursor() == 3);
        type(editor, right);
        CHECK(editor.cursor() == 10);
        type(editor, right);
        CHECK(editor.cursor() == 17);
        type(editor, right + right + right);
        CHECK(editor.cursor() == line.size());
    }
}

TEST_CASE("delete under the cursor", "[line-editor]") {
    LineEditor editor = editing("abcd", 1);
    type(editor, "\x1b[3~");
    CHECK(editor.buffer() == "acd");
    CHECK(editor.cursor() == 1);
    CHECK(type(editor, ctrl('D')) == EditorEvent::none);
    CHECK(editor.buffer() == "ad");
    CHECK(editor.cursor() == 1);
    type(editor, ctrl('E') + ctrl('D') + "\x1b[3~");
    CHECK(editor.buffer() == "ad");
}

TEST_CASE("ctrl-d on an empty line ends input", "[line-editor]") {
    LineEditor editor("> ");
    CHECK(type(editor, ctrl('D')) == EditorEvent::end_of_input);
    type(editor, "a" + ctrl('A'));
    CHECK(type(editor, ctrl('D')) == EditorEvent::none);
    CHECK(editor.buffer().empty());
    CHECK(type(editor, ctrl('D')) == EditorEvent::end_of_input);
}

TEST_CASE("kill to the end and to the start", "[line-editor]") {
    LineEditor editor = editing("download alice f", 8);
    type(editor, ctrl('K'));
    CHECK(editor.buffer() == "download");
    CHECK(editor.cursor() == 8);
    type(editor, " bob" + ctrl('B') + ctrl('B'));
    type(editor, ctrl('U'));
    CHECK(editor.buffer() == "ob");
    CHECK(editor.cursor() == 0);
    type(editor, ctrl('U'));
    CHECK(editor.buffer() == "ob");
}

TEST_CASE("delete the word before the cursor", "[line-editor]") {
    for (const std::string& rubout : {ctrl('W'), std::string("\x1b\x7f")}) {
        LineEditor editor("> ");
        type(editor, "get alice  /tmp/x");
        type(editor, rubout);
        CHECK(editor.buffer() == "get alice  ");
        type(editor, rubout);
        CHECK(editor.buffer() == "get ");
        type(editor, "bob" + ctrl('B'));
        type(editor, rubout);
        CHECK(editor.buffer() == "get b");
        CHECK(editor.cursor() == 4);
        type(editor, rubout + rubout);
        CHECK(editor.buffer() == "b");
        CHECK(editor.cursor() == 0);
    }
}

TEST_CASE("transpose characters", "[line-editor]") {
    LineEditor middle = editing("abcd", 2);
    type(middle, ctrl('T'));
    CHECK(middle.buffer() == "acbd");
    CHECK(middle.cursor() == 3);
    type(middle, ctrl('T'));
    CHECK(middle.buffer() == "acdb");
    CHECK(middle.cursor() == 4);
    type(middle, ctrl('T')); // at the end: the last two
    CHECK(middle.buffer() == "acbd");
    CHECK(middle.cursor() == 4);

    LineEditor start = editing("ab", 0);
    type(start, ctrl('T'));
    CHECK(start.buffer() == "ab");
    CHECK(start.cursor() == 0);

    LineEditor single("> ");
    type(single, "a" + ctrl('T'));
    CHECK(single.buffer() == "a");
    type(single, ctrl('A') + ctrl('T'));
    CHECK(single.buffer() == "a");
    LineEditor empty("> ");
    type(empty, ctrl('T'));
    CHECK(empty.buffer().empty());
}

TEST_CASE("keys the owner handles", "[line-editor]") {
    LineEditor editor("> ");
    type(editor, "abc" + ctrl('B'));
    CHECK(type(editor, ctrl('L')) == EditorEvent::clear_screen);
    CHECK(type(editor, "\t") == EditorEvent::complete);
    CHECK(type(editor, ctrl('Z')) == EditorEvent::suspend);
    CHECK(type(editor, ctrl('C')) == EditorEvent::interrupt);
    // None of them changes the line: the owner decides.
    CHECK(editor.buffer() == "abc");
    CHECK(editor.cursor() == 2);
    editor.clear();
    CHECK(editor.buffer().empty());
    CHECK(editor.cursor() == 0);
}

TEST_CASE("other control characters are ignored", "[line-editor]") {
    LineEditor editor("> ");
    type(editor, "ab");
    for (const char letter : {'G', 'O', 'R', 'S', 'Q', 'V', 'X', 'Y', '@', '\\', ']', '^', '_'})
        CHECK(type(editor, ctrl(letter)) == EditorEvent::none);
    CHECK(editor.buffer() == "ab");
    CHECK(editor.cursor() == 2);
}

TEST_CASE("unknown escape sequences are swallowed", "[line-editor]") {
    LineEditor editor("> ");
    type(editor, "ab");
    const Strings sequences = {"\x1b[5~",   "\x1b[6~",   "\x1b[2~",   "\x1b[1;2P", "\x1b[15;5~",
                               "\x1b[?25h", "\x1b[200~", "\x1b[201~", "\x1b[Z",    "\x1b[1;2A",
                               "\x1b[3;5~", "\x1b[@",    "\x1b[ q",   "\x1bOP",    "\x1bOQ",
                               "\x1bOx",    "\x1bx",     "\033d",     "\x1b."};
    const Strings long_sequences = {"\x1b[" + std::string(100, '9') + "~",
                                    "\x1b[" + std::string(100, '1') + "D"};
    for (const auto& list : {sequences, long_sequences})
        for (const std::string& sequence : list)
            CHECK(type(editor, sequence) == EditorEvent::none);
    CHECK(editor.buffer() == "ab");
    CHECK(editor.cursor() == 2);
    type(editor, "c");
    CHECK(editor.buffer() == "abc");
}

TEST_CASE("escape sequences split across calls", "[line-editor]") {
    LineEditor editor("> ");
    type(editor, "abc");
    for (const char c : std::string("\x1b[1;5"))
        CHECK(editor.feed(c) == EditorEvent::none);
    CHECK(editor.cursor() == 3);
    CHECK(editor.buffer() == "abc");
    editor.feed('D');
    CHECK(editor.cursor() == 0);
    editor.feed('\x1b');
    editor.feed('O');
    CHECK(editor.cursor() == 0);
    editor.feed('F');
    CHECK(editor.cursor() == 3);
    editor.feed('\x1b');
    editor.feed('[');
    editor.feed('3');
    type(editor, ctrl('A'));
    editor.feed('~'); // the Ctrl-A ended the sequence: this is a plain '~'
    CHECK(editor.buffer() == "~abc");
}

TEST_CASE("a byte that cannot continue a sequence counts on its own", "[line-editor]") {
    LineEditor editor("> ");
    type(editor, "ab\x1b");
    CHECK(editor.feed('\r') == EditorEvent::line_ready);
    CHECK(editor.take_line() == "ab");
    CHECK(type(editor, "\x1b[" + ctrl('C')) == EditorEvent::interrupt);
    CHECK(type(editor, "\x1bO\t") == EditorEvent::complete);
    type(editor, "x\x1b\x1b[D"); // a lone ESC, then Left
    CHECK(editor.cursor() == 0);
    type(editor, "\x1b[\xc3\xa9");
    CHECK(editor.buffer() == "\xc3\xa9x");
    editor.clear();
    type(editor, "\xc3\x1b[C"
                 "a"); // an unfinished UTF-8 sequence is dropped by ESC
    CHECK(editor.buffer() == "a");
}

TEST_CASE("utf-8 characters move and delete as one", "[line-editor]") {
    const std::string e_acute = "\xc3\xa9", zhe = "\xd0\xb6", euro = "\xe2\x82\xac",
                      smile = "\xf0\x9f\x98\x80";
    LineEditor editor("> ");
    type(editor, "a" + e_acute + zhe + euro + smile + "b");
    CHECK(editor.buffer() == "a" + e_acute + zhe + euro + smile + "b");
    CHECK(editor.cursor() == 1 + 2 + 2 + 3 + 4 + 1);
    type(editor, ctrl('B'));
    CHECK(editor.cursor() == 12);
    type(editor, ctrl('B'));
    CHECK(editor.cursor() == 8);
    type(editor, "\x1b[D");
    CHECK(editor.cursor() == 5);
    type(editor, "\x1bOD");
    CHECK(editor.cursor() == 3);
    type(editor, ctrl('F'));
    CHECK(editor.cursor() == 5);
    type(editor, "\x7f"); // the zhe
    CHECK(editor.buffer() == "a" + e_acute + euro + smile + "b");
    CHECK(editor.cursor() == 3);
    type(editor, "\x1b[3~"); // the euro
    CHECK(editor.buffer() == "a" + e_acute + smile + "b");
    type(editor, ctrl('D')); // the smile
    CHECK(editor.buffer() == "a" + e_acute + "b");
    type(editor, "\b"); // the e acute
    CHECK(editor.buffer() == "ab");
    CHECK(editor.cursor() == 1);
    type(editor, zhe + e_acute);
    CHECK(editor.buffer() == "a" + zhe + e_acute + "b");
    type(editor, ctrl('B') + ctrl('T'));
    CHECK(editor.buffer() == "a" + e_acute + zhe + "b");
    CHECK(editor.cursor() == 5);
    type(editor, ctrl('E') + ctrl('T'));
    CHECK(editor.buffer() == "a" + e_acute + "b" + zhe);
    type(editor, "\x1b"
                 "b" +
                     ctrl('W'));
    CHECK(editor.buffer() == "a" + e_acute + "b" + zhe);
    type(editor, ctrl('E') + ctrl('W'));
    CHECK(editor.buffer().empty());
}

TEST_CASE("malformed utf-8 bytes are dropped", "[line-editor]") {
    LineEditor editor("> ");
    type(editor, "\x80\xbf");                 // continuation bytes alone
    type(editor, "\xc0\xaf\xc1\xbf");         // overlong two-byte forms
    type(editor, "\xe0\x80\xaf");             // overlong three-byte form
    type(editor, "\xed\xa0\x80");             // a UTF-16 surrogate
    type(editor, "\xf0\x80\x80\xaf");         // overlong four-byte form
    type(editor, "\xf4\x90\x80\x80");         // past U+10FFFF
    type(editor, "\xf5\x80\x80\x80\xff\xfe"); // never lead bytes
    CHECK(editor.buffer().empty());
    type(editor, "\xc3"
                 "a");                // cut short by an ASCII byte, which still counts
    type(editor, "\xe2\x82\xc3\xa9"); // cut short by a new sequence, which still counts
    CHECK(editor.buffer() == "a\xc3\xa9");
    CHECK(type(editor, "\xe2\r") == EditorEvent::line_ready);
    CHECK(editor.take_line() == "a\xc3\xa9");
}

TEST_CASE("history walk", "[line-editor]") {
    LineHistory history;
    history.add("list");
    history.add("peers");
    history.add("get alice a");
    for (const auto& [up, down] : {std::pair<std::string, std::string>{ctrl('P'), ctrl('N')},
                                   {"\x1b[A", "\x1b[B"},
                                   {"\x1bOA", "\x1bOB"}}) {
        LineEditor editor("> ", &history);
        type(editor, "dra");
        type(editor, up);
        CHECK(editor.buffer() == "get alice a");
        CHECK(editor.cursor() == editor.buffer().size());
        type(editor, up);
        CHECK(editor.buffer() == "peers");
        type(editor, up);
        CHECK(editor.buffer() == "list");
        type(editor, up); // the oldest: stays
        CHECK(editor.buffer() == "list");
        type(editor, down + down);
        CHECK(editor.buffer() == "get alice a");
        type(editor, down); // past the newest: the draft comes back
        CHECK(editor.buffer() == "dra");
        CHECK(editor.cursor() == 3);
        type(editor, down);
        CHECK(editor.buffer() == "dra");
    }
    CHECK(history_entries(history) == Strings{"list", "peers", "get alice a"});
}

TEST_CASE("history walk keeps edits until the line is taken", "[line-editor]") {
    LineHistory history;
    history.add("list");
    history.add("peers");
    LineEditor editor("> ", &history);
    type(editor, ctrl('P') + "\x7f\x7f\x7f");
    CHECK(editor.buffer() == "pe");
    type(editor, ctrl('P') + ctrl('N'));
    CHECK(editor.buffer() == "pe");
    type(editor, ctrl('N'));
    CHECK(editor.buffer().empty());
    type(editor, ctrl('P') + ctrl('P') + " all");
    CHECK(type(editor, "\r") == EditorEvent::line_ready);
    CHECK(editor.take_line() == "list all");
    // The entries themselves are untouched, and the next walk starts afresh.
    CHECK(history_entries(history) == Strings{"list", "peers", "list all"});
    type(editor, ctrl('P'));
    CHECK(editor.buffer() == "list all");
    type(editor, ctrl('P'));
    CHECK(editor.buffer() == "peers");
    editor.clear(); // Ctrl-C resets the walk too
    type(editor, ctrl('N'));
    CHECK(editor.buffer().empty());
    type(editor, ctrl('P'));
    CHECK(editor.buffer() == "list all");
}

TEST_CASE("history walk without entries", "[line-editor]") {
    LineEditor no_history("> ");
    type(no_history, "abc\x1b[A\x1b[B" + ctrl('P'));
    CHECK(no_history.buffer() == "abc");
    LineHistory empty;
    LineEditor editor("> ", &empty);
    type(editor, "abc\x1b[A\x1b[B");
    CHECK(editor.buffer() == "abc");
    type(editor, "\r");
    editor.take_line();
    CHECK(history_entries(empty) == Strings{"abc"});
}

TEST_CASE("take line adds to the history", "[line-editor]") {
    LineHistory history;
    LineEditor editor("> ", &history);
    for (const std::string line : {"list", "", "list", "peers", "list"}) {
        type(editor, line + "\r");
        CHECK(editor.take_line() == line);
    }
    CHECK(history_entries(history) == Strings{"list", "peers", "list"});
}

TEST_CASE("replace puts the cursor after the text", "[line-editor]") {
    LineEditor editor("> ");
    type(editor, "get al x");
    editor.replace(4, 6, "alice ");
    CHECK(editor.buffer() == "get alice  x");
    CHECK(editor.cursor() == 10);
    editor.replace(12, 12, "y");
    CHECK(editor.buffer() == "get alice  xy");
    CHECK(editor.cursor() == 13);
    editor.replace(11, 99, "");
    CHECK(editor.buffer() == "get alice  ");
    CHECK(editor.cursor() == 11);
    editor.replace(99, 99, "z");
    CHECK(editor.buffer() == "get alice  z");
    editor.replace(0, editor.buffer().size(), "");
    CHECK(editor.buffer().empty());
    CHECK(editor.cursor() == 0);
}

TEST_CASE("prompt", "[line-editor]") {
    LineEditor editor("zshare> ");
    CHECK(editor.prompt() == "zshare> ");
    editor.set_prompt("alice> ");
    CHECK(editor.prompt() == "alice> ");
    type(editor, "ab");
    CHECK(editor.render(80) == "\ralice> ab\x1b[K\r\x1b[9C");
}

TEST_CASE("render a short line", "[line-editor]") {
    LineEditor editor("zshare> ");
    CHECK(editor.render(80) == "\rzshare> \x1b[K\r\x1b[8C");
    type(editor, "get" + ctrl('B'));
    CHECK(editor.render(80) == "\rzshare> get\x1b[K\r\x1b[10C");
    CHECK(editor.render(0) == editor.render(80)); // unknown widths
    CHECK(editor.render(1) == editor.render(80));
    CHECK(editor.render(-5) == editor.render(80));
    LineEditor no_prompt("");
    CHECK(no_prompt.render(80) == "\r\x1b[K\r");
    type(no_prompt, "x" + ctrl('A'));
    CHECK(no_prompt.render(80) == "\rx\x1b[K\r");
}

TEST_CASE("render long lines without wrapping", "[line-editor]") {
    for (const int width : {20, 60, 120}) {
        for (const std::size_t length :
             {std::size_t{0}, std::size_t{5}, std::size_t{11}, std::size_t{12}, std::size_t{50},
              std::size_t{51}, std::size_t{52}, std::size_t{111}, std::size_t{112}, std::size_t{300}}) {
            LineEditor editor("zshare> ");
            type(editor, letters(length));
            for (std::size_t cursor = length + 1; cursor-- > 0;) {
                INFO("width " << width << ", length " << length << ", cursor " << cursor);
                CHECK(code_points(editor.buffer().substr(0, editor.cursor())).size() == cursor);
                check_render(editor, width);
                type(editor, ctrl('B'));
            }
        }
    }
}

TEST_CASE("render scrolls to keep the cursor in view", "[line-editor]") {
    LineEditor editor("> ");
    type(editor, letters(30));
    // Width 20: 19 columns, 17 of them for the line; at the end the cursor takes the last one.
    CHECK(editor.render(20) == "\r> " + letters(30).substr(13) + "\x1b[K\r\x1b[19C");
    type(editor, ctrl('B'));
    CHECK(editor.render(20) == "\r> " + letters(30).substr(13) + "\x1b[K\r\x1b[18C");
    type(editor, ctrl('A'));
    CHECK(editor.render(20) == "\r> " + letters(17) + "\x1b[K\r\x1b[2C");
}

TEST_CASE("render cuts a prompt that does not fit", "[line-editor]") {
    const std::string prompt = "a-very-long-prompt-for-a-narrow-terminal> ";
    for (const int width : {2, 3, 10, 20, 40}) {
        LineEditor editor(prompt);
        check_render(editor, width);
        type(editor, letters(100));
        for (std::size_t cursor = 101; cursor-- > 0; type(editor, ctrl('B'))) {
            INFO("width " << width << ", cursor " << cursor);
            check_render(editor, width);
        }
    }
    LineEditor editor(prompt);
    type(editor, "xyz");
    // Width 20: 19 columns, at least 4 of them for the line.
    CHECK(editor.render(20) == "\r" + prompt.substr(0, 15) + "xyz\x1b[K\r\x1b[18C");
    CHECK(play(editor.render(2)).written == 1);
}

TEST_CASE("render counts a utf-8 character as one column", "[line-editor]") {
    const std::string zhe = "\xd0\xb6", e_acute = "\xc3\xa9";
    LineEditor editor("\xe2\x86\x92 ");
    std::string line;
    for (int i = 0; i < 40; ++i)
        line += i % 2 ? zhe : e_acute;
    type(editor, line);
    CHECK(editor.render(80) == "\r\xe2\x86\x92 " + line + "\x1b[K\r\x1b[42C");
    for (std::size_t cursor = 41; cursor-- > 0; type(editor, ctrl('B'))) {
        INFO("cursor " << cursor);
        check_render(editor, 20);
        check_render(editor, 60);
    }
}

TEST_CASE("render shows control characters as question marks", "[line-editor]") {
    LineEditor editor("> ");
    editor.replace(0, 0, std::string("a\nb\x1b[2Jc\x7f\xc2\x9b") + "d");
    CHECK(editor.render(80) == "\r> a?b?[2Jc??d\x1b[K\r\x1b[13C");
}

TEST_CASE("history skips empty lines and repeats", "[line-editor]") {
    LineHistory history;
    CHECK(history.max_entries() == 1000);
    history.add("");
    history.add("a");
    history.add("a");
    history.add("b");
    history.add("a");
    history.add("two\nlines");
    history.add(" ");
    CHECK(history_entries(history) == Strings{"a", "b", "a", " "});
}

TEST_CASE("history is bounded", "[line-editor]") {
    LineHistory history(3);
    for (const std::string line : {"1", "2", "3", "4", "5"})
        history.add(line);
    CHECK(history_entries(history) == Strings{"3", "4", "5"});
    LineHistory none(0);
    none.add("x");
    CHECK(none.entries().empty());
}

TEST_CASE("history save and load", "[line-editor]") {
    TempDir dir;
    const std::string path = dir / "history";
    LineHistory history;
    for (const std::string line : {"list", "get alice \"my file\"", "peers", "\xd0\xb6"})
        history.add(line);
    REQUIRE(history.save(path));
    CHECK(read_file(path) == "list\nget alice \"my file\"\npeers\n\xd0\xb6\n");
    // Written beside its name and renamed: nothing is left behind, and only its owner reads it.
    CHECK(std::distance(std::filesystem::directory_iterator(dir.path),
                        std::filesystem::directory_iterator()) == 1);
    struct stat info {};
    REQUIRE(::stat(path.c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0600);

    LineHistory loaded;
    loaded.add("replaced");
    REQUIRE(loaded.load(path));
    CHECK(history_entries(loaded) == history_entries(history));

    history.add("more");
    REQUIRE(history.save(path)); // over the old file
    REQUIRE(loaded.load(path));
    CHECK(loaded.entries().back() == "more");
}

TEST_CASE("history load of a missing or odd file", "[line-editor]") {
    TempDir dir;
    LineHistory history;
    history.add("x");
    CHECK_FALSE(history.load(dir / "missing"));
    CHECK(history.entries().empty());
    CHECK_FALSE(history.load(dir.path + "/no/such/dir/history"));

    write_file(dir / "crlf", "a\r\n\r\nb\r\nb\nc");
    REQUIRE(history.load(dir / "crlf"));
    CHECK(history_entries(history) == Strings{"a", "b", "c"});

    std::string many;
    for (int i = 0; i < 10; ++i)
        many += std::to_string(i) + "\n";
    write_file(dir / "many", many);
    LineHistory small(4);
    REQUIRE(small.load(dir / "many"));
    CHECK(history_entries(small) == Strings{"6", "7", "8", "9"});
}

TEST_CASE("history save that cannot write", "[line-editor]") {
    TempDir dir;
    LineHistory history;
    history.add("x");
    CHECK_FALSE(history.save(dir.path + "/no/such/dir/history"));
    // A directory in the way: the rename fails and the temporary file is removed.
    std::filesystem::create_directory(dir / "taken");
    write_file(dir / "taken/inside", "");
    CHECK_FALSE(history.save(dir / "taken"));
    CHECK(std::distance(std::filesystem::directory_iterator(dir.path),
                        std::filesystem::directory_iterator()) == 1);
}
