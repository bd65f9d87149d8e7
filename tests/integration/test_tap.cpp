// The tap: the table first, then every event, one flushed line each.
#include "cluster.hpp"

#include <catch2/catch.hpp>
#include <csignal>

using namespace zshare::testing;
using Stream = Process::Stream;

TEST_CASE("tap prints the snapshot, then events as they happen", "[tap]") {
    TempDir dir;
    write_file(dir / "a.txt", "a");
    TrackerProcess tracker;
    auto alice = start_node(tracker, "alice", dir.path, {"--share", "a.txt"});
    auto tap_process = start_tap(tracker);
    Process& tap = *tap_process;
    REQUIRE(tap.wait_for(Stream::out, "snapshot seq=1 RegisterPeer alice tcp://127.0.0.1:"));
    REQUIRE(tap.wait_for(Stream::out, "snapshot seq=1 end peers=1"));

    auto bob = start_node(tracker, "bob", dir.path);
    CHECK(tap.wait_for(Stream::out, "event seq=2 RegisterPeer bob tcp://127.0.0.1:"));
    bob->write("register a.txt\n");
    // The event carries the change: one file added, none removed.
    const auto update = tap.wait_for(Stream::out, "event seq=3 UpdatePeer bob tcp://127.0.0.1:");
    REQUIRE(update);
    INFO(*update);
    CHECK(update->find("/a.txt removed=0") != std::string::npos);
    CHECK(update->find(" added=1 ") != std::string::npos);
    bob->close_stdin();
    CHECK(tap.wait_for(Stream::out, "event seq=4 UnregisterPeer bob"));
    tap.signal(SIGTERM);
    CHECK(tap.wait_exit() == 0);
}

TEST_CASE("tap --json prints one object per line", "[tap]") {
    TempDir dir;
    write_file(dir / "quote\"d.txt", "q");
    TrackerProcess tracker;
    auto alice = start_node(tracker, "alice", dir.path, {"--share", "quote\"d.txt"});
    auto tap_process = start_tap(tracker, {"--json"});
    Process& tap = *tap_process;
    const auto first = tap.wait_for(Stream::out, "\"event\":\"RegisterPeer\"");
    REQUIRE(first);
    CHECK(first->find("\"snapshot\":true") != std::string::npos);
    CHECK(first->find("\"seq\":1") != std::string::npos);
    CHECK(first->find("\"name\":\"alice\"") != std::string::npos);
    CHECK(first->find("\"endpoint\":\"tcp://127.0.0.1:") != std::string::npos);
    CHECK(first->find("\"key\":\"") + 7 + 40 == first->find("\",\"files\":")); // 40 characters of Z85
    CHECK(first->find("\"files\":[{\"path\":\"" + dir.path + "/quote\\\"d.txt\",\"size\":1,\"content_id\":\"") !=
          std::string::npos);
    REQUIRE(tap.wait_for(Stream::out, "\"event\":\"SnapshotEnd\""));
    alice->close_stdin();
    const auto left = tap.wait_for(Stream::out, "\"event\":\"UnregisterPeer\"");
    REQUIRE(left);
    CHECK(left->find("\"snapshot\":false") != std::string::npos);
    CHECK(left->find("\"seq\":2") != std::string::npos);
    CHECK(left->find("\"name\":\"alice\"") != std::string::npos);
    for (const auto& line : tap.lines(Stream::out)) {
        CHECK(line.front() == '{');
        CHECK(line.back() == '}');
    }
}

TEST_CASE("taps started at different times agree on the table", "[tap]") {
    TempDir dir;
    TrackerProcess tracker;
    auto early_process = start_tap(tracker);
    Process& early = *early_process;
    REQUIRE(early.wait_for(Stream::out, "snapshot seq=0 end peers=0"));
    std::vector<std::unique_ptr<Process>> nodes;
    for (const char* name : {"n1", "n2", "n3"})
        nodes.push_back(start_node(tracker, name, dir.path));
    nodes[1]->close_stdin();
    REQUIRE(early.wait_for(Stream::out, "event seq=4 UnregisterPeer n2"));
    auto late_process = start_tap(tracker);
    Process& late = *late_process;
    REQUIRE(late.wait_for(Stream::out, "snapshot seq=4 end peers=2"));
    const auto text = late.text(Stream::out);
    CHECK(text.find("RegisterPeer n1 ") != std::string::npos);
    CHECK(text.find("RegisterPeer n3 ") != std::string::npos);
    CHECK(text.find("n2") == std::string::npos);
}
