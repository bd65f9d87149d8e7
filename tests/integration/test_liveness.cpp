// Liveness: peers that die without a word, a tracker killed and started again, processes that
// stall. Real processes and real signals; short heartbeats so that the tests do not idle.
#include "cluster.hpp"

#include <catch2/catch.hpp>
#include <csignal>
#include <filesystem>
#include <set>
#include <sstream>

using namespace zshare::testing;
using Stream = Process::Stream;
namespace fs = std::filesystem;

namespace {
const std::vector<std::string> fast_liveness{"--heartbeat-ms", "100", "--peer-ttl-ms", "600"};

/// A tracker started again on the endpoints of `before`.
std::unique_ptr<TrackerProcess> restart(const TrackerProcess& before) {
    std::vector<std::string> args = fast_liveness;
    // The same endpoints and the same state: the same key, so that the nodes trust it again.
    args.insert(args.end(), {"--listen", before.endpoint(), "--publish", before.events(), "--state-dir",
                             before.state_dir()});
    return std::make_unique<TrackerProcess>(args);
}

/// A download under way, slow enough to act on while it runs: "seed" shares `content` capped
/// at `upload_kib` KiB/s, and "bob" has fetched part of it.
struct DownloadUnderWay {
    std::unique_ptr<Process> seed;
    std::unique_ptr<Process> bob;
};

DownloadUnderWay start_download(const TrackerProcess& tracker, const TempDir& dir, const std::string& content,
                                const std::string& upload_kib) {
    write_file(dir / "seed/big.bin", content);
    DownloadUnderWay started;
    started.seed = start_node(tracker, "seed", dir / "seed", {"--share", "big.bin", "--upload-limit", upload_kib});
    fs::create_directories(dir / "bob");
    started.bob = start_node(tracker, "bob", dir / "bob");
    started.bob->write("download big.bin\n");
    REQUIRE(wait_until([&] { return exists(dir / "bob/downloads/big.bin.part.state"); }));
    return started;
}
/// Returns: the names in the table a tap shows now, replaying its lines (a snapshot block
/// replaces the table; events change it).
std::set<std::string> table_of(Process& tap) {
    std::set<std::string> table;
    bool in_snapshot = false;
    for (const auto& line : tap.lines(Stream::out)) {
        std::istringstream words(line);
        std::string kind, seq, event, name;
        words >> kind >> seq >> event >> name;
        if (kind == "snapshot" && !in_snapshot)
            table.clear();
        in_snapshot = kind == "snapshot" && event != "end";
        if (event == "RegisterPeer" || event == "UpdatePeer")
            table.insert(name);
        if (event == "UnregisterPeer")
            table.erase(name);
    }
    return table;
}
} // namespace

TEST_CASE("a node killed with SIGKILL leaves every table within the TTL", "[liveness]") {
    TempDir dir;
    TrackerProcess tracker(fast_liveness);
    auto tap_process = start_tap(tracker);
    Process& tap = *tap_process;
    REQUIRE(tap.wait_for(Stream::out, "end peers=0"));
    auto alice = start_node(tracker, "alice", dir.path);
    auto bob = start_node(tracker, "bob", dir.path);
    REQUIRE(eventually_shows(*alice, "list-users", "bob - "));
    bob->signal(SIGKILL);
    bob->wait_exit();
    CHECK(tap.wait_for(Stream::out, "UnregisterPeer bob"));
    CHECK(tracker.process().wait_for(Stream::err, "expire bob"));
    // gone from alice's mirror too, and the name is free again
    CHECK(wait_until([&] {
        alice->write("list-users\n");
        return !alice->wait_for(Stream::out, "bob - ", 100ms).has_value();
    }));
    auto bob_again = start_node(tracker, "bob", dir.path);
    CHECK(eventually_shows(*alice, "list-users", "bob - "));
}

