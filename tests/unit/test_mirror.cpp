#include <catch2/catch.hpp>

#include "mirror.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

using namespace zshare;
using node::Mirror;
using namespace protocol;

namespace {

PeerInfo peer(const std::string &name, const std::string &endpoint, std::vector<FileEntry> files = {}) {
    return PeerInfo{name, endpoint, std::move(files)};
}

/// An UpdatePeer that carries the whole new row.
UpdatePeer full_update(std::uint64_t epoch, std::uint64_t seq, const PeerInfo &row) {
    return UpdatePeer{epoch, seq, row.name, row.endpoint, row.key, true, row.files, {}};
}

/// A mirror reset from epoch 7 at seq 10 with alice and bob.
Mirror synced_mirror() {
    Mirror mirror;
    mirror.reset(
        PeerList{7, 10, {peer("alice", "tcp://1.1.1.1:1", {{"/a", 1}}), peer("bob", "tcp://2.2.2.2:2")}});
    return mirror;
}

} // namespace

TEST_CASE("a new mirror is empty and not synced", "[mirror]") {
    const Mirror mirror;
    CHECK_FALSE(mirror.synced());
    CHECK(mirror.seq() == 0);
    CHECK(mirror.epoch() == 0);
    CHECK(mirror.peers().empty());
    CHECK(mirror.find("alice") == nullptr);
}

TEST_CASE("reset from a snapshot", "[mirror]") {
    Mirror mirror = synced_mirror();
    CHECK(mirror.synced());
    CHECK(mirror.epoch() == 7);
    CHECK(mirror.seq() == 10);
    REQUIRE(mirror.peers().size() == 2);
    REQUIRE(mirror.find("alice") != nullptr);
    CHECK(*mirror.find("alice") == peer("alice", "tcp://1.1.1.1:1", {{"/a", 1}}));
    CHECK(mirror.find("bob") != nullptr);

    // A second snapshot replaces everything.
    mirror.reset(PeerList{8, 3, {peer("carol", "tcp://3.3.3.3:3")}});
    CHECK(mirror.epoch() == 8);
    CHECK(mirror.seq() == 3);
    REQUIRE(mirror.peers().size() == 1);
    CHECK(mirror.find("alice") == nullptr);
    CHECK(mirror.find("carol") != nullptr);

    mirror.reset(PeerList{9, 0, {}});
    CHECK(mirror.synced());
    CHECK(mirror.peers().empty());
}

TEST_CASE("in-order events are applied", "[mirror]") {
    Mirror mirror = synced_mirror();
    CHECK(mirror.apply(RegisterPeer{7, 11, peer("carol", "tcp://3.3.3.3:3", {{"/c", 3}})}) ==
          Mirror::Outcome::applied);
    CHECK(mirror.seq() == 11);
    REQUIRE(mirror.find("carol") != nullptr);
    CHECK(*mirror.find("carol") == peer("carol", "tcp://3.3.3.3:3", {{"/c", 3}}));

    CHECK(mirror.apply(full_update(7, 12, peer("alice", "tcp://9.9.9.9:9", {{"/z", 26}}))) ==
          Mirror::Outcome::applied);
    CHECK(mirror.seq() == 12);
    CHECK(*mirror.find("alice") == peer("alice", "tcp://9.9.9.9:9", {{"/z", 26}}));

    CHECK(mirror.apply(UnregisterPeer{7, 13, "bob"}) == Mirror::Outcome::applied);
    CHECK(mirror.seq() == 13);
    CHECK(mirror.find("bob") == nullptr);
    CHECK(mirror.peers().size() == 2);
}

