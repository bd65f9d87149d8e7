// A child process for integration tests: started with pipes (or a pseudo-terminal), read with
// deadlines, and always stopped and reaped: SIGTERM, then SIGKILL if it does not go.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace zshare::testing {

using namespace std::chrono_literals;

class Process {
public:
    enum class Stream { out, err };

    /// Starts `argv` in `cwd` (empty: ours). With `terminal`, stdin, stdout and stderr are one
    /// pseudo-terminal `columns` wide (read it as Stream::out).
    explicit Process(std::vector<std::string> argv, std::string cwd = {}, bool terminal = false,
                     int columns = 120);
    ~Process();
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;

    /// Writes to the child's standard input.
    void write(const std::string& text);
    /// Closes the child's standard input (end of input).
    void close_stdin();
    /// Sends `signal_number`.
    void signal(int signal_number);
    /// Gives the pseudo-terminal a new width (the child gets SIGWINCH).
    void resize_terminal(int columns);

    /// Waits until a line of `stream` after the last one matched contains `text`.
    /// Returns: the line, or nothing at the deadline (or when the stream ends first).
    std::optional<std::string> wait_for(Stream stream, const std::string& text,
                                        std::chrono::milliseconds timeout = 20s);
    /// Waits for the process to exit. Returns: its exit status (128+N for signal N), or
    /// nothing at the deadline.
    std::optional<int> wait_exit(std::chrono::milliseconds timeout = 20s);
    /// Stops the process if it still runs and reaps it. Returns: its exit status.
    int stop();

    /// Returns: everything read from `stream` so far.
    std::string text(Stream stream);
    /// Returns: the complete lines read from `stream` so far.
    std::vector<std::string> lines(Stream stream);
    pid_t pid() const { return m_pid; }

private:
    /// Reads what is available, waiting at most `timeout` for something. Returns: the bytes
    /// read, or -1 when nothing more will come (every stream closed).
    int pump(std::chrono::milliseconds timeout);

    pid_t m_pid = -1;
    int m_stdin = -1;
    int m_out = -1;
    int m_err = -1;
    bool m_terminal = false;
    std::string m_buffer[2];      ///< what was read, per stream
    std::size_t m_cursor[2] = {}; ///< wait_for() searches from here
    std::optional<int> m_status;  ///< once reaped
};

} // namespace zshare::testing