TEST_CASE("a tracker killed and started again gets its whole table back", "[liveness]") {
    TempDir dir;
    write_file(dir / "a/one.txt", "1");
    write_file(dir / "b/two.txt", "2");
    auto tracker = std::make_unique<TrackerProcess>(fast_liveness);
    auto alice = start_node(*tracker, "alice", dir / "a", {"--share", "one.txt"});
    auto bob = start_node(*tracker, "bob", dir / "b", {"--share", "two.txt"});
    auto tap_process = start_tap(*tracker);
    Process& tap = *tap_process;
    REQUIRE(tap.wait_for(Stream::out, "end peers=2"));

    tracker->process().signal(SIGKILL);
    tracker->process().wait_exit();
    CHECK(alice->wait_for(Stream::err, "is unreachable; still serving files"));
    // meanwhile the node still answers from its last mirror
    CHECK(eventually_shows(*alice, "list-files", "bob : " + dir.path + "/b/two.txt"));
    alice->write("status\n");
    CHECK(alice->wait_for(Stream::out, "unreachable (last heard"));

    auto again = restart(*tracker);
    CHECK(alice->wait_for(Stream::err, "registered again as alice"));
    CHECK(bob->wait_for(Stream::err, "registered again as bob"));
    // The tap took a new snapshot of the new run (empty, or not) and follows its events.
    CHECK(wait_until([&] { return table_of(tap) == std::set<std::string>{"alice", "bob"}; }));
    // a node started now sees everyone, with their files
    const auto run = run_script(*again, "carol", dir.path, "list-files\n");
    CHECK(run.out.find("alice : " + dir.path + "/a/one.txt") != std::string::npos);
    CHECK(run.out.find("bob : " + dir.path + "/b/two.txt") != std::string::npos);
    alice->write("status\n");
    CHECK(alice->wait_for(Stream::out, "tracker: " + tracker->endpoint() + " registered"));
}

TEST_CASE("a download goes on while the tracker is down", "[liveness]") {
    TempDir dir;
    const std::string content = random_bytes(24u << 20, 21);
    auto tracker = std::make_unique<TrackerProcess>(fast_liveness);
    auto [seed, bob] = start_download(*tracker, dir, content, "8192");
    tracker->process().signal(SIGKILL); // the bytes go peer to peer: no tracker needed
    tracker->process().wait_exit();
    REQUIRE(bob->wait_for(Stream::out, "downloaded ", 60s));
    CHECK(read_file(dir / "bob/downloads/big.bin") == content);
    // registering the copy waits for the tracker: it is done once one is back
    auto again = restart(*tracker);
    CHECK(eventually_shows(*bob, "list-files", "bob : " + dir.path + "/bob/downloads/big.bin"));
}

TEST_CASE("a node stalled past the TTL comes back with its own name", "[liveness]") {
    TempDir dir;
    write_file(dir / "a/one.txt", "1");
    TrackerProcess tracker(fast_liveness);
    auto alice = start_node(tracker, "alice", dir / "a", {"--share", "one.txt"});
    auto bob = start_node(tracker, "bob", dir.path);
    REQUIRE(eventually_shows(*bob, "list-users", "alice - "));
    alice->signal(SIGSTOP);
    REQUIRE(tracker.process().wait_for(Stream::err, "expire alice"));
    alice->signal(SIGCONT);
    CHECK(alice->wait_for(Stream::err, "registered again as alice"));
    CHECK(eventually_shows(*bob, "list-files", "alice : " + dir.path + "/a/one.txt"));
    CHECK(eventually_shows(*alice, "list-users", "bob - "));
}

TEST_CASE("a stalled tap catches up with a consistent table", "[liveness]") {
    TempDir dir;
    TrackerProcess tracker(fast_liveness);
    auto tap_process = start_tap(tracker);
    Process& tap = *tap_process;
    REQUIRE(tap.wait_for(Stream::out, "end peers=0"));
    tap.signal(SIGSTOP);
    std::vector<std::unique_ptr<Process>> nodes;
    for (const char* name : {"n1", "n2", "n3", "n4"})
        nodes.push_back(start_node(tracker, name, dir.path));
    nodes[1]->close_stdin();
    REQUIRE(nodes[1]->wait_exit() == 0);
    tap.signal(SIGCONT);
    // Either every event in order, or a new snapshot: both end at the same table.
    REQUIRE(tap.wait_for(Stream::out, "seq=5"));
    nodes.push_back(start_node(tracker, "n5", dir.path));
    REQUIRE(tap.wait_for(Stream::out, "event seq=6 RegisterPeer n5 "));
    CHECK(table_of(tap) == std::set<std::string>{"n1", "n3", "n4", "n5"});
}

TEST_CASE("a tracker restarted mid-download does not stop the download", "[liveness]") {
    TempDir dir;
    const std::string content = random_bytes(24u << 20, 22);
    auto tracker = std::make_unique<TrackerProcess>(fast_liveness);
    auto [seed, bob] = start_download(*tracker, dir, content, "6144");
    tracker->process().signal(SIGKILL);
    tracker->process().wait_exit();
    // The new run's table is empty until the holders register again: that proves nothing.
    auto again = restart(*tracker);
    REQUIRE(bob->wait_for(Stream::out, "downloaded ", 60s));
    CHECK(read_file(dir / "bob/downloads/big.bin") == content);
}