TEST_CASE("unregister removes the peer", "[mirror]") {
    Mirror mirror = synced_mirror();
    CHECK(mirror.apply(UnregisterPeer{7, 11, "alice"}) == Mirror::Outcome::applied);
    CHECK(mirror.find("alice") == nullptr);
    CHECK(mirror.apply(UnregisterPeer{7, 12, "bob"}) == Mirror::Outcome::applied);
    CHECK(mirror.peers().empty());
    // Removing a name that is not there still advances the sequence.
    CHECK(mirror.apply(UnregisterPeer{7, 13, "nobody"}) == Mirror::Outcome::applied);
    CHECK(mirror.seq() == 13);
}

TEST_CASE("stale events are ignored", "[mirror]") {
    Mirror mirror = synced_mirror();
    const auto before = mirror.peers();
    CHECK(mirror.apply(RegisterPeer{7, 10, peer("carol", "tcp://3.3.3.3:3")}) == Mirror::Outcome::stale);
    CHECK(mirror.apply(full_update(7, 9, peer("alice", "tcp://6.6.6.6:6"))) == Mirror::Outcome::stale);
    CHECK(mirror.apply(UnregisterPeer{7, 1, "bob"}) == Mirror::Outcome::stale);
    CHECK(mirror.apply(UnregisterPeer{7, 0, "alice"}) == Mirror::Outcome::stale);
    CHECK(mirror.seq() == 10);
    CHECK(mirror.peers() == before);

    // An event applied once is stale the second time.
    REQUIRE(mirror.apply(UnregisterPeer{7, 11, "bob"}) == Mirror::Outcome::applied);
    CHECK(mirror.apply(RegisterPeer{7, 11, peer("bob", "tcp://2.2.2.2:2")}) == Mirror::Outcome::stale);
    CHECK(mirror.find("bob") == nullptr);
}

TEST_CASE("a gap is reported and leaves the table unchanged", "[mirror]") {
    Mirror mirror = synced_mirror();
    const auto before = mirror.peers();
    CHECK(mirror.apply(RegisterPeer{7, 12, peer("carol", "tcp://3.3.3.3:3")}) == Mirror::Outcome::gap);
    CHECK(mirror.apply(full_update(7, 100, peer("alice", "tcp://6.6.6.6:6"))) == Mirror::Outcome::gap);
    CHECK(mirror.apply(UnregisterPeer{7, 12, "bob"}) == Mirror::Outcome::gap);
    CHECK(mirror.seq() == 10);
    CHECK(mirror.epoch() == 7);
    CHECK(mirror.peers() == before);

    // The next event in order still applies.
    CHECK(mirror.apply(UnregisterPeer{7, 11, "bob"}) == Mirror::Outcome::applied);
}

TEST_CASE("another epoch is a gap", "[mirror]") {
    Mirror mirror = synced_mirror();
    const auto before = mirror.peers();
    CHECK(mirror.apply(RegisterPeer{8, 11, peer("carol", "tcp://3.3.3.3:3")}) == Mirror::Outcome::gap);
    CHECK(mirror.apply(RegisterPeer{8, 1, peer("carol", "tcp://3.3.3.3:3")}) == Mirror::Outcome::gap);
    CHECK(mirror.apply(UnregisterPeer{6, 5, "alice"}) == Mirror::Outcome::gap); // would be stale in epoch 7
    CHECK(mirror.seq() == 10);
    CHECK(mirror.epoch() == 7);
    CHECK(mirror.peers() == before);

    // A snapshot of the new epoch resynchronises.
    mirror.reset(PeerList{8, 1, {peer("carol", "tcp://3.3.3.3:3")}});
    CHECK(mirror.apply(UnregisterPeer{8, 2, "carol"}) == Mirror::Outcome::applied);
    CHECK(mirror.peers().empty());
}

TEST_CASE("events before any snapshot are stale", "[mirror]") {
    Mirror mirror;
    CHECK(mirror.apply(RegisterPeer{7, 1, peer("alice", "tcp://1.1.1.1:1")}) == Mirror::Outcome::stale);
    CHECK(mirror.apply(full_update(7, 2, peer("alice", "tcp://1.1.1.1:1"))) == Mirror::Outcome::stale);
    CHECK(mirror.apply(UnregisterPeer{7, 3, "alice"}) == Mirror::Outcome::stale);
    CHECK_FALSE(mirror.synced());
    CHECK(mirror.peers().empty());
    CHECK(mirror.seq() == 0);
}

