#include <catch2/catch.hpp>

#include "peer_table.hpp"

#include <string>
#include <variant>
#include <vector>

using namespace zshare;
using broker::ClaimError;
using broker::ClaimResult;
using broker::PeerTable;
using protocol::FileEntry;
using protocol::PeerInfo;

namespace {

PeerInfo peer(const std::string &name, const std::string &endpoint, std::vector<FileEntry> files = {}) {
    return PeerInfo{name, endpoint, std::move(files)};
}

bool is(const std::variant<ClaimResult, ClaimError> &outcome, ClaimResult expected) {
    return std::holds_alternative<ClaimResult>(outcome) && std::get<ClaimResult>(outcome) == expected;
}

bool is(const std::variant<ClaimResult, ClaimError> &outcome, ClaimError expected) {
    return std::holds_alternative<ClaimError>(outcome) && std::get<ClaimError>(outcome) == expected;
}

} // namespace

TEST_CASE("claim a new name", "[peer_table]") {
    PeerTable table;
    CHECK(table.size() == 0);
    CHECK(table.find("alice") == nullptr);
    CHECK(is(table.claim("link-a", "instance-link-a", peer("alice", "tcp://1.1.1.1:1", {{"/a", 1}})), ClaimResult::registered));
    CHECK(table.size() == 1);
    const auto *row = table.find("alice");
    REQUIRE(row != nullptr);
    CHECK(*row == peer("alice", "tcp://1.1.1.1:1", {{"/a", 1}}));
}

TEST_CASE("claim the own name again updates the row", "[peer_table]") {
    PeerTable table;
    REQUIRE(
        is(table.claim("link-a", "instance-link-a", peer("alice", "tcp://1.1.1.1:1", {{"/a", 1}})), ClaimResult::registered));
    CHECK(is(table.claim("link-a", "instance-link-a", peer("alice", "tcp://2.2.2.2:2", {{"/b", 2}})), ClaimResult::updated));
    CHECK(table.size() == 1);
    REQUIRE(table.find("alice") != nullptr);
    CHECK(*table.find("alice") == peer("alice", "tcp://2.2.2.2:2", {{"/b", 2}}));
}

TEST_CASE("claim a name held by another link", "[peer_table]") {
    PeerTable table;
    REQUIRE(
        is(table.claim("link-a", "instance-link-a", peer("alice", "tcp://1.1.1.1:1", {{"/a", 1}})), ClaimResult::registered));
    CHECK(
        is(table.claim("link-b", "instance-link-b", peer("alice", "tcp://6.6.6.6:6", {{"/evil", 9}})), ClaimError::name_taken));

    // The first holder is not disturbed.
    CHECK(table.size() == 1);
    REQUIRE(table.find("alice") != nullptr);
    CHECK(*table.find("alice") == peer("alice", "tcp://1.1.1.1:1", {{"/a", 1}}));
    // It still owns its link: it can update its files and leave.
    const auto *updated = table.update_files("link-a", "", {{"/c", 3}});
    REQUIRE(updated != nullptr);
    CHECK(updated->files == std::vector<FileEntry>{{"/c", 3}});
    // The refused link holds nothing.
    CHECK(table.update_files("link-b", "", {{"/x", 1}}) == nullptr);
    CHECK_FALSE(table.remove("link-b", ""));
    CHECK(table.size() == 1);
    // And it may take another name afterwards.
    CHECK(is(table.claim("link-b", "instance-link-b", peer("bob", "tcp://6.6.6.6:6")), ClaimResult::registered));
    CHECK(table.size() == 2);
}

TEST_CASE("claim a second name on one link", "[peer_table]") {
    PeerTable table;
    REQUIRE(is(table.claim("link-a", "instance-link-a", peer("alice", "tcp://1.1.1.1:1")), ClaimResult::registered));
    CHECK(is(table.claim("link-a", "instance-link-a", peer("bob", "tcp://1.1.1.1:1")), ClaimError::already_connected));
    CHECK(table.size() == 1);
    CHECK(table.find("bob") == nullptr);
    REQUIRE(table.find("alice") != nullptr);
    CHECK(table.find("alice")->endpoint == "tcp://1.1.1.1:1");
}

TEST_CASE("already connected wins over name taken", "[peer_table]") {
    PeerTable table;
    REQUIRE(is(table.claim("link-a", "instance-link-a", peer("alice", "tcp://1.1.1.1:1")), ClaimResult::registered));
    REQUIRE(is(table.claim("link-b", "instance-link-b", peer("bob", "tcp://2.2.2.2:2")), ClaimResult::registered));
    CHECK(is(table.claim("link-a", "instance-link-a", peer("bob", "tcp://1.1.1.1:1")), ClaimError::already_connected));
    CHECK(table.find("bob")->endpoint == "tcp://2.2.2.2:2");
    CHECK(table.find("alice")->endpoint == "tcp://1.1.1.1:1");
}

TEST_CASE("update files", "[peer_table]") {
    PeerTable table;
    CHECK(table.update_files("nobody", "", {{"/a", 1}}) == nullptr);
    CHECK(table.size() == 0);

    REQUIRE(
        is(table.claim("link-a", "instance-link-a", peer("alice", "tcp://1.1.1.1:1", {{"/a", 1}})), ClaimResult::registered));
    const auto *row = table.update_files("link-a", "", {{"/b", 2}, {"/c", 3}});
    REQUIRE(row != nullptr);
    CHECK(row->name == "alice");
    CHECK(row->endpoint == "tcp://1.1.1.1:1");
    CHECK(row->files == std::vector<FileEntry>{{"/b", 2}, {"/c", 3}});
    CHECK(table.find("alice")->files == row->files);

    row = table.update_files("link-a", "", {});
    REQUIRE(row != nullptr);
    CHECK(row->files.empty());
}

