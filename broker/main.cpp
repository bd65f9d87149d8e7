// zshare-tracker: knows who is online and what they share; never touches file contents.
#include "cli_exit.hpp"
#include "stop_signal.hpp"
#include "tracker.hpp"

#include <CLI/CLI.hpp>
#include <iostream>

int main(int argc, char** argv) {
    zshare::broker::TrackerOptions options;
    bool quiet = false;
    CLI::App app("zshare tracker: the directory of peers and their shared files");
    app.set_version_flag("--version", std::string("zshare-tracker ") + ZSHARE_VERSION);
    app.add_option("--listen", options.listen, "ROUTER endpoint for requests")
        ->capture_default_str();
    app.add_option("--publish", options.publish,
                   "event (XPUB) endpoint (default: the port after --listen's)");
    app.add_flag("-q,--quiet", quiet, "do not log each change on stderr");
    long long heartbeat_ms = options.heartbeat.count();
    app.add_option("--heartbeat-ms", heartbeat_ms, "publish a Heartbeat this often; nodes Ping as often")
        ->capture_default_str()->check(CLI::Range(10LL, 3600000LL));
    long long ttl_ms = options.peer_ttl.count();
    app.add_option("--peer-ttl-ms", ttl_ms, "drop a peer silent this long")
        ->capture_default_str()->check(CLI::Range(20LL, 86400000LL));
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return zshare::cli_exit(app, e);
    }
    options.verbose = !quiet;
    options.heartbeat = std::chrono::milliseconds(heartbeat_ms);
    options.peer_ttl = std::chrono::milliseconds(ttl_ms);
    if (options.peer_ttl < 2 * options.heartbeat) {
        std::cerr << "error: --peer-ttl-ms must be at least twice --heartbeat-ms (see --help)" << std::endl;
        return 2;
    }
    zshare::install_stop_handlers();
    try {
        zmq::context_t context(1);
        zshare::broker::Tracker tracker(context, options);
        std::cout << "zshare-tracker ready: requests on " << tracker.control_endpoint()
                  << ", events on " << tracker.event_endpoint() << std::endl;
        tracker.run();
        std::cerr << "zshare-tracker: stopping" << std::endl;
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << std::endl;
        return 1;
    }
    return 0;
}
