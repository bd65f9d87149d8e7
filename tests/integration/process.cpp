#include "process.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <stdexcept>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace zshare::testing {

using Clock = std::chrono::steady_clock;

namespace {
void close_fd(int& fd) {
    if (fd >= 0)
        ::close(fd);
    fd = -1;
}

[[noreturn]] void exec_child(const std::vector<std::string>& argv, const std::string& cwd) {
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0)
        ::_exit(126);
    std::vector<char*> args;
    for (const auto& arg : argv)
        args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    ::signal(SIGPIPE, SIG_DFL);
    ::execv(args[0], args.data());
    ::_exit(127);
}
} // namespace

Process::Process(std::vector<std::string> argv, std::string cwd, bool terminal, int columns)
    : m_terminal(terminal) {
    if (terminal) {
        int master = -1;
        struct winsize size {};
        size.ws_row = 40;
        size.ws_col = static_cast<unsigned short>(columns);
        m_pid = ::forkpty(&master, nullptr, nullptr, &size);
        if (m_pid < 0)
            throw std::runtime_error("forkpty failed");
        if (m_pid == 0)
            exec_child(argv, cwd);
        m_stdin = master;
        m_out = ::dup(master);
    } else {
        int in[2], out[2], err[2];
        if (::pipe2(in, O_CLOEXEC) || ::pipe2(out, O_CLOEXEC) || ::pipe2(err, O_CLOEXEC))
            throw std::runtime_error("pipe failed");
        m_pid = ::fork();
        if (m_pid < 0)
            throw std::runtime_error("fork failed");
        if (m_pid == 0) {
            ::dup2(in[0], 0);
            ::dup2(out[1], 1);
            ::dup2(err[1], 2);
            exec_child(argv, cwd);
        }
        ::close(in[0]);
        ::close(out[1]);
        ::close(err[1]);
        m_stdin = in[1];
        m_out = out[0];
        m_err = err[0];
    }
    ::fcntl(m_out, F_SETFL, O_NONBLOCK);
    if (m_err >= 0)
        ::fcntl(m_err, F_SETFL, O_NONBLOCK);
}

Process::~Process() {
    stop();
    close_fd(m_stdin);
    close_fd(m_out);
    close_fd(m_err);
}

void Process::write(const std::string& text) {
    std::size_t done = 0;
    while (done < text.size() && m_stdin >= 0) {
        const ssize_t n = ::write(m_stdin, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        done += static_cast<std::size_t>(n);
    }
}

void Process::close_stdin() {
    if (m_terminal)
        write("\x04"); // Ctrl-D: end of input on a terminal
    else
        close_fd(m_stdin);
}

void Process::signal(int signal_number) {
    if (!m_status)
        ::kill(m_pid, signal_number);
}

void Process::resize_terminal(int columns) {
    struct winsize size {};
    size.ws_row = 40;
    size.ws_col = static_cast<unsigned short>(columns);
    if (m_terminal)
        ::ioctl(m_stdin, TIOCSWINSZ, &size);
}

int Process::pump(std::chrono::milliseconds timeout) {
    struct pollfd fds[2];
    int fd_of[2] = {m_out, m_err};
    nfds_t count = 0;
    int index_of[2];
    for (int i = 0; i < 2; ++i)
        if (fd_of[i] >= 0) {
            fds[count] = {fd_of[i], POLLIN, 0};
            index_of[count++] = i;
        }
    if (count == 0)
        return -1;
    if (::poll(fds, count, static_cast<int>(timeout.count())) <= 0)
        return 0;
    int got = 0;
    for (nfds_t k = 0; k < count; ++k) {
        if (!fds[k].revents)
            continue;
        const int i = index_of[k];
        char buffer[65536];
        const ssize_t n = ::read(fd_of[i], buffer, sizeof buffer);
        if (n > 0) {
            m_buffer[i].append(buffer, static_cast<std::size_t>(n));
            got += static_cast<int>(n);
        }
        else if (n == 0 || (errno != EAGAIN && errno != EINTR))
            close_fd(i == 0 ? m_out : m_err); // end of stream (EIO on a terminal)
    }
    return got;
}

std::optional<std::string> Process::wait_for(Stream stream, const std::string& text,
                                             std::chrono::milliseconds timeout) {
    const int i = stream == Stream::out ? 0 : 1;
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        auto& buffer = m_buffer[i];
        std::size_t start = m_cursor[i];
        for (std::size_t end; (end = buffer.find('\n', start)) != std::string::npos; start = end + 1) {
            std::string line = buffer.substr(start, end - start);
            if (line.find(text) != std::string::npos) {
                m_cursor[i] = end + 1;
                if (!line.empty() && line.back() == '\r')
                    line.pop_back();
                return line;
            }
        }
        const auto now = Clock::now();
        if (now >= deadline)
            return std::nullopt;
        if (pump(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now)) < 0)
            return std::nullopt;
    }
}

std::optional<int> Process::wait_exit(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (!m_status) {
        int status = 0;
        const pid_t done = ::waitpid(m_pid, &status, WNOHANG);
        if (done == m_pid) {
            m_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            break;
        }
        if (Clock::now() >= deadline)
            return std::nullopt;
        if (pump(10ms) < 0)
            std::this_thread::sleep_for(10ms); // streams closed: only the exit is left to see
    }
    while (pump(0ms) > 0) {
        // collect what is left in the pipes
    }
    return m_status;
}

int Process::stop() {
    if (m_status)
        return *m_status;
    signal(SIGTERM);
    if (auto status = wait_exit(5s))
        return *status;
    signal(SIGKILL);
    return wait_exit(5s).value_or(-1);
}

std::string Process::text(Stream stream) {
    pump(0ms);
    return m_buffer[stream == Stream::out ? 0 : 1];
}

std::vector<std::string> Process::lines(Stream stream) {
    const std::string all = text(stream);
    std::vector<std::string> out;
    std::size_t start = 0;
    for (std::size_t end; (end = all.find('\n', start)) != std::string::npos; start = end + 1) {
        std::string line = all.substr(start, end - start);
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        out.push_back(std::move(line));
    }
    return out;
}

} // namespace zshare::testing
