// zshare-tap: watches the tracker's broadcasts. Prints the current table first (lines marked
// as snapshot), then each event as it happens, one line each, flushed, so it works in a pipe.
#include "cli.hpp"
#include "endpoint.hpp"
#include "event_format.hpp"
#include "exit_status.hpp"
#include "reactor.hpp"
#include "signals.hpp"
#include "tracker_session.hpp"

#include <iostream>

using namespace zshare;

namespace {
const char* const synopsis = R"(usage: zshare-tap [--tracker tcp://HOST:PORT] [--json] [--tracker-timeout-ms MS]

Prints the tracker's table (lines marked "snapshot"), then every change as it happens, one line
each, flushed, so that it works in a pipe. It holds no name and shares nothing.

  --tracker tcp://HOST:PORT   the tracker's request endpoint (default tcp://127.0.0.1:7400)
  --json                      one JSON object per line instead of text
  --tracker-timeout-ms MS     how long to wait for the tracker at the start (default 5000)
  --version, -h/--help

It runs until SIGINT or SIGTERM, riding through tracker restarts. Exit status: 0 after a
signal, 1 when the tracker cannot be reached at the start, 2 for a bad argument.
)";
} // namespace

int main(int argc, char** argv) {
    node::SessionConfig config;
    config.tracker = "tcp://127.0.0.1:7400";
    config.observer = true;
    bool json = false;
    CLI::App app("zshare-tap");
    prepare_app(app, std::string("zshare-tap ") + ZSHARE_VERSION);
    app.add_option("--tracker", config.tracker);
    app.add_flag("--json", json);
    add_milliseconds(app, "--tracker-timeout-ms", config.timeout, 1, 3600000);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return cli_exit(app, e, synopsis);
    }
    if (!protocol::parse_tcp_endpoint(config.tracker)) {
        std::cerr << "error: --tracker must be tcp://HOST:PORT, not '" << config.tracker << "'" << std::endl;
        return exit_status::refused;
    }
    install_signal_handlers();
    try {
        zmq::context_t context(1);
        Reactor reactor;
        node::TrackerSession session(context, reactor, config);
        tools::EventPrinter printer(std::cout, json);
        session.feed().on_change = [&](const node::MirrorFeed::Change& change) {
            if (change.snapshot)
                printer.snapshot(session.mirror());
            else
                printer.event(change.event);
        };
        session.on_notice = [](bool error, const std::string& text) {
            std::cerr << (error ? "error: " : "zshare-tap: ") << text << std::endl;
        };
        int status = exit_status::ok;
        bool failed = false;
        session.start([&](const node::StartResult& result) {
            if (result.status != exit_status::ok) {
                std::cerr << "error: " << result.error << std::endl;
                status = result.status;
                failed = true;
            }
        });
        auto signals = reactor.watch_fd(signal_fd(), [] { drain_signal_fd(); });
        while (!stop_requested() && !failed)
            reactor.run_once();
        return status;
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << std::endl;
        return exit_status::failed;
    }
}
