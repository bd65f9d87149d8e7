// Security by default: keys, names bound to keys, closed groups, file servers that admit only
// members, and bounds under attack. Real processes and real sockets; the attacker is this test,
// speaking the protocol by hand as a client written from docs/protocol.md would.
#include "cluster.hpp"
#include "curve_socket.hpp"
#include "handshake_monitor.hpp"
#include "loopback_capture.hpp"
#include "reactor.hpp"
#include "tcp_relay.hpp"
#include "wire.hpp"

#include <catch2/catch.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace zshare::testing;
using namespace zshare::protocol;
using Stream = Process::Stream;
namespace fs = std::filesystem;

namespace {

/// Waits up to `timeout` for one reply on `socket`. Returns: it, or nothing.
std::optional<Decoded> reply_on(zmq::socket_t& socket, std::chrono::milliseconds timeout = 10s) {
    zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
    if (zshare::poll_items(&item, 1, timeout) <= 0)
        return std::nullopt;
    zmq::message_t frame;
    if (!socket.recv(frame, zmq::recv_flags::dontwait))
        return std::nullopt;
    DecodeLimits limits;
    limits.max_bytes = 64u << 20;
    limits.max_frame = 65u << 20;
    return decode(frame, limits);
}

/// Sends `request` and waits for its reply.
std::optional<Decoded> ask(zmq::socket_t& socket, const Message& request, std::chrono::milliseconds timeout = 10s) {
    static std::uint64_t next_id = 1;
    if (!send(socket, request, next_id++)) {
        zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLOUT, 0};
        zshare::poll_items(&item, 1, timeout);
        if (!send(socket, request, next_id++))
            return std::nullopt;
    }
    return reply_on(socket, timeout);
}

std::string error_code_of(const std::optional<Decoded>& reply) {
    REQUIRE(reply);
    REQUIRE(*reply);
    const auto* error = std::get_if<Error>(&*reply->message);
    return error ? error->code : std::string("(") + std::string(type_name(*reply->message)) + ")";
}

/// The row of `name` in the tracker's table, fetched by a client of its own.
std::optional<PeerInfo> row_of(const TrackerProcess& tracker, const std::string& name) {
    zmq::context_t context(1);
    zmq::socket_t client = connect_to_tracker(context, tracker);
    std::string error;
    const auto table = fetch_snapshot(client, error);
    if (!table)
        return std::nullopt;
    for (const auto& peer : table->peers)
        if (peer.name == name)
            return peer;
    return std::nullopt;
}

/// A DEALER to a node's file server: CURVE with `keys` against `server_key`, or plain.
zmq::socket_t file_server_client(zmq::context_t& context, const PeerInfo& holder, const KeyPair* keys) {
    zmq::socket_t socket = make_socket(context, zmq::socket_type::dealer, 65 << 20);
    if (keys)
        make_curve_client(socket, *keys, holder.key);
    socket.connect(holder.endpoint);
    return socket;
}

/// Starts a node with `args` and no more, and returns its exit status and standard error.
ScriptRun run_node(std::vector<std::string> args, const std::string& cwd) {
    args.insert(args.begin(), ZSHARE_NODE_BIN);
    Process node(args, cwd);
    node.close_stdin();
    ScriptRun run;
    run.status = node.wait_exit(30s).value_or(-1);
    run.err = node.text(Stream::err);
    run.out = node.text(Stream::out);
    return run;
}

/// Returns: the resident memory of process `pid`, in KiB.
std::size_t resident_kib(pid_t pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(status, line);)
        if (line.rfind("VmRSS:", 0) == 0)
            return std::stoul(line.substr(6));
    return 0;
}

} // namespace

TEST_CASE("a node without the tracker's key is told how to get it", "[security]") {
    TempDir dir;
    TrackerProcess tracker;
    const auto run = run_node({"--tracker", tracker.endpoint(), "--name", "alice", "--key-dir", dir / "k"}, dir.path);
    CHECK(run.status == 2);
    CHECK(run.err.rfind("error: the tracker's public key is needed: give --tracker-key", 0) == 0);
    CHECK(run.err.find("zshare-tracker --print-key") != std::string::npos);
    CHECK(std::count(run.err.begin(), run.err.end(), '\n') == 1);
}

