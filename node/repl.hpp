// Where the REPL's commands come from and its output goes. Piped standard input: whole lines,
// no prompt, plain output. A terminal: our own line editor in raw mode (line_editor.hpp),
// like redis-cli's or psql's: a prompt with history and tab completion; lines that arrive
// while the user types are printed above the prompt, which is redrawn with what was typed; a
// command under way has the row for its live status line, cut to the terminal's width.
//
// Keys at a terminal: Ctrl-C clears the line at the prompt and stops the command under way
// otherwise (the owner's on_interrupt); Ctrl-D on an empty line ends the input; Ctrl-Z
// suspends. Everything the node prints goes through out() and err().
#pragma once

#include "reactor.hpp"
#include "word_completion.hpp"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace zshare::node {

class Repl {
public:
    struct Hooks {
        std::function<void(const std::string& line)> on_line; ///< a command to run
        std::function<void()> on_interrupt;                    ///< Ctrl-C while a command runs
        std::function<void()> on_end;                          ///< the input ended
        /// The completions of the word being typed (already starting with ctx.partial).
        std::function<std::vector<std::string>(const CompletionContext& ctx)> complete;
    };

    /// Returns: a terminal REPL when standard input and output are a terminal, else a piped one.
    static std::unique_ptr<Repl> open(Reactor& reactor, const std::string& prompt, Hooks hooks);
    virtual ~Repl() = default;

    /// Returns: true at a terminal.
    virtual bool interactive() const = 0;
    /// Prints a line on standard output (above the prompt at a terminal).
    virtual void out(const std::string& line) = 0;
    /// Prints a line on standard error (likewise).
    virtual void err(const std::string& line) = 0;
    /// Shows `text` as the live status line of the command under way ("" takes it down). Only
    /// at a terminal; cut to its width.
    virtual void status(const std::string& text) = 0;
    /// Returns: the terminal's width in columns (80 when unknown or piped).
    virtual int width() const = 0;
    /// Says whether a command is under way: meanwhile there is no prompt and input waits.
    virtual void set_busy(bool busy) = 0;
    /// Takes the terminal's new size into account (after SIGWINCH).
    virtual void on_resize() {}
    /// Stops taking commands (the node is leaving): no prompt from now on.
    virtual void close() = 0;
};

} // namespace zshare::node
