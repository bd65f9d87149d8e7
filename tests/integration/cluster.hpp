// Building blocks of the integration tests: temporary directories, and trackers, nodes and
// taps started as real processes on ephemeral loopback ports.
#pragma once

#include "curve_keys.hpp"
#include "messages.hpp"
#include "process.hpp"
#include "temp_files.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <memory>
#include <string>
#include <vector>
#include <zmq.hpp>

namespace zshare::testing {

/// Returns: `size` pseudo-random bytes (deterministic for a seed).
std::string random_bytes(std::size_t size, unsigned seed = 1);
/// Returns: true when `path` exists (a link counts, dangling or not).
bool exists(const std::string& path);

/// A running zshare-tracker on ephemeral loopback ports: secure, with its state (its key
/// pair, its name bindings) in a temporary directory of its own, unless `extra_args` name one
/// (--state-dir) or ask for --insecure.
class TrackerProcess {
public:
    explicit TrackerProcess(std::vector<std::string> extra_args = {});
    /// Returns: the request endpoint ("tcp://127.0.0.1:PORT").
    const std::string& endpoint() const { return m_endpoint; }
    /// Returns: the event endpoint.
    const std::string& events() const { return m_events; }
    /// Returns: the tracker's public key ("" when insecure).
    const std::string& key() const { return m_key; }
    /// Returns: its state directory ("" when insecure).
    const std::string& state_dir() const { return m_state_dir; }
    /// Returns: what a node or tap needs to reach it: --tracker and --tracker-key (or --insecure).
    std::vector<std::string> client_args() const;
    Process& process() { return *m_process; }

private:
    std::unique_ptr<TempDir> m_own_state;
    std::unique_ptr<Process> m_process;
    std::string m_endpoint;
    std::string m_events;
    std::string m_key;
    std::string m_state_dir;
};

/// Returns: a DEALER connected to `tracker` as a client of its own, for speaking the protocol
/// by hand: CURVE with `keys` (a new pair when null), or plain when the tracker is insecure.
zmq::socket_t connect_to_tracker(zmq::context_t& context, const TrackerProcess& tracker,
                                 const protocol::KeyPair* keys = nullptr);

/// The whole table as one ListPeers on `dealer` (from connect_to_tracker) brings it: its
/// parts put together, checked against the SnapshotEnd.
struct Snapshot {
    std::uint64_t epoch = 0;
    std::uint64_t seq = 0;
    std::vector<protocol::PeerInfo> peers; ///< every row, in the order they came
    std::size_t parts = 0;                 ///< PeerList frames it came in
};

/// Returns: the snapshot, or nothing (with the reason in `error`) when the reply is not a
/// well-formed stream of parts and an end within `timeout` of each other.
std::optional<Snapshot> fetch_snapshot(zmq::socket_t& dealer, std::string& error,
                                       std::chrono::milliseconds timeout = 10s);

/// Starts a zshare-tap on `tracker` with `extra_args`.
std::unique_ptr<Process> start_tap(const TrackerProcess& tracker, std::vector<std::string> extra_args = {});

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

/// Ends the test as skipped, saying why (ctest shows it as "Not Run", never as passed).
/// Call it before the test starts anything: it ends the process.
[[noreturn]] void skip_test(const std::string& reason);

/// The exit status that tells ctest a test was skipped.
inline constexpr int skipped_status = 77;

/// Returns: the number of chunks a partial file's state (".part.state") records as verified.
std::size_t verified_in_state(const std::string& state_path);

/// Returns: the number of lines of `text` equal to `line`.
std::size_t count_lines(const std::string& text, const std::string& line);

} // namespace zshare::testing
