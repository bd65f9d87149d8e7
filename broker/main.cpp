// zshare-tracker: knows who is online and what they share; never touches file contents.
#include "cli.hpp"
#include "exit_status.hpp"
#include "signals.hpp"
#include "tracker.hpp"

#include <iostream>

namespace {
const char* const synopsis = R"(usage: zshare-tracker [--listen tcp://HOST:PORT] [--publish tcp://HOST:PORT]
                      [--heartbeat-ms MS] [--peer-ttl-ms MS] [-q]

The directory of a zshare group: who is online, where their file servers listen and what they
share. It never touches file contents: nodes fetch from each other.

  --listen tcp://HOST:PORT  requests from nodes and taps (default tcp://*:7400)
  --publish tcp://HOST:PORT the event stream (default: the --listen port + 1)
  --heartbeat-ms MS         how often a Heartbeat goes out and nodes Ping (default 1000)
  --peer-ttl-ms MS          drop a node silent this long (default 5000, at least twice the
                            heartbeat)
  -q, --quiet               do not log each change on stderr
  --version, -h/--help

It prints "zshare-tracker ready: ..." on stdout once both endpoints are bound and runs until
SIGINT or SIGTERM. Exit status: 0 after a signal, 1 when it cannot start, 2 for a bad argument.
)";
} // namespace

int main(int argc, char** argv) {
    zshare::broker::TrackerOptions options;
    bool quiet = false;
    CLI::App app("zshare-tracker");
    zshare::prepare_app(app, std::string("zshare-tracker ") + ZSHARE_VERSION);
    app.add_option("--listen", options.listen);
    app.add_option("--publish", options.publish);
    app.add_flag("-q,--quiet", quiet);
    zshare::add_milliseconds(app, "--heartbeat-ms", options.heartbeat, 10, 3600000);
    zshare::add_milliseconds(app, "--peer-ttl-ms", options.peer_ttl, 20, 86400000);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return zshare::cli_exit(app, e, synopsis);
    }
    options.verbose = !quiet;
    if (options.peer_ttl < 2 * options.heartbeat) {
        std::cerr << "error: --peer-ttl-ms must be at least twice --heartbeat-ms (see --help)" << std::endl;
        return zshare::exit_status::refused;
    }
    zshare::install_signal_handlers();
    try {
        zmq::context_t context(1);
        zshare::broker::Tracker tracker(context, options);
        std::cout << "zshare-tracker ready: requests on " << tracker.control_endpoint()
                  << ", events on " << tracker.event_endpoint() << std::endl;
        tracker.run();
        std::cerr << "zshare-tracker: stopping" << std::endl;
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << std::endl;
        return zshare::exit_status::failed;
    }
    return zshare::exit_status::ok;
}