TEST_CASE("a wrong tracker key is named as the likely cause", "[security]") {
    TempDir dir;
    TrackerProcess tracker;
    const std::string wrong = make_key_pair().public_key;
    const auto start = std::chrono::steady_clock::now();
    const auto run = run_node({"--tracker", tracker.endpoint(), "--tracker-key=" + wrong, "--name", "alice",
                               "--key-dir", dir / "k", "--tracker-timeout-ms", "5000"},
                              dir.path);
    CHECK(run.status == 1);
    CHECK(std::chrono::steady_clock::now() - start < 10s); // within the tracker timeout
    CHECK(run.err.find("error: the handshake with tracker " + tracker.endpoint() +
                       " failed: most likely it does not hold the key given with --tracker-key") != std::string::npos);
    // The tap says the same.
    Process tap({ZSHARE_TAP_BIN, "--tracker", tracker.endpoint(), "--tracker-key=" + wrong});
    CHECK(tap.wait_exit() == 1);
    CHECK(tap.text(Stream::err).find("does not hold the key given with --tracker-key") != std::string::npos);
    // A plain node meets an encrypting tracker.
    const auto plain = run_node({"--tracker", tracker.endpoint(), "--insecure", "--name", "bob"}, dir.path);
    CHECK(plain.status == 1);
    CHECK(plain.err.find("encrypts its connections: give --tracker-key") != std::string::npos);
}

TEST_CASE("the tracker's key: printed at start, on demand, and in a command to paste", "[security]") {
    TempDir dir;
    TrackerProcess tracker({"--state-dir", dir / "state"});
    REQUIRE(valid_key(tracker.key()));
    Process print({ZSHARE_TRACKER_BIN, "--print-key", "--state-dir", dir / "state"});
    CHECK(print.wait_exit() == 0);
    CHECK(print.text(Stream::out) == tracker.key() + "\n");
    const std::string out = tracker.process().text(Stream::out);
    CHECK(out.find("--tracker-key=" + shell_quoted(tracker.key())) != std::string::npos);
    CHECK(out.find("zshare-tracker key: " + tracker.key() + "\n") < out.find("ready"));
    // The key files are certificates in czmq's format, the secret one private.
    CHECK(fs::status(dir / "state/tracker.key_secret").permissions() == (fs::perms::owner_read | fs::perms::owner_write));
    CHECK(read_file(dir / "state/tracker.key").find("public-key = \"" + tracker.key() + "\"") != std::string::npos);
}

TEST_CASE("a name belongs to the first key that registers it, across restarts, until released", "[security]") {
    TempDir dir;
    fs::create_directories(dir / "a");
    fs::create_directories(dir / "m");
    auto tracker = std::make_unique<TrackerProcess>(std::vector<std::string>{"--state-dir", dir / "state"});
    {
        auto alice = start_node(*tracker, "alice", dir / "a");
        // A second live node with the same name is refused even with the same key.
        const auto twin = run_script(*tracker, "alice", dir / "a", "");
        CHECK(twin.status == 2);
        CHECK(twin.err.find("is held by another live node") != std::string::npos);
    } // alice leaves
    const auto impostor = run_script(*tracker, "alice", dir / "m", "");
    CHECK(impostor.status == 2);
    CHECK(impostor.err.find("error: the tracker refused 'alice': the name 'alice' belongs to another key") !=
          std::string::npos);

    // The binding outlives the tracker.
    tracker = std::make_unique<TrackerProcess>(std::vector<std::string>{"--state-dir", dir / "state"});
    CHECK(run_script(*tracker, "alice", dir / "m", "").status == 2);
    CHECK(run_script(*tracker, "alice", dir / "a", "").status == 0);

    // A lost key: the name is freed by hand, and the next key to ask owns it.
    tracker.reset();
    Process release({ZSHARE_TRACKER_BIN, "--release", "alice", "--state-dir", dir / "state"});
    CHECK(release.wait_exit() == 0);
    CHECK(release.text(Stream::out).find("released alice") != std::string::npos);
    Process again({ZSHARE_TRACKER_BIN, "--release", "alice", "--state-dir", dir / "state"});
    CHECK(again.wait_exit() == 1);
    tracker = std::make_unique<TrackerProcess>(std::vector<std::string>{"--state-dir", dir / "state"});
    CHECK(run_script(*tracker, "alice", dir / "m", "").status == 0);
    CHECK(run_script(*tracker, "alice", dir / "a", "").status == 2);
    // Released while the tracker runs: it reads the binding again when the name is asked for.
    Process live_release({ZSHARE_TRACKER_BIN, "--release", "alice", "--state-dir", dir / "state"});
    CHECK(live_release.wait_exit() == 0);
    CHECK(run_script(*tracker, "alice", dir / "a", "").status == 0);
    CHECK(run_script(*tracker, "alice", dir / "m", "").status == 2);
}

