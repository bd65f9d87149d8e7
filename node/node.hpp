// The node: registers with the tracker, mirrors the peer table, serves its registered files
// (FileServer actor) and runs the REPL and its downloads, all from one zmq::poll loop.
#pragma once

#include "file_server.hpp"
#include "line_input.hpp"
#include "shared_files.hpp"
#include "swarm.hpp"
#include "tracker_link.hpp"

#include <chrono>
#include <map>
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
};

/// Exit statuses of zshare-node.
namespace exit_status {
inline constexpr int ok = 0;         ///< every command succeeded
inline constexpr int failed = 1;     ///< a command failed, or start-up did
inline constexpr int name_taken = 2; ///< another live node holds the name (or a bad argument)
} // namespace exit_status

class Node {
public:
    explicit Node(NodeOptions options);
    ~Node();

    /// Starts, runs commands until the input ends or `exit`, and leaves the tracker.
    /// Returns: the process exit status.
    int run();

private:
    /// What a command did.
    enum class Outcome { ok, failed, pending, quit };

    int start();
    void loop();
    void leave();
    Outcome execute(const std::string& line);
    Outcome list_users();
    Outcome list_files(const std::vector<std::string>& args);
    Outcome register_paths(std::vector<std::string> args);
    Outcome unregister_paths(std::vector<std::string> args);
    Outcome download(std::vector<std::string> args);
    Outcome list_downloads();
    Outcome cancel(const std::vector<std::string>& args);
    Outcome help();
    /// One download under way.
    struct Transfer {
        std::unique_ptr<Swarm> swarm;                      ///< the download itself
        bool background = false;                           ///< started with '&': input goes on
        std::uint64_t epoch = 0;                           ///< tracker run it started under
        std::chrono::steady_clock::time_point next_report; ///< next live progress line
    };
    bool foreground_busy() const;
    void step_transfers(const std::vector<zmq::pollitem_t>& items, const std::vector<std::size_t>& firsts);
    void on_transfer_finished(unsigned id, Transfer& transfer);
    void show_progress(unsigned id, const Transfer& transfer);
    void sync_transfer_sources();
    /// Returns: every other user's copy of `content_id`, one per user.
    std::vector<Source> holders_of(const std::string& content_id) const;
    /// Sends the current share list to the tracker and waits until the mirror shows it.
    /// Returns: an empty string once the tracker took it, or why it did not.
    std::string announce_shares();
    /// Drops a leading "<own name>" (the original `register <user> <files>` form).
    std::string drop_own_name(std::vector<std::string>& args) const;
    std::optional<std::vector<std::string>> complete(const std::vector<std::string>& before,
                                                     const std::string& prefix) const;
    void on_mirror_changed();
    /// Heartbeats: sends a Ping when due, notices a silent tracker, registers again when the
    /// tracker no longer knows this node (it restarted, or dropped us after a long silence).
    void keep_alive(std::chrono::steady_clock::time_point now);
    bool register_again();
    /// Takes the heartbeat interval and TTL the tracker hands out.
    void adopt_timing(const protocol::Connected& connected);
    Outcome status();
    Outcome failure(const std::string& reason);

    NodeOptions m_options;
    zmq::context_t m_context{1};
    SharedFiles m_shares;                   ///< what the file server may serve
    std::unique_ptr<FileServer> m_server;   ///< serves m_shares
    std::unique_ptr<TrackerLink> m_tracker; ///< requests and the mirror
    std::unique_ptr<LineInput> m_input;     ///< the REPL's lines
    ManifestCache m_cache;                  ///< manifests of files shared before
    std::map<unsigned, Transfer> m_transfers; ///< downloads under way, by id
    unsigned m_next_transfer = 1;           ///< id of the next download
    bool m_any_failed = false;              ///< a command failed: exit status 1
    bool m_connected = false;               ///< registered with the tracker
    std::uint64_t m_registered_epoch = 0;   ///< the tracker run that holds our registration
    bool m_need_register = false;           ///< the tracker does not know us: Connect again
    bool m_refused_again = false;           ///< the last Connect again was refused (said once)
    bool m_tracker_reachable = true;        ///< heard from within the TTL
    std::chrono::milliseconds m_heartbeat{1000}; ///< Ping interval, from the tracker
    std::chrono::milliseconds m_ttl{5000};  ///< silence after which the tracker counts as gone
    std::chrono::steady_clock::time_point m_next_ping;     ///< when to Ping next
    std::chrono::steady_clock::time_point m_next_register; ///< earliest next Connect attempt
};

} // namespace zshare::node
