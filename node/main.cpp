// zshare-node: a peer. Registers with the tracker, serves what it shares, downloads from other
// peers, and takes commands on standard input.
#include "cli_exit.hpp"
#include "node.hpp"
#include "stop_signal.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>

int main(int argc, char** argv) {
    zshare::node::NodeOptions options;
    long long tracker_timeout_ms = options.tracker_timeout.count();
    long long peer_timeout_ms = options.tuning.timeout.count();
    CLI::App app("zshare node: share files and download them straight from other peers.\n"
                 "Commands are read from standard input (type help).");
    app.set_version_flag("--version", std::string("zshare-node ") + ZSHARE_VERSION);
    app.add_option("--tracker", options.tracker, "tracker request endpoint")->capture_default_str();
    app.add_option("--name", options.name, "user name to register")->required();
    app.add_option("--listen", options.listen,
                   "file server endpoint (default: an ephemeral port on every interface)");
    app.add_option("--share", options.shares, "file or directory to share (repeatable)");
    app.add_option("--downloads", options.downloads, "where downloads go by default")
        ->capture_default_str();
    app.add_option("--peers-file", options.peers_file,
                   "keep a '<name> - <host>:<port>' list of peers in this file");
    app.add_option("--tracker-timeout-ms", tracker_timeout_ms, "wait this long for the tracker")
        ->capture_default_str()->check(CLI::Range(1LL, 3600000LL));
    app.add_option("--peer-timeout-ms", peer_timeout_ms, "a silent peer is unreachable after this")
        ->capture_default_str()->check(CLI::Range(1LL, 3600000LL));
    app.add_option("--window", options.tuning.max_window, "most chunk requests in flight to one peer")
        ->capture_default_str()->check(CLI::Range(2, 256));
    std::uint64_t upload_kib = 0;
    // Below 1 MiB/s, 1 MiB chunks would come slower than downloaders wait for a silent peer.
    app.add_option("--upload-limit", upload_kib,
                   "send at most this many KiB/s to other peers (0: no limit, else at least 1024)")
        ->capture_default_str()
        ->check(CLI::IsMember({std::uint64_t(0)}) | CLI::Range(std::uint64_t(1024), std::uint64_t(1) << 40));
    app.add_option("--cache-dir", options.cache_dir, "where manifests are cached (\"\": nowhere)")
        ->capture_default_str();
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return zshare::cli_exit(app, e);
    }
    options.tracker_timeout = std::chrono::milliseconds(tracker_timeout_ms);
    options.tuning.timeout = std::chrono::milliseconds(peer_timeout_ms);
    options.tuning.total_window = std::max(options.tuning.total_window, options.tuning.max_window);
    options.upload_limit = upload_kib << 10;
    zshare::install_stop_handlers();
    try {
        zshare::node::Node node(std::move(options));
        return node.run();
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << std::endl;
        return 1;
    }
}