TEST_CASE("messages that are not events are stale", "[mirror]") {
    Mirror mirror = synced_mirror();
    const auto before = mirror.peers();
    CHECK(mirror.apply(Ack{11}) == Mirror::Outcome::stale);
    CHECK(mirror.apply(PeerList{7, 11, {}}) == Mirror::Outcome::stale);
    CHECK(mirror.apply(Hello{}) == Mirror::Outcome::stale);
    CHECK(mirror.seq() == 10);
    CHECK(mirror.peers() == before);
}

TEST_CASE("a heartbeat reveals missed events", "[mirror]") {
    Mirror mirror;
    CHECK(mirror.apply(Heartbeat{1, 5}) == Mirror::Outcome::stale); // no snapshot yet
    mirror.reset(PeerList{1, 5, {}});
    CHECK(mirror.apply(Heartbeat{1, 5}) == Mirror::Outcome::stale);
    CHECK(mirror.apply(Heartbeat{1, 4}) == Mirror::Outcome::stale);
    CHECK(mirror.apply(Heartbeat{1, 6}) == Mirror::Outcome::gap);
    CHECK(mirror.apply(Heartbeat{2, 5}) == Mirror::Outcome::gap);
    CHECK(mirror.seq() == 5);
}

TEST_CASE("an update carrying a change is applied to the row", "[mirror]") {
    Mirror mirror;
    mirror.reset(PeerList{7, 10, {peer("alice", "tcp://1.1.1.1:1", {{"/a", 1}, {"/b", 2}, {"/c", 3}})}});
    CHECK(mirror.apply(UpdatePeer{7, 11, "alice", "tcp://1.1.1.1:1", "", false, {{"/b", 20}, {"/d", 4}}, {"/a"}}) ==
          Mirror::Outcome::applied);
    CHECK(*mirror.find("alice") == peer("alice", "tcp://1.1.1.1:1", {{"/b", 20}, {"/c", 3}, {"/d", 4}}));
    // The endpoint and key come with every update.
    CHECK(mirror.apply(UpdatePeer{7, 12, "alice", "tcp://9.9.9.9:9", "K", false, {}, {"/c"}}) ==
          Mirror::Outcome::applied);
    CHECK(mirror.find("alice")->endpoint == "tcp://9.9.9.9:9");
    CHECK(mirror.find("alice")->key == "K");
    CHECK(mirror.find("alice")->files == std::vector<FileEntry>{{"/b", 20}, {"/d", 4}});
}

TEST_CASE("an update of a row the mirror lacks is a gap", "[mirror]") {
    Mirror mirror = synced_mirror();
    const auto before = mirror.peers();
    CHECK(mirror.apply(UpdatePeer{7, 11, "zed", "tcp://1.1.1.1:1", "", false, {{"/z", 1}}, {}}) ==
          Mirror::Outcome::gap);
    CHECK(mirror.seq() == 10);
    CHECK(mirror.peers() == before);
    // Out of order, it is stale or a gap as any other event.
    CHECK(mirror.apply(UpdatePeer{7, 5, "zed", "tcp://1.1.1.1:1", "", false, {}, {}}) == Mirror::Outcome::stale);
}

TEST_CASE("a snapshot given row by row replaces the table", "[mirror]") {
    Mirror mirror = synced_mirror();
    std::map<std::string, PeerInfo> rows{{"dave", peer("dave", "tcp://4.4.4.4:4")}};
    mirror.reset(9, 40, rows);
    CHECK(mirror.epoch() == 9);
    CHECK(mirror.seq() == 40);
    CHECK(mirror.peers() == rows);
}