TEST_CASE("a members file closes the group", "[security]") {
    TempDir dir;
    std::string error;
    const auto alice = load_or_make_key_pair(dir / "a/.zshare-keys", "alice", error);
    REQUIRE(alice);
    fs::create_directories(dir / "b");
    // carol presents alice's key under another name.
    fs::create_directories(dir / "c/.zshare-keys");
    fs::copy_file(dir / "a/.zshare-keys/alice.key_secret", dir / "c/.zshare-keys/carol.key_secret");
    write_file(dir / "members", "# the group\n  # indented comment\n\nalice " + alice->public_key + "\n");
    TrackerProcess tracker({"--members", dir / "members"});

    auto node = start_node(tracker, "alice", dir / "a");
    const auto stranger = run_script(tracker, "bob", dir / "b", "");
    CHECK(stranger.status == 2);
    CHECK(stranger.err.find("refused this node's key") != std::string::npos);
    CHECK(stranger.err.find("it is not a member of the group") != std::string::npos);
    const auto wrong_name = run_script(tracker, "carol", dir / "c", "");
    CHECK(wrong_name.status == 2);
    CHECK(wrong_name.err.find("'carol' is not a member name of this group") != std::string::npos);

    // A tap needs a member's key too: events are for members only.
    auto anonymous = start_tap(tracker);
    CHECK(anonymous->wait_exit() == 2);
    CHECK(anonymous->text(Stream::err).find("refused this tap's key") != std::string::npos);
    auto member_tap = start_tap(tracker, {"--key-dir", dir / "a/.zshare-keys", "--name", "alice"});
    CHECK(member_tap->wait_for(Stream::out, "snapshot seq=1 RegisterPeer alice "));
}

TEST_CASE("strangers and plain clients get no byte from a file server", "[security]") {
    TempDir dir;
    write_file(dir / "a/secret.txt", "the secret");
    TrackerProcess tracker;
    auto alice = start_node(tracker, "alice", dir / "a", {"--share", "secret.txt"});
    const auto holder = row_of(tracker, "alice");
    REQUIRE(holder);
    REQUIRE(valid_key(holder->key));

    zmq::context_t context(1);
    zshare::Reactor reactor;
    const KeyPair stranger_keys = make_key_pair();
    zmq::socket_t stranger = file_server_client(context, *holder, &stranger_keys);
    bool refused = false;
    HandshakeMonitor monitor(context, reactor, stranger, [&](const HandshakeMonitor::Event& event) {
        refused = refused || event.failure() == HandshakeFailure::refused;
    });
    (void)send(stranger, GetManifest{dir / "a/secret.txt"}, 1);
    REQUIRE(wait_until([&] {
        reactor.run_once(10ms);
        return refused;
    }));
    CHECK_FALSE(reply_on(stranger, 500ms)); // nothing, ever

    zmq::socket_t plain = file_server_client(context, *holder, nullptr);
    (void)send(plain, GetManifest{dir / "a/secret.txt"}, 1);
    CHECK_FALSE(reply_on(plain, 3s));
}

TEST_CASE("a user who leaves is refused on the connection it has", "[security]") {
    TempDir dir;
    write_file(dir / "a/shared.txt", "shared bytes");
    TrackerProcess tracker;
    auto alice = start_node(tracker, "alice", dir / "a", {"--share", "shared.txt"});
    const auto holder = row_of(tracker, "alice");
    REQUIRE(holder);

    // A visitor registers by hand, with a key of its own.
    zmq::context_t context(1);
    const KeyPair visitor_keys = make_key_pair();
    zmq::socket_t session = connect_to_tracker(context, tracker, &visitor_keys);
    const auto connected = ask(session, Connect{"visitor", "tcp://127.0.0.1:9", {}, "v1"});
    REQUIRE(error_code_of(connected) == "(Connected)");
    REQUIRE(eventually_shows(*alice, "list-users", "visitor - "));
    zmq::socket_t fetcher = file_server_client(context, *holder, &visitor_keys);
    CHECK(error_code_of(ask(fetcher, GetManifest{dir / "a/shared.txt"})) == "(ManifestData)");

    // It leaves the table; its open connection to alice's file server is refused from then on.
    REQUIRE(error_code_of(ask(session, Disconnect{})) == "(Ack)");
    REQUIRE(wait_until([&] {
        alice->write("list-users\n");
        return !alice->wait_for(Stream::out, "visitor - ", 200ms);
    }));
    CHECK(error_code_of(ask(fetcher, GetManifest{dir / "a/shared.txt"})) == "not_member");
    CHECK(error_code_of(ask(fetcher, FetchChunk{dir / "a/shared.txt", 0, 5})) == "not_member");
}

