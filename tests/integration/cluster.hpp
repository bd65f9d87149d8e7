// Building blocks of the integration tests: temporary directories, and trackers, nodes and
// taps started as real processes on ephemeral loopback ports.
#pragma once

#include "process.hpp"
#include "temp_files.hpp"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace zshare::testing {

/// Returns: `size` pseudo-random bytes (deterministic for a seed).
std::string random_bytes(std::size_t size, unsigned seed = 1);
/// Returns: true when `path` exists (a link counts, dangling or not).
bool exists(const std::string& path);

/// A running zshare-tracker on ephemeral loopback ports.
class TrackerProcess {
public:
    explicit TrackerProcess(std::vector<std::string> extra_args = {});
    /// Returns: the request endpoint ("tcp://127.0.0.1:PORT").
    const std::string& endpoint() const { return m_endpoint; }
    /// Returns: the event endpoint.
    const std::string& events() const { return m_events; }
    Process& process() { return *m_process; }

private:
    std::unique_ptr<Process> m_process;
    std::string m_endpoint;
    std::string m_events;
};

/// Starts a zshare-node named `name` in `cwd`, driven through a pipe, and waits until it is
/// online. Returns: the process (check REQUIRE(node) via online()).
std::unique_ptr<Process> start_node(const TrackerProcess& tracker, const std::string& name,
                                    const std::string& cwd, std::vector<std::string> extra_args = {},
                                    bool wait_online = true);

/// Sends `command` to a piped node and waits until its stdout shows a line containing
/// `expect`, repeating the command meanwhile (the node's mirror may still be catching up).
/// Returns: true when seen in time.
bool eventually_shows(Process& node, const std::string& command, const std::string& expect,
                      std::chrono::milliseconds timeout = 20s);

/// Result of a node run with a script on standard input.
struct ScriptRun {
    int status = -1;  ///< exit status
    std::string out;  ///< standard output
    std::string err;  ///< standard error
};

/// Runs a node named `name` with `script` as its whole standard input, until it exits.
ScriptRun run_script(const TrackerProcess& tracker, const std::string& name, const std::string& cwd,
                     const std::string& script, std::vector<std::string> extra_args = {});

/// Polls `condition` every few milliseconds. Returns: true once it holds, false at the deadline.
bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 20s);

/// Returns: the number of chunks a partial file's state (".part.state") records as verified.
std::size_t verified_in_state(const std::string& state_path);

/// Returns: the number of lines of `text` equal to `line`.
std::size_t count_lines(const std::string& text, const std::string& line);

} // namespace zshare::testing
