// zshare-tracker: knows who is online and what they share; never touches file contents.
#include "cli.hpp"
#include "curve_keys.hpp"
#include "endpoint.hpp"
#include "exit_status.hpp"
#include "file_io.hpp"
#include "signals.hpp"
#include "tracker.hpp"

#include "interfaces.hpp"

#include <iostream>

namespace {
const char* const synopsis = R"(usage: zshare-tracker [--listen tcp://HOST:PORT] [--publish tcp://HOST:PORT]
                      [--state-dir DIR] [--members FILE] [--insecure]
                      [--heartbeat-ms MS] [--peer-ttl-ms MS] [-q]
       zshare-tracker --print-key [--state-dir DIR]
       zshare-tracker --release NAME [--state-dir DIR]

The directory of a zshare group: who is online, where their file servers listen and what they
share. It never touches file contents: nodes fetch from each other. Everything it says and
hears is encrypted and authenticated (CURVE); a name belongs to the key that first registers
it.

  --listen tcp://HOST:PORT  requests from nodes and taps (default tcp://*:7400)
  --publish tcp://HOST:PORT the event stream (default: the --listen port + 1)
  --state-dir DIR           the tracker's key pair (tracker.key, tracker.key_secret) and the
                            names bound to keys (default ~/.local/state/zshare/tracker)
  --members FILE            a closed group: only the "<name> <key>" pairs of FILE may connect
  --insecure                no encryption, no keys: anyone can claim any name
  --heartbeat-ms MS         how often a Heartbeat goes out and nodes Ping (default 1000)
  --peer-ttl-ms MS          drop a node silent this long (default 5000, at least twice the
                            heartbeat)
  -q, --quiet               do not log each change on stderr
  --print-key               print the tracker's public key (made if need be) and exit
  --release NAME            free a name whose key was lost, and exit
  --version, -h/--help

At start it prints "zshare-tracker key: <public key>", then "zshare-tracker ready: ..." with
a command that joins a node, and runs until SIGINT or SIGTERM. Exit status: 0 after a signal,
1 when it cannot start, 2 for a bad argument.
)";

/// Returns: the command line that joins a node to this tracker, ready to paste.
std::string join_command(const std::string& control_endpoint, const zshare::protocol::Security& security) {
    auto endpoint = zshare::protocol::parse_tcp_endpoint(control_endpoint);
    if (endpoint && endpoint->wildcard_host())
        endpoint->host = zshare::interface_addresses().empty() ? "127.0.0.1" : zshare::interface_addresses()[0];
    const std::string tracker = endpoint ? endpoint->str() : control_endpoint;
    std::string command = "zshare-node --tracker " + tracker;
    command += security.curve ? " --tracker-key=" + zshare::protocol::shell_quoted(security.keys.public_key)
                              : std::string(" --insecure");
    return command + " --name NAME";
}
} // namespace

int main(int argc, char** argv) {
    using namespace zshare;
    broker::TrackerOptions options;
    bool quiet = false, insecure = false, print_key = false;
    std::string state_dir = protocol::default_state_directory("tracker"), members_file, release;
    CLI::App app("zshare-tracker");
    prepare_app(app, std::string("zshare-tracker ") + ZSHARE_VERSION);
    app.add_option("--listen", options.listen);
    app.add_option("--publish", options.publish);
    app.add_option("--state-dir", state_dir);
    app.add_option("--members", members_file);
    app.add_option("--release", release);
    app.add_flag("--print-key", print_key);
    app.add_flag("--insecure", insecure);
    app.add_flag("-q,--quiet", quiet);
    add_milliseconds(app, "--heartbeat-ms", options.heartbeat, 10, 3600000);
    add_milliseconds(app, "--peer-ttl-ms", options.peer_ttl, 20, 86400000);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return cli_exit(app, e, synopsis);
    }
    options.verbose = !quiet;
    if (options.peer_ttl < 2 * options.heartbeat) {
        std::cerr << "error: --peer-ttl-ms must be at least twice --heartbeat-ms (see --help)" << std::endl;
        return exit_status::refused;
    }
    if (state_dir.empty() && !insecure) {
        std::cerr << "error: no --state-dir, and neither XDG_STATE_HOME nor HOME is set" << std::endl;
        return exit_status::refused;
    }
    if (insecure && (print_key || !release.empty() || !members_file.empty())) {
        std::cerr << "error: --insecure has no keys: it goes with neither --print-key, --release nor --members"
                  << std::endl;
        return exit_status::refused;
    }
    try {
        std::unique_ptr<broker::NameBindings> bindings;
        if (!insecure) {
            std::string error;
            auto keys = protocol::load_or_make_key_pair(state_dir, "tracker", error);
            if (!keys) {
                std::cerr << "error: " << error << std::endl;
                return exit_status::failed;
            }
            if (print_key) {
                std::cout << keys->public_key << std::endl;
                return exit_status::ok;
            }
            bindings = std::make_unique<broker::NameBindings>(state_dir + "/names.sqlite");
            if (!release.empty()) {
                if (!bindings->release(release)) {
                    std::cerr << "error: no name '" << release << "' is bound to a key" << std::endl;
                    return exit_status::failed;
                }
                std::cout << "released " << release << ": the next key to register it owns it" << std::endl;
                return exit_status::ok;
            }
            options.security = {true, *keys};
            options.bindings = bindings.get();
            if (!members_file.empty()) {
                std::string text;
                if (!read_whole_file(members_file, text, error) ||
                    !(options.members = broker::parse_members(text, error))) {
                    std::cerr << "error: --members " << members_file << ": " << error << std::endl;
                    return exit_status::refused;
                }
            }
        } else {
            options.security.curve = false;
            std::cerr << "zshare-tracker: warning: --insecure: nothing is encrypted, and anyone can claim any name"
                      << std::endl;
        }
        install_signal_handlers();
        zmq::context_t context(1);
        broker::Tracker tracker(context, options);
        if (options.security.curve)
            std::cout << "zshare-tracker key: " << options.security.keys.public_key << std::endl;
        std::cout << "zshare-tracker ready: requests on " << tracker.control_endpoint() << ", events on "
                  << tracker.event_endpoint() << "; join with: "
                  << join_command(tracker.control_endpoint(), options.security) << std::endl;
        tracker.run();
        std::cerr << "zshare-tracker: stopping" << std::endl;
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << std::endl;
        return exit_status::failed;
    }
    return exit_status::ok;
}