TEST_CASE("nobody can act for another user", "[security]") {
    TempDir dir;
    write_file(dir / "a/one.txt", "1");
    TrackerProcess tracker;
    // alice reaches the tracker through a relay: what travels there is what a sniffer sees.
    TcpRelay relay(port_of(tracker.endpoint()));
    Process alice({ZSHARE_NODE_BIN, "--tracker", relay.endpoint(), "--tracker-key=" + tracker.key(), "--name",
                   "alice", "--listen", "tcp://127.0.0.1:*", "--key-dir", dir / "keys", "--cache-dir", "",
                   "--share", "one.txt"},
                  dir / "a");
    REQUIRE(alice.wait_for(Stream::err, "alice online"));
    const auto sent = relay.client_bytes();
    REQUIRE_FALSE(sent.empty());
    CHECK(zmtp_identity(sent[0]).empty()); // no routing id to present: the tracker assigns them
    CHECK(sent[0].find("alice") == std::string::npos); // her name, her files: all encrypted
    CHECK(sent[0].find("one.txt") == std::string::npos);
    const auto before = row_of(tracker, "alice");
    REQUIRE(before);

    // A stranger with a key of its own tries every request of the earlier attacks.
    zmq::context_t context(1);
    zmq::socket_t mallory = connect_to_tracker(context, tracker);
    CHECK(error_code_of(ask(mallory, UpdateFiles{{{"/planted", 1, std::string(64, 'a')}}})) == "not_connected");
    CHECK(error_code_of(ask(mallory, Disconnect{})) == "(Ack)"); // for nobody
    CHECK(error_code_of(ask(mallory, Connect{"alice", "tcp://127.0.0.1:7", {}, "m"})) == "name_taken");
    CHECK(error_code_of(ask(mallory, Connect{"mallory", before->endpoint, {}, "m"})) == "endpoint_taken");
    CHECK(error_code_of(ask(mallory, Ping{})) == "(Pong)");
    const auto after = row_of(tracker, "alice");
    REQUIRE(after);
    CHECK(*after == *before);
    alice.write("status\n");
    CHECK(alice.wait_for(Stream::out, " registered (last heard"));
}

TEST_CASE("a flood of unread requests leaves the file server bounded and serving", "[security]") {
    TempDir dir;
    const std::string content = random_bytes(16u << 20, 41);
    write_file(dir / "a/big.bin", content);
    TrackerProcess tracker;
    auto alice = start_node(tracker, "alice", dir / "a", {"--share", "big.bin"});
    const auto holder = row_of(tracker, "alice");
    REQUIRE(holder);
    const std::size_t rss_before = resident_kib(alice->pid());

    // A member asks for 10,000 chunks and reads none of them.
    zmq::context_t context(1);
    const KeyPair flooder_keys = make_key_pair();
    zmq::socket_t session = connect_to_tracker(context, tracker, &flooder_keys);
    REQUIRE(error_code_of(ask(session, Connect{"flooder", "tcp://127.0.0.1:9", {}, "f"})) == "(Connected)");
    REQUIRE(eventually_shows(*alice, "list-users", "flooder - "));
    zmq::socket_t flood = file_server_client(context, *holder, &flooder_keys);
    flood.set(zmq::sockopt::sndhwm, 0);
    flood.set(zmq::sockopt::rcvhwm, 1);
    flood.set(zmq::sockopt::rcvbuf, 4096);
    for (int i = 0; i < 10000; ++i)
        (void)send(flood, FetchChunk{dir / "a/big.bin", std::uint64_t(i % 16) << 20, 1u << 20});
    std::size_t peak = 0;
    for (int i = 0; i < 30; ++i) {
        peak = std::max(peak, resident_kib(alice->pid()));
        std::this_thread::sleep_for(100ms);
    }
    INFO("resident before " << rss_before / 1024 << " MiB, peak " << peak / 1024 << " MiB");
    CHECK(peak < 400u * 1024); // 64 MiB out to the flooder, far from 10,000 MiB

    // Others are served meanwhile.
    fs::create_directories(dir / "bob");
    const auto run = run_script(tracker, "bob", dir / "bob", "download alice big.bin\n");
    CHECK(run.status == 0);
    CHECK(read_file(dir / "bob/downloads/big.bin") == content);
}

