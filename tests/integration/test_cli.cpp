// Every binary answers --help and --version, and refuses a bad argument with one line.
#include "cluster.hpp"
#include "messages.hpp"

#include <catch2/catch.hpp>
#include <csignal>
#include <zmq.hpp>

using namespace zshare::testing;
using Stream = Process::Stream;

namespace {
struct Binary {
    const char* path;
    const char* name;
    std::vector<std::string> required; ///< arguments needed besides the bad one
};
const Binary binaries[] = {{ZSHARE_TRACKER_BIN, "zshare-tracker", {}},
                           {ZSHARE_NODE_BIN, "zshare-node", {"--name", "x"}},
                           {ZSHARE_TAP_BIN, "zshare-tap", {}}};
} // namespace

TEST_CASE("help, version and bad arguments", "[cli]") {
    for (const auto& binary : binaries) {
        INFO(binary.name);
        Process help({binary.path, "--help"});
        CHECK(help.wait_exit() == 0);
        CHECK(help.text(Stream::out).find("--help") != std::string::npos);

        Process version({binary.path, "--version"});
        CHECK(version.wait_exit() == 0);
        CHECK(version.text(Stream::out) == std::string(binary.name) + " " ZSHARE_VERSION "\n");

        std::vector<std::string> argv{binary.path, "--no-such-option"};
        argv.insert(argv.end(), binary.required.begin(), binary.required.end());
        Process bad(argv);
        const auto status = bad.wait_exit();
        REQUIRE(status);
        CHECK(*status != 0);
        const auto err = bad.lines(Stream::err);
        REQUIRE(err.size() == 1);
        CHECK(err[0].rfind("error: ", 0) == 0);
        CHECK(err[0].find("--no-such-option") != std::string::npos);
    }
}

TEST_CASE("node without a name is refused", "[cli]") {
    Process node({ZSHARE_NODE_BIN, "--tracker", "tcp://127.0.0.1:9"});
    CHECK(node.wait_exit() == 2);
    const auto err = node.lines(Stream::err);
    REQUIRE(err.size() == 1);
    CHECK(err[0].find("--name") != std::string::npos);
}

TEST_CASE("bad endpoints are refused with a reason", "[cli]") {
    Process tracker({ZSHARE_TRACKER_BIN, "--listen", "udp://nowhere"});
    CHECK(tracker.wait_exit() == 1);
    CHECK(tracker.lines(Stream::err).at(0).rfind("error: --listen must be tcp://HOST:PORT", 0) == 0);

    Process tap({ZSHARE_TAP_BIN, "--tracker", "localhost:7400"});
    CHECK(tap.wait_exit() == 2);
    CHECK(tap.lines(Stream::err).at(0).rfind("error:", 0) == 0);

    Process node({ZSHARE_NODE_BIN, "--tracker", "nonsense", "--name", "a"});
    CHECK(node.wait_exit() == 2);
    CHECK(node.lines(Stream::err).at(0).rfind("error:", 0) == 0);
}

TEST_CASE("tracker port already in use", "[cli]") {
    TrackerProcess first;
    Process second({ZSHARE_TRACKER_BIN, "--listen", first.endpoint()});
    CHECK(second.wait_exit() == 1);
    CHECK(second.text(Stream::err).find("error: cannot listen on " + first.endpoint()) != std::string::npos);
}

TEST_CASE("tracker exits 0 on SIGINT and SIGTERM", "[cli]") {
    for (const int signal_number : {SIGINT, SIGTERM}) {
        TrackerProcess tracker;
        tracker.process().signal(signal_number);
        CHECK(tracker.process().wait_exit() == 0);
    }
}

TEST_CASE("node started against no tracker fails with a reason", "[cli]") {
    TempDir dir;
    // A port nobody listens on: take a tracker's, then stop it.
    std::string endpoint, key;
    {
        TrackerProcess gone;
        endpoint = gone.endpoint();
        key = gone.key();
    }
    Process node({ZSHARE_NODE_BIN, "--tracker", endpoint, "--tracker-key=" + key, "--key-dir", dir / "keys",
                  "--name", "lonely", "--tracker-timeout-ms", "300"},
                 dir.path);
    CHECK(node.wait_exit() == 1);
    CHECK(node.text(Stream::err).find("error: tracker " + endpoint + " did not answer") != std::string::npos);
}

TEST_CASE("a bad value gets one plain line", "[cli]") {
    const struct {
        std::vector<std::string> argv;
        std::string line;
    } cases[] = {
        {{ZSHARE_NODE_BIN, "--name", "x", "--upload-limit", "7"},
         "error: --upload-limit: must be 0 (no limit) or a rate of at least 1 MiB/s such as 20MiB, not '7' (see --help)"},
        {{ZSHARE_NODE_BIN, "--name", "x", "--window", "lots"},
         "error: --window: must be a whole number from 2 to 256, not 'lots' (see --help)"},
        {{ZSHARE_TRACKER_BIN, "--heartbeat-ms", "5"},
         "error: --heartbeat-ms: must be a number of milliseconds from 10 to 3600000, not '5' (see --help)"},
        {{ZSHARE_TAP_BIN, "--tracker-timeout-ms", "-1"},
         "error: --tracker-timeout-ms: must be a number of milliseconds from 1 to 3600000, not '-1' (see --help)"},
    };
    for (const auto& c : cases) {
        Process bad(c.argv);
        CHECK(bad.wait_exit() == 2);
        CHECK(bad.lines(Stream::err) == std::vector<std::string>{c.line});
    }
    // --help is the synopsis, not a generated option list.
    Process help({ZSHARE_NODE_BIN, "--help"});
    CHECK(help.wait_exit() == 0);
    CHECK(help.text(Stream::out).rfind("usage: zshare-node --name NAME", 0) == 0);
}

TEST_CASE("a tracker of another protocol version is named as such", "[cli]") {
    // A stand-in for an old tracker: it answers every frame with a version 1 Error.
    zmq::context_t context(1);
    zmq::socket_t router(context, zmq::socket_type::router);
    router.set(zmq::sockopt::linger, 0);
    router.bind("tcp://127.0.0.1:*");
    const std::string endpoint = router.get(zmq::sockopt::last_endpoint);
    Process node({ZSHARE_NODE_BIN, "--tracker", endpoint, "--name", "x", "--cache-dir", "", "--insecure"});
    zmq::pollitem_t item{router.handle(), 0, ZMQ_POLLIN, 0};
    REQUIRE(zmq::poll(&item, 1, std::chrono::milliseconds(10000)) == 1);
    zmq::message_t id, request;
    REQUIRE(router.recv(id));
    REQUIRE(router.recv(request));
    // [1, "Error", {"code": "bad_message", "message": "unsupported protocol version 2"}]
    const std::string reply = std::string("\x93\x01\xa5" "Error\x82\xa4" "code\xab" "bad_message\xa7" "message\xa1" "x", 36);
    router.send(id, zmq::send_flags::sndmore);
    router.send(zmq::buffer(reply), zmq::send_flags::none);
    CHECK(node.wait_exit() == 1);
    CHECK(node.text(Stream::err).find("error: tracker " + endpoint + " speaks another version of the protocol "
                                      "(unsupported protocol version 1 (this side speaks " +
                                      std::to_string(zshare::protocol::protocol_version) + "))") != std::string::npos);
}
