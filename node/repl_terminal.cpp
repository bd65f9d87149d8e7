// The REPL at a terminal: raw mode, our line editor, output above the prompt, a status line.
#include "file_io.hpp"
#include "format.hpp"
#include "line_editor.hpp"
#include "repl_impl.hpp"
#include "terminal_mode.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <unistd.h>

namespace zshare::node {

namespace {

/// Keys typed while a command runs, kept for the prompt that follows it.
constexpr std::size_t max_typeahead = 4096;

class TerminalRepl final : public Repl {
public:
    TerminalRepl(Reactor& reactor, const std::string& prompt, Hooks hooks)
        : m_reactor(reactor), m_hooks(std::move(hooks)), m_mode(STDIN_FILENO), m_editor(prompt, &m_history) {
        if (const char* home = std::getenv("HOME"); home && *home)
            m_history_file = std::string(home) + "/.zshare_history";
        if (!m_history_file.empty())
            m_history.load(m_history_file);
        m_width = TerminalMode::width_of(STDOUT_FILENO);
        m_replay = Reactor::Timer(m_reactor, [this] { replay_typeahead(); });
        m_input = m_reactor.watch_fd(STDIN_FILENO, [this] { on_readable(); });
        redraw();
    }
    ~TerminalRepl() override {
        m_input.reset();
        clear_row();
        if (!m_history_file.empty())
            m_history.save(m_history_file);
    }

    bool interactive() const override { return true; }
    void out(const std::string& line) override { print(STDOUT_FILENO, line); }
    void err(const std::string& line) override { print(STDERR_FILENO, line); }
    void status(const std::string& text) override {
        m_status = text;
        redraw();
    }
    int width() const override { return m_width; }
    void set_busy(bool busy) override {
        if (busy == m_busy)
            return;
        m_busy = busy;
        if (!busy) {
            m_status.clear();
            if (!m_typeahead.empty())
                m_replay.arm_at(Reactor::Clock::now());
        }
        redraw();
    }
    void on_resize() override {
        m_width = TerminalMode::width_of(STDOUT_FILENO);
        redraw();
    }
    void close() override {
        m_closed = true;
        redraw();
    }

private:
    /// Takes down what the row shows (the prompt or the status line).
    void clear_row() { (void)write_all(STDOUT_FILENO, "\r\x1b[K"); }

    /// Draws the row again: the status line while a command runs, else the prompt and the line.
    void redraw() {
        if (m_dispatching && !m_busy)
            return;
        if (m_busy || m_closed || m_ended)
            (void)write_all(STDOUT_FILENO, "\r" + fit_columns(m_status, std::size_t(std::max(m_width - 1, 1))) + "\x1b[K");
        else
            (void)write_all(STDOUT_FILENO, m_editor.render(m_width));
    }

    void print(int fd, const std::string& line) {
        clear_row();
        (void)write_all(fd, line + "\n");
        redraw();
    }

    void on_readable() {
        char buffer[4096];
        const ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            return;
        if (n <= 0) { // the terminal went away
            m_input.reset();
            return end_input();
        }
        for (ssize_t i = 0; i < n; ++i)
            on_byte(buffer[i]);
    }

    void on_byte(char byte) {
        if (m_ended)
            return;
        if (m_busy || m_closed) {
            if (byte == '\x03') { // Ctrl-C stops the command under way; what was typed goes too
                m_typeahead.clear();
                if (m_hooks.on_interrupt)
                    m_hooks.on_interrupt();
            } else if (!m_closed && m_typeahead.size() < max_typeahead) {
                m_typeahead.push_back(byte);
            }
            return;
        }
        const bool tab = byte == '\t';
        const EditorEvent event = m_editor.feed(byte);
        switch (event) {
        case EditorEvent::none:
            redraw();
            break;
        case EditorEvent::line_ready: {
            redraw();
            (void)write_all(STDOUT_FILENO, "\n");
            // No prompt between the lines the command prints: it comes back once it is over.
            m_dispatching = true;
            m_hooks.on_line(m_editor.take_line());
            m_dispatching = false;
            redraw();
            break;
        }
        case EditorEvent::interrupt:
            (void)write_all(STDOUT_FILENO, m_editor.render(m_width) + "^C\n");
            m_editor.clear();
            redraw();
            break;
        case EditorEvent::end_of_input:
            end_input();
            break;
        case EditorEvent::suspend:
            suspend();
            break;
        case EditorEvent::complete:
            complete(m_last_was_tab);
            break;
        case EditorEvent::clear_screen:
            (void)write_all(STDOUT_FILENO, "\x1b[H\x1b[2J");
            redraw();
            break;
        }
        m_last_was_tab = tab;
    }

