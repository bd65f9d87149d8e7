#include "line_input.hpp"

#include "command_line.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <editline/readline.h>
#include <sys/ioctl.h>
#include <unistd.h>

namespace zshare::node {

std::optional<std::string> LineInput::next_line() {
    if (m_lines.empty())
        return std::nullopt;
    std::string line = std::move(m_lines.front());
    m_lines.pop_front();
    return line;
}

namespace {

/// Standard input from a pipe or a file: complete lines, and a last line without newline.
class PipedInput final : public LineInput {
public:
    bool interactive() const override { return false; }
    void on_readable() override {
        char buffer[65536];
        const ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            return;
        if (n <= 0) {
            if (!m_partial.empty())
                m_lines.push_back(std::move(m_partial));
            m_partial.clear();
            m_end = true;
            return;
        }
        m_partial.append(buffer, static_cast<std::size_t>(n));
        std::size_t start = 0;
        for (std::size_t newline; (newline = m_partial.find('\n', start)) != std::string::npos;
             start = newline + 1) {
            std::string line = m_partial.substr(start, newline - start);
            if (!line.empty() && line.back() == '\r')
                line.pop_back();
            m_lines.push_back(std::move(line));
        }
        m_partial.erase(0, start);
    }

private:
    std::string m_partial; ///< bytes after the last newline
};

/// A terminal, through libedit's readline callback interface. libedit keeps global state, so
/// there is at most one of these; `g_terminal` lets its C callbacks find it.
class TerminalInput;
TerminalInput* g_terminal = nullptr;

class TerminalInput final : public LineInput {
public:
    TerminalInput(std::string prompt, Completer completer)
        : m_prompt(std::move(prompt)), m_completer(std::move(completer)) {
        g_terminal = this;
        using_history();
        stifle_history(1000);
        if (const char* home = std::getenv("HOME"); home && *home)
            m_history_file = std::string(home) + "/.zshare_history";
        if (!m_history_file.empty())
            read_history(m_history_file.c_str());
        rl_attempted_completion_function = &TerminalInput::complete;
        rl_catch_signals = 0; // SIGINT and SIGTERM are the node's: it says goodbye, then exits
    }
    ~TerminalInput() override {
        if (m_installed)
            rl_callback_handler_remove();
        if (!m_history_file.empty())
            write_history(m_history_file.c_str());
        g_terminal = nullptr;
    }
    bool interactive() const override { return true; }
    void on_readable() override {
        // Ctrl-D typed while a command ran (the terminal is in cooked mode then) reaches us as
        // a read of 0 bytes, which libedit's callback interface swallows without a word: a
        // readable terminal with nothing to read is the end of input.
        int pending = 0;
        if (::ioctl(STDIN_FILENO, FIONREAD, &pending) == 0 && pending == 0) {
            char byte;
            if (::read(STDIN_FILENO, &byte, 0) == 0)
                return on_line(nullptr);
        }
        rl_callback_read_char();
    }
    void ready() override {
        if (!m_installed && !m_end) {
            rl_callback_handler_install(m_prompt.c_str(), &TerminalInput::on_line);
            m_installed = true;
        }
    }

private:
    static void on_line(char* line) {
        TerminalInput& self = *g_terminal;
        // Take the prompt down while the command runs, so that its output is not drawn after a
        // prompt; ready() puts it back.
        if (self.m_installed)
            rl_callback_handler_remove();
        self.m_installed = false;
        if (!line) {
            std::fputc('\n', stdout);
            self.m_end = true;
            return;
        }
        if (*line)
            add_history(line);
        self.m_lines.emplace_back(line);
        std::free(line);
    }

    static char* next_candidate(const char*, int state) {
        static std::size_t index;
        if (state == 0)
            index = 0;
        auto& candidates = g_terminal->m_candidates;
        return index < candidates.size() ? ::strdup(candidates[index++].c_str()) : nullptr;
    }

    static char** complete(const char* text, int start, int) {
        TerminalInput& self = *g_terminal;
        const Words before = split_words(std::string(rl_line_buffer, static_cast<std::size_t>(start)));
        auto candidates = self.m_completer(before.words, text);
        if (!candidates)
            return nullptr; // libedit completes file names
        self.m_candidates.clear();
        for (auto& candidate : *candidates)
            if (candidate.compare(0, std::strlen(text), text) == 0)
                self.m_candidates.push_back(std::move(candidate));
        return rl_completion_matches(text, &TerminalInput::next_candidate);
    }

    std::string m_prompt;                  ///< shown before each command
    Completer m_completer;                 ///< what to offer on TAB
    std::string m_history_file;            ///< ~/.zshare_history
    std::vector<std::string> m_candidates; ///< the completions being offered
    bool m_installed = false;              ///< the line handler (and prompt) is active
};

} // namespace

std::unique_ptr<LineInput> LineInput::open_stdin(const std::string& prompt, Completer completer) {
    if (::isatty(STDIN_FILENO) && ::isatty(STDOUT_FILENO))
        return std::make_unique<TerminalInput>(prompt, std::move(completer));
    return std::make_unique<PipedInput>();
}

} // namespace zshare::node
