// The node: registers with the tracker, mirrors its table, serves what it registered (the
// FileServer actor), hashes on a worker (the Hasher actor), and runs the REPL and its
// downloads, all from one Reactor loop that never blocks. This file wires the parts together;
// the commands' handlers are in node_commands.cpp.
#pragma once

#include "commands.hpp"
#include "download_manager.hpp"
#include "file_server.hpp"
#include "file_server_gate.hpp"
#include "member_keys.hpp"
#include "hasher.hpp"
#include "manifest_cache.hpp"
#include "reactor.hpp"
#include "repl.hpp"
#include "shared_files.hpp"
#include "swarm.hpp"
#include "tracker_session.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>
#include <zmq.hpp>

namespace zshare::node {

struct NodeOptions {
    std::string tracker = "tcp://127.0.0.1:7400"; ///< tracker request endpoint
    std::string name;                             ///< user name to hold
    std::string listen = "tcp://*:0";             ///< file server bind endpoint
    std::vector<std::string> shares;              ///< files or directories shared at start
    std::string downloads = "downloads";          ///< default download directory
    std::string peers_file;                       ///< "<name> - <host>:<port>" file, if any
    std::uint64_t upload_limit = 0;               ///< file server bytes per second, 0: none
    std::string cache_dir = ManifestCache::default_directory(); ///< manifest cache ("" : none)
    std::chrono::milliseconds tracker_timeout{5000}; ///< per tracker request
    SwarmTuning tuning;                           ///< windows, verification strikes, peer timeout
    bool insecure = false;                        ///< plain sockets: no keys, no encryption
    std::string tracker_key;                      ///< the tracker's key, or a file holding it
    std::string key_dir = protocol::default_state_directory("keys"); ///< "<name>.key[_secret]"
    std::uint64_t requester_in_flight = std::uint64_t(64) << 20; ///< file server: per requester
    std::uint64_t total_in_flight = std::uint64_t(256) << 20;    ///< file server: in all
};

class Node final : public CommandHandlers {
public:
    explicit Node(NodeOptions options);
    ~Node() override;

    /// Starts, runs commands until the input ends or `exit`, and leaves the tracker.
    /// Returns: the process exit status.
    int run();

private:
    // Life cycle (node.cpp).
    void on_initial_shares(Collected found);
    void on_started(const StartResult& result);
    void on_line(const std::string& line);
    void on_interrupt();
    void on_input_end();
    void on_signal();
    void on_table_changed();
    void leave_when_idle();
    void stop(int status);
    void say(const std::string& line);
    void warn(const std::string& line);
    /// Shares a file a download saved, then tells the tracker.
    /// Shares file `index` of `swarm`, in place now, and announces it.
    void share_download(const Swarm& swarm, std::size_t index, std::function<void(const std::string&)> done);

    // A command under way: the REPL waits for it (node_commands.cpp).
    void begin_pending(std::function<void()> cancel);
    void end_pending(Outcome outcome);

    // The commands (node_commands.cpp).
    Outcome list_users(const std::vector<std::string>& args) override;
    Outcome list_files(const std::vector<std::string>& args) override;
    Outcome register_paths(const std::vector<std::string>& args) override;
    Outcome unregister_paths(const std::vector<std::string>& args) override;
    Outcome download(const std::vector<std::string>& args, bool background) override;
    Outcome list_downloads(const std::vector<std::string>& args) override;
    Outcome cancel(const std::vector<std::string>& args) override;
    Outcome status(const std::vector<std::string>& args) override;
    Outcome help(const std::vector<std::string>& args) override;
    Outcome quit(const std::vector<std::string>& args) override;
    Outcome register_user(const std::vector<std::string>& args) override;
    Outcome refuse(const std::string& text) override;
    /// Returns: the paths of a `register` or `unregister` (commas and a leading own name, of
    /// the original forms, dropped), or nothing after refusing them.
    std::optional<std::vector<std::string>> paths_argument(const std::vector<std::string>& given,
                                                           std::string_view command);
    void on_collected(const std::vector<std::string>& given, Collected found);

    /// Sets up the keys. Returns: exit_status::ok, or the status to leave with (after saying why).
    int prepare_security();

    /// Where the node is in its life.
    enum class Phase { starting, online, leaving, stopped };

    NodeOptions m_options;
    zmq::context_t m_context{1};
    Reactor m_reactor;
    ManifestCache m_cache;
    SharedFiles m_shares;                        ///< what the file server may serve
    protocol::Security m_security;               ///< this node's keys (or plain)
    std::string m_tracker_key;                   ///< the tracker's public key
    MemberKeys m_member_keys;                    ///< the table's keys, for the file server
    std::unique_ptr<FileServerGate> m_gate;      ///< admits the table's keys (before the server)
    std::unique_ptr<Hasher> m_hasher;            ///< manifests, off the loop
    std::unique_ptr<ChunkWriter> m_writer;       ///< checks and writes received chunks, off the loop
    std::unique_ptr<FileServer> m_server;        ///< serves m_shares
    std::unique_ptr<TrackerSession> m_session;   ///< registration, liveness, the mirror
    std::unique_ptr<Repl> m_repl;                ///< commands in, lines out
    std::unique_ptr<DownloadManager> m_downloads;
    Phase m_phase = Phase::starting;
    int m_status = exit_status::ok;              ///< the exit status so far
    bool m_pending = false;                      ///< a command is under way
    std::function<void()> m_cancel_pending;      ///< how Ctrl-C stops it
    std::uint64_t m_pending_serial = 0;          ///< tells a command's continuations it is still theirs
    bool m_quit_asked = false;                   ///< exit or end of input: leave once idle
    bool m_said_waiting = false;                 ///< "waiting for downloads" was said
    Hasher::JobId m_start_job = 0;               ///< the initial --share hashing
    Reactor::Watch m_signals;
};

} // namespace zshare::node
