// The node's loop never stops: a background download keeps growing while `register` waits for
// a dead tracker or hashes a large tree, and a node that the tracker no longer knows, whoever
// caused it, registers again by itself.
#include "cluster.hpp"
#include "tcp_relay.hpp"
#include "wire.hpp"

#include <catch2/catch.hpp>
#include <csignal>
#include <filesystem>

using namespace zshare::testing;
using Stream = Process::Stream;
namespace fs = std::filesystem;

namespace {
const std::vector<std::string> fast_liveness{"--heartbeat-ms", "100", "--peer-ttl-ms", "600"};

/// Starts "seed" sharing 32 MiB at 4 MiB/s (8 s in all) and a background download of it by
/// "bob"; returns once a few chunks are in.
struct BackgroundDownload {
    std::unique_ptr<Process> seed;
    std::unique_ptr<Process> bob;
    std::string state;
};

BackgroundDownload start_background(const TrackerProcess& tracker, const TempDir& dir,
                                    std::vector<std::string> bob_args = {}) {
    write_file(dir / "seed/big.bin", random_bytes(32u << 20, 31));
    BackgroundDownload started;
    started.seed = start_node(tracker, "seed", dir / "seed", {"--share", "big.bin", "--upload-limit", "4MiB"});
    fs::create_directories(dir / "bob");
    started.bob = start_node(tracker, "bob", dir / "bob", std::move(bob_args));
    started.bob->write("download big.bin &\n");
    started.state = dir / "bob/downloads/big.bin.part.state";
    REQUIRE(wait_until([&] { return verified_in_state(started.state) >= 2; }));
    return started;
}
} // namespace

TEST_CASE("a background download grows while register waits for a dead tracker", "[responsive]") {
    TempDir dir;
    write_file(dir / "bob/x.txt", "x");
    auto tracker = std::make_unique<TrackerProcess>();
    auto running = start_background(*tracker, dir, {"--tracker-timeout-ms", "6000"});
    tracker.reset(); // the tracker is gone; the download goes peer to peer
    const std::size_t before = verified_in_state(running.state);
    running.bob->write("register x.txt\n");
    // While the register waits for its answer (6 s), chunks keep coming.
    REQUIRE(wait_until([&] { return verified_in_state(running.state) >= before + 4; }));
    CHECK(running.bob->text(Stream::err).find("did not take the change") == std::string::npos);
    REQUIRE(running.bob->wait_for(Stream::err, "error: tracker ", 30s));
    REQUIRE(running.bob->wait_for(Stream::out, "[1] downloaded ", 60s));
}

TEST_CASE("a background download grows while register hashes a large tree", "[responsive]") {
    TempDir dir;
    // Sparse files: gigabytes to hash (seconds of work), no disk used.
    for (const char* name : {"tree/a.bin", "tree/sub/b.bin"}) {
        write_file(dir / ("bob/" + std::string(name)), "");
        fs::resize_file(dir / ("bob/" + std::string(name)), 3ull << 29);
    }
    TrackerProcess tracker;
    auto running = start_background(tracker, dir);
    const std::size_t before = verified_in_state(running.state);
    running.bob->write("register tree\n");
    // While the tree is hashed, chunks keep coming (the download needs 8 s in all).
    REQUIRE(wait_until([&] {
        return verified_in_state(running.state) >= before + 4 || exists(dir / "bob/downloads/big.bin");
    }));
    CHECK(running.bob->text(Stream::out).find("registered " + dir.path + "/bob/tree") == std::string::npos);
    REQUIRE(running.bob->wait_for(Stream::out, "registered " + dir.path + "/bob/tree (2 files)", 120s));
    REQUIRE(wait_until([&] { return running.bob->text(Stream::out).find("[1] downloaded ") != std::string::npos; },
                       60s));
}

TEST_CASE("a node whose connection went dead registers again by itself", "[responsive]") {
    TempDir dir;
    write_file(dir / "a/one.txt", "1");
    TrackerProcess tracker(fast_liveness);
    // alice reaches the tracker through a relay; then her connection goes dead without a word
    // (TCP stays open, nothing gets through).
    TcpRelay relay(port_of(tracker.endpoint()));
    std::vector<std::string> argv{ZSHARE_NODE_BIN, "--tracker", relay.endpoint(), "--name", "alice",
                                  "--listen", "tcp://127.0.0.1:*", "--cache-dir", "", "--share", "one.txt",
                                  "--key-dir", dir / "keys"};
    argv.push_back(tracker.client_args().back()); // the tracker's key
    Process alice(argv, dir / "a");
    REQUIRE(alice.wait_for(Stream::err, "alice online"));
    auto bob = start_node(tracker, "bob", dir.path);
    REQUIRE(eventually_shows(*bob, "list-users", "alice - "));
    relay.silence_current();

    // Her Pings go unanswered: after a TTL of that she connects anew; the tracker's answers
    // say that this connection holds no name (and, once the tracker's TTL ran out too, that it
    // dropped her), and she registers again by herself.
    CHECK(alice.wait_for(Stream::err, "is unreachable"));
    CHECK(alice.wait_for(Stream::err, "registered again as alice"));
    CHECK(eventually_shows(*bob, "list-files", "alice : " + dir.path + "/a/one.txt"));
    alice.write("status\n");
    CHECK(alice.wait_for(Stream::out, "tracker: " + relay.endpoint() + " registered"));
}