    void end_input() {
        if (m_ended)
            return;
        clear_row();
        (void)write_all(STDOUT_FILENO, m_editor.prompt() + "\n");
        m_ended = true;
        if (m_hooks.on_end)
            m_hooks.on_end();
    }

    void suspend() {
        clear_row();
        m_mode.suspend();
        ::kill(::getpid(), SIGTSTP); // returns once the shell continues us
        m_mode.resume();
        on_resize();
    }

    void complete(bool second_tab) {
        const std::size_t cursor = m_editor.cursor();
        const CompletionContext context = completion_context(m_editor.buffer().substr(0, cursor));
        const std::vector<std::string> candidates = m_hooks.complete ? m_hooks.complete(context)
                                                                     : std::vector<std::string>{};
        if (candidates.empty())
            return (void)write_all(STDOUT_FILENO, "\a");
        if (candidates.size() == 1) {
            m_editor.replace(context.start, cursor, completion_text(candidates[0], true));
            return redraw();
        }
        const std::string prefix = common_prefix(candidates);
        if (prefix.size() > context.partial.size()) {
            m_editor.replace(context.start, cursor, partial_text(prefix));
            return redraw();
        }
        if (!second_tab)
            return (void)write_all(STDOUT_FILENO, "\a");
        // The second Tab in a row lists them, as shells do, in rows that fit the terminal.
        std::string row;
        for (const auto& candidate : candidates) {
            if (!row.empty() && columns_of(row) + 2 + columns_of(candidate) >= std::size_t(m_width)) {
                print(STDOUT_FILENO, row);
                row.clear();
            }
            row += (row.empty() ? "" : "  ") + candidate;
        }
        print(STDOUT_FILENO, row);
    }

    void replay_typeahead() {
        const std::string keys = std::move(m_typeahead);
        m_typeahead.clear();
        for (std::size_t i = 0; i < keys.size(); ++i) {
            if (m_busy) { // a command started: the rest waits for its end
                m_typeahead.append(keys, i, std::string::npos);
                return;
            }
            on_byte(keys[i]);
        }
    }

    Reactor& m_reactor;
    Hooks m_hooks;
    TerminalMode m_mode;
    LineHistory m_history;
    LineEditor m_editor;
    std::string m_history_file;   ///< ~/.zshare_history
    int m_width = 80;
    std::string m_status;         ///< the live line of the command under way
    std::string m_typeahead;      ///< keys typed while a command ran
    bool m_busy = false;          ///< a command is under way
    bool m_dispatching = false;   ///< a line is being handed to the owner
    bool m_closed = false;        ///< no more commands
    bool m_ended = false;         ///< the input ended
    bool m_last_was_tab = false;  ///< a second Tab lists the candidates
    Reactor::Watch m_input;
    Reactor::Timer m_replay;      ///< typeahead waiting for the prompt
};

} // namespace

std::unique_ptr<Repl> make_terminal_repl(Reactor& reactor, const std::string& prompt, Repl::Hooks hooks) {
    return std::make_unique<TerminalRepl>(reactor, prompt, std::move(hooks));
}

std::unique_ptr<Repl> Repl::open(Reactor& reactor, const std::string& prompt, Hooks hooks) {
    if (::isatty(STDIN_FILENO) && ::isatty(STDOUT_FILENO))
        return make_terminal_repl(reactor, prompt, std::move(hooks));
    return make_piped_repl(reactor, std::move(hooks));
}

} // namespace zshare::node
