// zshare-tap: watches the tracker's broadcasts. Prints the current table first (lines marked
// as snapshot), then each event as it happens, one line each, flushed, so it works in a pipe.
#include "cli_exit.hpp"
#include "event_format.hpp"
#include "stop_signal.hpp"
#include "endpoint.hpp"
#include "tracker_link.hpp"
#include "wire.hpp"

#include <CLI/CLI.hpp>
#include <iostream>

using namespace zshare;

int main(int argc, char** argv) {
    std::string tracker = "tcp://127.0.0.1:7400";
    bool json = false;
    long long timeout_ms = 5000;
    CLI::App app("zshare tap: print the tracker's table, then every event as it happens");
    app.set_version_flag("--version", std::string("zshare-tap ") + ZSHARE_VERSION);
    app.add_option("--tracker", tracker, "tracker request endpoint")->capture_default_str();
    app.add_flag("--json", json, "one JSON object per line");
    app.add_option("--tracker-timeout-ms", timeout_ms, "wait this long for the tracker")
        ->capture_default_str()->check(CLI::Range(1LL, 3600000LL));
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return cli_exit(app, e);
    }
    if (!protocol::parse_tcp_endpoint(tracker)) {
        std::cerr << "error: --tracker must be tcp://HOST:PORT, not '" << tracker << "'" << std::endl;
        return 2;
    }
    install_stop_handlers();
    try {
        zmq::context_t context(1);
        node::TrackerLink link(context, tracker, std::chrono::milliseconds(timeout_ms));
        tools::EventPrinter printer(std::cout, json);
        link.on_change = [&](const node::TrackerLink::Change& change) {
            if (change.snapshot)
                printer.snapshot(link.mirror());
            else
                printer.event(change.event);
        };
        const protocol::Decoded reply = link.request(protocol::Hello{});
        if (!reply) {
            std::cerr << "error: " << reply.error << std::endl;
            return 1;
        }
        const auto* welcome = std::get_if<protocol::Welcome>(&*reply.message);
        if (!welcome) {
            std::cerr << "error: the tracker answered Hello with "
                      << protocol::type_name(*reply.message) << std::endl;
            return 1;
        }
        if (auto problem = link.subscribe(welcome->publish); !problem.empty()) {
            std::cerr << "error: " << problem << std::endl;
            return 1;
        }
        while (!stop_requested()) {
            zmq::pollitem_t items[] = {{link.events().handle(), 0, ZMQ_POLLIN, 0},
                                       {nullptr, stop_fd(), ZMQ_POLLIN, 0}};
            try {
                zmq::poll(items, 2, std::chrono::milliseconds(-1));
            } catch (const zmq::error_t& e) {
                if (e.num() == EINTR)
                    continue;
                throw;
            }
            link.drain_events();
        }
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << std::endl;
        return 1;
    }
    return 0;
}
