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
    CHECK(is(table.claim("link-a", peer("alice", "tcp://1.1.1.1:1", {{"/a", 1}})), ClaimResult::registered));
    CHECK(table.size() == 1);
    const auto *row = table.find("alice");
    REQUIRE(row != nullptr);
    CHECK(*row == peer("alice", "tcp://1.1.1.1:1", {{"/a", 1}}));
}

TEST_CASE("claim the own name again updates the row", "[peer_table]") {
    PeerTable table;
    REQUIRE(
        is(table.claim("link-a", peer("alice", "tcp://1.1.1.1:1", {{"/a", 1}})), ClaimResult::registered));
    CHECK(is(table.claim("link-a", peer("alice", "tcp://2.2.2.2:2", {{"/b", 2}})), ClaimResult::updated));
    CHECK(table.size() == 1);
    REQUIRE(table.find("alice") != nullptr);
    CHECK(*table.find("alice") == peer("alice", "tcp://2.2.2.2:2", {{"/b", 2}}));
}

TEST_CASE("claim a name held by another link", "[peer_table]") {
    PeerTable table;
    REQUIRE(
        is(table.claim("link-a", peer("alice", "tcp://1.1.1.1:1", {{"/a", 1}})), ClaimResult::registered));
    CHECK(
        is(table.claim("link-b", peer("alice", "tcp://6.6.6.6:6", {{"/evil", 9}})), ClaimError::name_taken));

    // The first holder is not disturbed.
    CHECK(table.size() == 1);
    REQUIRE(table.find("alice") != nullptr);
    CHECK(*table.find("alice") == peer("alice", "tcp://1.1.1.1:1", {{"/a", 1}}));
    // It still owns its link: it can update its files and leave.
    const auto *updated = table.update_files("link-a", {{"/c", 3}});
    REQUIRE(updated != nullptr);
    CHECK(updated->files == std::vector<FileEntry>{{"/c", 3}});
    // The refused link holds nothing.
    CHECK(table.update_files("link-b", {{"/x", 1}}) == nullptr);
    CHECK_FALSE(table.remove("link-b"));
    CHECK(table.size() == 1);
    // And it may take another name afterwards.
    CHECK(is(table.claim("link-b", peer("bob", "tcp://6.6.6.6:6")), ClaimResult::registered));
    CHECK(table.size() == 2);
}

TEST_CASE("claim a second name on one link", "[peer_table]") {
    PeerTable table;
    REQUIRE(is(table.claim("link-a", peer("alice", "tcp://1.1.1.1:1")), ClaimResult::registered));
    CHECK(is(table.claim("link-a", peer("bob", "tcp://1.1.1.1:1")), ClaimError::already_connected));
    CHECK(table.size() == 1);
    CHECK(table.find("bob") == nullptr);
    REQUIRE(table.find("alice") != nullptr);
    CHECK(table.find("alice")->endpoint == "tcp://1.1.1.1:1");
}

TEST_CASE("already connected wins over name taken", "[peer_table]") {
    PeerTable table;
    REQUIRE(is(table.claim("link-a", peer("alice", "tcp://1.1.1.1:1")), ClaimResult::registered));
    REQUIRE(is(table.claim("link-b", peer("bob", "tcp://2.2.2.2:2")), ClaimResult::registered));
    CHECK(is(table.claim("link-a", peer("bob", "tcp://1.1.1.1:1")), ClaimError::already_connected));
    CHECK(table.find("bob")->endpoint == "tcp://2.2.2.2:2");
    CHECK(table.find("alice")->endpoint == "tcp://1.1.1.1:1");
}

TEST_CASE("update files", "[peer_table]") {
    PeerTable table;
    CHECK(table.update_files("nobody", {{"/a", 1}}) == nullptr);
    CHECK(table.size() == 0);

    REQUIRE(
        is(table.claim("link-a", peer("alice", "tcp://1.1.1.1:1", {{"/a", 1}})), ClaimResult::registered));
    const auto *row = table.update_files("link-a", {{"/b", 2}, {"/c", 3}});
    REQUIRE(row != nullptr);
    CHECK(row->name == "alice");
    CHECK(row->endpoint == "tcp://1.1.1.1:1");
    CHECK(row->files == std::vector<FileEntry>{{"/b", 2}, {"/c", 3}});
    CHECK(table.find("alice")->files == row->files);

    row = table.update_files("link-a", {});
    REQUIRE(row != nullptr);
    CHECK(row->files.empty());
}

TEST_CASE("remove", "[peer_table]") {
    PeerTable table;
    CHECK_FALSE(table.remove("link-a"));
    REQUIRE(is(table.claim("link-a", peer("alice", "tcp://1.1.1.1:1")), ClaimResult::registered));
    REQUIRE(is(table.claim("link-b", peer("bob", "tcp://2.2.2.2:2")), ClaimResult::registered));

    const auto removed = table.remove("link-a");
    REQUIRE(removed);
    CHECK(*removed == "alice");
    CHECK(table.size() == 1);
    CHECK(table.find("alice") == nullptr);
    CHECK(table.update_files("link-a", {}) == nullptr);
    CHECK_FALSE(table.remove("link-a"));

    // The name is free again, for any link; the old link may take another one.
    CHECK(is(table.claim("link-c", peer("alice", "tcp://3.3.3.3:3")), ClaimResult::registered));
    CHECK(is(table.claim("link-a", peer("carol", "tcp://1.1.1.1:1")), ClaimResult::registered));
    CHECK(table.size() == 3);
}

TEST_CASE("rows ordered by name", "[peer_table]") {
    PeerTable table;
    CHECK(table.rows().empty());
    REQUIRE(is(table.claim("1", peer("carol", "tcp://3.3.3.3:3")), ClaimResult::registered));
    REQUIRE(is(table.claim("2", peer("alice", "tcp://1.1.1.1:1", {{"/a", 1}})), ClaimResult::registered));
    REQUIRE(is(table.claim("3", peer("bob", "tcp://2.2.2.2:2")), ClaimResult::registered));
    REQUIRE(is(table.claim("4", peer("Zed", "tcp://4.4.4.4:4")), ClaimResult::registered));

    const auto rows = table.rows();
    REQUIRE(rows.size() == 4);
    CHECK(rows[0].name == "Zed"); // byte order: upper case first
    CHECK(rows[1] == peer("alice", "tcp://1.1.1.1:1", {{"/a", 1}}));
    CHECK(rows[2].name == "bob");
    CHECK(rows[3].name == "carol");
}