TEST_CASE("remove", "[peer_table]") {
    PeerTable table;
    CHECK_FALSE(table.remove("link-a", ""));
    REQUIRE(is(table.claim("link-a", "instance-link-a", peer("alice", "tcp://1.1.1.1:1")), ClaimResult::registered));
    REQUIRE(is(table.claim("link-b", "instance-link-b", peer("bob", "tcp://2.2.2.2:2")), ClaimResult::registered));

    const auto removed = table.remove("link-a", "");
    REQUIRE(removed);
    CHECK(*removed == "alice");
    CHECK(table.size() == 1);
    CHECK(table.find("alice") == nullptr);
    CHECK(table.update_files("link-a", "", {}) == nullptr);
    CHECK_FALSE(table.remove("link-a", ""));

    // The name is free again, for any link; the old link may take another one.
    CHECK(is(table.claim("link-c", "instance-link-c", peer("alice", "tcp://3.3.3.3:3")), ClaimResult::registered));
    CHECK(is(table.claim("link-a", "instance-link-a", peer("carol", "tcp://1.1.1.1:1")), ClaimResult::registered));
    CHECK(table.size() == 3);
}

TEST_CASE("rows ordered by name", "[peer_table]") {
    PeerTable table;
    CHECK(table.rows().empty());
    REQUIRE(is(table.claim("1", "instance-1", peer("carol", "tcp://3.3.3.3:3")), ClaimResult::registered));
    REQUIRE(is(table.claim("2", "instance-2", peer("alice", "tcp://1.1.1.1:1", {{"/a", 1}})), ClaimResult::registered));
    REQUIRE(is(table.claim("3", "instance-3", peer("bob", "tcp://2.2.2.2:2")), ClaimResult::registered));
    REQUIRE(is(table.claim("4", "instance-4", peer("Zed", "tcp://4.4.4.4:4")), ClaimResult::registered));

    const auto rows = table.rows();
    REQUIRE(rows.size() == 4);
    CHECK(rows[0].name == "Zed"); // byte order: upper case first
    CHECK(rows[1] == peer("alice", "tcp://1.1.1.1:1", {{"/a", 1}}));
    CHECK(rows[2].name == "bob");
    CHECK(rows[3].name == "carol");
}

namespace {
PeerInfo keyed(const std::string &name, const std::string &endpoint, const std::string &key) {
    PeerInfo info = peer(name, endpoint);
    info.key = key;
    return info;
}
} // namespace

TEST_CASE("the same node registers again over a new connection", "[peer_table]") {
    PeerTable table;
    REQUIRE(is(table.claim("link-a", "process-1", keyed("alice", "tcp://1.1.1.1:1", "K")), ClaimResult::registered));
    // Its old connection went dead: same key, same instance, new link.
    CHECK(is(table.claim("link-b", "process-1", keyed("alice", "tcp://1.1.1.1:1", "K")), ClaimResult::updated));
    CHECK(table.size() == 1);
    CHECK_FALSE(table.touch("link-a")); // the old link holds nothing any more
    CHECK(table.touch("link-b"));
    CHECK(table.update_files("link-b", "K", {{"/x", 1}}) != nullptr);
}

TEST_CASE("a second node with the same key is refused", "[peer_table]") {
    PeerTable table;
    REQUIRE(is(table.claim("link-a", "process-1", keyed("alice", "tcp://1.1.1.1:1", "K")), ClaimResult::registered));
    CHECK(is(table.claim("link-b", "process-2", keyed("alice", "tcp://2.2.2.2:2", "K")), ClaimError::name_taken));
    // Nor does an empty instance count as the same process.
    CHECK(is(table.claim("link-c", "", keyed("alice", "tcp://2.2.2.2:2", "K")), ClaimError::name_taken));
    // Another key with the same instance is not the same node either.
    CHECK(is(table.claim("link-d", "process-1", keyed("alice", "tcp://2.2.2.2:2", "M")), ClaimError::name_taken));
}

TEST_CASE("requests with another key change nothing", "[peer_table]") {
    PeerTable table;
    REQUIRE(is(table.claim("link-a", "process-1", keyed("alice", "tcp://1.1.1.1:1", "K")), ClaimResult::registered));
    CHECK(table.update_files("link-a", "M", {{"/planted", 1}}) == nullptr);
    CHECK_FALSE(table.remove("link-a", "M"));
    REQUIRE(table.find("alice") != nullptr);
    CHECK(table.find("alice")->files.empty());
    CHECK(table.remove("link-a", "K") == std::optional<std::string>("alice"));
}

TEST_CASE("an endpoint another user advertises is refused", "[peer_table]") {
    PeerTable table;
    REQUIRE(is(table.claim("link-a", "p1", keyed("alice", "tcp://1.1.1.1:1", "K")), ClaimResult::registered));
    CHECK(is(table.claim("link-m", "p2", keyed("mallory", "tcp://1.1.1.1:1", "M")), ClaimError::endpoint_taken));
    // Once alice leaves, the endpoint is free.
    REQUIRE(table.remove("link-a", "K"));
    CHECK(is(table.claim("link-m", "p2", keyed("mallory", "tcp://1.1.1.1:1", "M")), ClaimResult::registered));
}

TEST_CASE("an expired row goes whatever its key", "[peer_table]") {
    PeerTable table;
    REQUIRE(is(table.claim("link-a", "p1", keyed("alice", "tcp://1.1.1.1:1", "K")), ClaimResult::registered));
    CHECK(table.expire("link-a") == std::optional<std::string>("alice"));
    CHECK(table.size() == 0);
    CHECK_FALSE(table.expire("link-a"));
}
