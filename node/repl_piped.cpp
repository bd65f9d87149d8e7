// The REPL on piped standard input: one command per line, no prompt, no echo.
#include "repl_impl.hpp"

#include <cerrno>
#include <deque>
#include <iostream>
#include <unistd.h>

namespace zshare::node {

namespace {

class PipedRepl final : public Repl {
public:
    PipedRepl(Reactor& reactor, Hooks hooks) : m_reactor(reactor), m_hooks(std::move(hooks)) {
        m_deliver = Reactor::Timer(m_reactor, [this] { deliver(); });
        watch_input();
    }
    ~PipedRepl() override { m_input.reset(); }

    bool interactive() const override { return false; }
    void out(const std::string& line) override { std::cout << line << std::endl; }
    void err(const std::string& line) override {
        std::cout << std::flush;
        std::cerr << line << std::endl;
    }
    void status(const std::string&) override {}
    int width() const override { return 80; }
    void set_busy(bool busy) override {
        m_busy = busy;
        if (!busy)
            m_deliver.arm_at(Reactor::Clock::now());
    }
    void close() override {
        m_closed = true;
        m_input.reset();
    }

private:
    void watch_input() {
        if (!m_ended && !m_closed && !m_input)
            m_input = m_reactor.watch_fd(STDIN_FILENO, [this] { on_readable(); });
    }

    void on_readable() {
        char buffer[65536];
        const ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            return;
        if (n <= 0) {
            if (!m_partial.empty())
                m_lines.push_back(std::move(m_partial));
            m_partial.clear();
            m_ended = true;
            m_input.reset();
        } else {
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
            // Read no further than needed: the lines waiting are enough to go on with.
            if (!m_lines.empty())
                m_input.reset();
        }
        deliver();
    }

    void deliver() {
        while (!m_busy && !m_closed && !m_lines.empty()) {
            std::string line = std::move(m_lines.front());
            m_lines.pop_front();
            m_hooks.on_line(line);
        }
        if (m_busy || m_closed)
            return;
        if (m_ended && !m_end_said) {
            m_end_said = true;
            m_hooks.on_end();
            return;
        }
        watch_input();
    }

    Reactor& m_reactor;
    Hooks m_hooks;
    std::deque<std::string> m_lines; ///< complete lines not yet run
    std::string m_partial;           ///< bytes after the last newline
    bool m_busy = false;
    bool m_ended = false;            ///< end of input seen
    bool m_end_said = false;         ///< on_end() was called
    bool m_closed = false;
    Reactor::Watch m_input;          ///< present while more input is wanted
    Reactor::Timer m_deliver;        ///< lines waiting to be run once the command is over
};

} // namespace

std::unique_ptr<Repl> make_piped_repl(Reactor& reactor, Repl::Hooks hooks) {
    return std::make_unique<PipedRepl>(reactor, std::move(hooks));
}

} // namespace zshare::node
