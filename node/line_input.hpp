// Where the REPL's commands come from. Piped standard input: whole lines, no prompt, no echo.
// A terminal: libedit's readline interface in callback mode (so the node's poll loop keeps
// running while a line is typed) with a prompt, line editing, history and tab completion.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace zshare::node {

/// Returns the completions of the word being typed, given the words before it; or nothing to
/// let libedit complete file names.
using Completer = std::function<std::optional<std::vector<std::string>>(
    const std::vector<std::string>& before, const std::string& prefix)>;

class LineInput {
public:
    virtual ~LineInput() = default;

    /// Returns: a terminal reader when standard input is a terminal, else a piped reader.
    static std::unique_ptr<LineInput> open_stdin(const std::string& prompt, Completer completer);

    /// Returns: true for a terminal.
    virtual bool interactive() const = 0;
    /// Reads what is available on standard input (call when it polls readable).
    virtual void on_readable() = 0;
    /// Says that the owner is ready for the next command (a terminal shows its prompt).
    virtual void ready() {}
    /// Returns: the next complete line, if one was read.
    std::optional<std::string> next_line();
    /// Returns: true when input has ended and every line was taken.
    bool finished() const { return m_end && m_lines.empty(); }

protected:
    std::deque<std::string> m_lines; ///< complete lines not yet taken
    bool m_end = false;              ///< end of input seen
};

} // namespace zshare::node
