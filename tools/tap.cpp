// zshare-tap: watches the tracker's broadcasts. Prints the current table first (lines marked
// as snapshot), then each event as it happens, one line each, flushed, so it works in a pipe.
#include "cli.hpp"
#include "endpoint.hpp"
#include "event_format.hpp"
#include "exit_status.hpp"
#include "reactor.hpp"
#include "signals.hpp"
#include "curve_keys.hpp"
#include "tracker_session.hpp"

#include <cstdlib>
#include <iostream>

using namespace zshare;

namespace {
const char* const synopsis = R"(usage: zshare-tap --tracker-key=KEY [--tracker tcp://HOST:PORT] [--json]
                  [--key-dir DIR --name NAME] [--tracker-timeout-ms MS]
       zshare-tap --insecure [...]

Prints the tracker's table (lines marked "snapshot"), then every change as it happens, one line
each, flushed, so that it works in a pipe. It holds no name and shares nothing.

  --tracker tcp://HOST:PORT   the tracker's request endpoint (default tcp://127.0.0.1:7400)
  --tracker-key=KEY           the tracker's public key, or a file that holds it; also read
                              from ZSHARE_TRACKER_KEY
  --key-dir DIR --name NAME   connect with the key pair of member NAME (a closed group admits
                              members only); without them a new key pair is made for the run
  --insecure                  no encryption (only with a tracker that runs --insecure)
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
    std::string tracker_key, key_dir, name;
    bool insecure = false;
    CLI::App app("zshare-tap");
    prepare_app(app, std::string("zshare-tap ") + ZSHARE_VERSION);
    app.add_option("--tracker", config.tracker);
    app.add_flag("--json", json);
    app.add_option("--tracker-key", tracker_key);
    app.add_option("--key-dir", key_dir);
    app.add_option("--name", name);
    app.add_flag("--insecure", insecure);
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
    if (tracker_key.empty())
        if (const char* key = std::getenv("ZSHARE_TRACKER_KEY"))
            tracker_key = key;
    if (insecure) {
        config.security.curve = false;
        std::cerr << "zshare-tap: warning: --insecure: nothing is encrypted" << std::endl;
    } else {
        std::string error;
        const auto key = tracker_key.empty() ? std::nullopt : protocol::resolve_public_key(tracker_key, error);
        if (!key) {
            std::cerr << "error: " << (tracker_key.empty() ? "the tracker's public key is needed: give --tracker-key "
                                                             "KEY (`zshare-tracker --print-key` shows it)"
                                                           : "--tracker-key: " + error)
                      << std::endl;
            return exit_status::refused;
        }
        config.tracker_key = *key;
        if (key_dir.empty() != name.empty()) {
            std::cerr << "error: --key-dir and --name go together (see --help)" << std::endl;
            return exit_status::refused;
        }
        if (!name.empty() && !protocol::valid_peer_name(name)) { // it names a file in --key-dir
            std::cerr << "error: --name '" << name << "' is not a user name (see --help)" << std::endl;
            return exit_status::refused;
        }
        auto keys = name.empty() ? std::optional(protocol::make_key_pair())
                                 : protocol::load_or_make_key_pair(key_dir, name, error);
        if (!keys) {
            std::cerr << "error: " << error << std::endl;
            return exit_status::failed;
        }
        config.security = {true, *keys};
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