TEST_CASE("no file byte travels in clear", "[security]") {
    LoopbackCapture probe;
    if (!probe.available())
        skip_test("a loopback capture needs CAP_NET_RAW (root): " + probe.error());
    const std::string content = random_bytes(4u << 20, 42);
    // Samples of the file: what a sniffer would look for.
    std::vector<std::string> samples;
    for (std::size_t at = 1000; at < content.size(); at += content.size() / 16)
        samples.push_back(content.substr(at, 32));
    const auto seen = [&](const LoopbackCapture& capture) {
        return std::count_if(samples.begin(), samples.end(), [&](const auto& s) { return capture.saw(s); });
    };
    for (const bool insecure : {false, true}) {
        INFO((insecure ? "--insecure" : "secure"));
        TempDir dir;
        write_file(dir / "a/big.bin", content);
        fs::create_directories(dir / "bob");
        std::vector<std::string> args;
        if (insecure)
            args.push_back("--insecure");
        TrackerProcess tracker(args);
        auto alice = start_node(tracker, "alice", dir / "a", {"--share", "big.bin"});
        LoopbackCapture capture;
        const auto run = run_script(tracker, "bob", dir / "bob", "download alice big.bin\n");
        REQUIRE(run.status == 0);
        REQUIRE(read_file(dir / "bob/downloads/big.bin") == content);
        std::this_thread::sleep_for(200ms); // the last frames reach the capture
        if (insecure)
            CHECK(seen(capture) > 8); // the capture works: plain bytes are seen
        else
            CHECK(seen(capture) == 0);
    }
}

TEST_CASE("plain mode (--insecure) on all three still works", "[security]") {
    TempDir dir;
    write_file(dir / "a/song.ogg", "la la la");
    fs::create_directories(dir / "bob");
    TrackerProcess tracker({"--insecure"});
    CHECK(tracker.key().empty());
    CHECK(tracker.process().wait_for(Stream::err, "warning: --insecure"));
    auto tap = start_tap(tracker);
    auto alice = start_node(tracker, "alice", dir / "a", {"--share", "song.ogg"});
    CHECK(alice->text(Stream::err).find("warning: --insecure") != std::string::npos);
    const auto run = run_script(tracker, "bob", dir / "bob", "download alice song.ogg\n");
    CHECK(run.status == 0);
    CHECK(read_file(dir / "bob/downloads/song.ogg") == "la la la");
    CHECK(tap->wait_for(Stream::out, "RegisterPeer alice "));
    CHECK(tap->text(Stream::out).find("key=") == std::string::npos);
}

TEST_CASE("a flood of subscriptions costs at most a hundred Heartbeats a second", "[security]") {
    TrackerProcess tracker({"--heartbeat-ms", "1000"});
    zmq::context_t context(1);
    const KeyPair keys = make_key_pair();
    // A subscriber that counts what reaches it.
    zmq::socket_t watcher = make_socket(context, zmq::socket_type::sub, 1 << 20);
    make_curve_client(watcher, keys, tracker.key());
    watcher.set(zmq::sockopt::subscribe, "");
    watcher.connect(tracker.events());
    REQUIRE(reply_on(watcher)); // its greeting
    // The flood: subscribe messages, as fast as they go.
    zmq::socket_t flood = make_socket(context, zmq::socket_type::xsub, 1 << 20);
    make_curve_client(flood, make_key_pair(), tracker.key());
    flood.set(zmq::sockopt::sndhwm, 0);
    flood.connect(tracker.events());
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < 200000; ++i)
        flood.send(zmq::buffer("\x01", 1), zmq::send_flags::none);
    std::size_t heartbeats = 0;
    while (std::chrono::steady_clock::now() - start < 3s)
        if (reply_on(watcher, 100ms))
            ++heartbeats;
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    INFO(heartbeats << " Heartbeats in " << seconds << " s");
    CHECK(double(heartbeats) <= 100 * seconds + 5);
}
