#include <catch2/catch.hpp>

#include "peer_table.hpp"

#include <chrono>
#include <optional>
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

using Outcome = std::variant<PeerTable::Changed, ClaimError>;

bool is(const Outcome &outcome, ClaimResult expected) {
    return std::holds_alternative<PeerTable::Changed>(outcome) &&
           std::get<PeerTable::Changed>(outcome).result == expected;
}

bool is(const Outcome &outcome, ClaimError expected) {
    return std::holds_alternative<ClaimError>(outcome) && std::get<ClaimError>(outcome) == expected;
}

/// Returns: the row of `name` as a message struct, or nothing.
std::optional<PeerInfo> row_of(const PeerTable &table, const std::string &name) {
    const auto row = table.find(name);
    return row ? std::optional(row->decoded()) : std::nullopt;
}

} // namespace

TEST_CASE("claim a new name", "[peer_table]") {
    PeerTable table;
    CHECK(table.size() == 0);
    CHECK_FALSE(table.find("alice"));
    CHECK(is(table.claim("link-a", "instance-link-a", peer("alice", "tcp://1.1.1.1:1", {{"/a", 1}})), ClaimResult::registered));
    CHECK(table.size() == 1);
    const auto row = row_of(table, "alice");
    REQUIRE(row);
    CHECK(*row == peer("alice", "tcp://1.1.1.1:1", {{"/a", 1}}));
}

TEST_CASE("claim the own name again updates the row", "[peer_table]") {
    PeerTable table;
    REQUIRE(
        is(table.claim("link-a", "instance-link-a", peer("alice", "tcp://1.1.1.1:1", {{"/a", 1}})), ClaimResult::registered));
    CHECK(is(table.claim("link-a", "instance-link-a", peer("alice", "tcp://2.2.2.2:2", {{"/b", 2}})), ClaimResult::updated));
    CHECK(table.size() == 1);
    REQUIRE(table.find("alice"));
    CHECK(*row_of(table, "alice") == peer("alice", "tcp://2.2.2.2:2", {{"/b", 2}}));
}

TEST_CASE("claim a name held by another link", "[peer_table]") {
    PeerTable table;
    REQUIRE(
        is(table.claim("link-a", "instance-link-a", peer("alice", "tcp://1.1.1.1:1", {{"/a", 1}})), ClaimResult::registered));
    CHECK(
        is(table.claim("link-b", "instance-link-b", peer("alice", "tcp://6.6.6.6:6", {{"/evil", 9}})), ClaimError::name_taken));

    // The first holder is not disturbed.
    CHECK(table.size() == 1);
    REQUIRE(table.find("alice"));
    CHECK(*row_of(table, "alice") == peer("alice", "tcp://1.1.1.1:1", {{"/a", 1}}));
    // It still owns its link: it can update its files and leave.
    const auto updated = table.update_files("link-a", "", {{"/c", 3}});
    REQUIRE(updated);
    CHECK(updated->row->decoded().files == std::vector<FileEntry>{{"/c", 3}});
    // The refused link holds nothing.
    CHECK_FALSE(table.update_files("link-b", "", {{"/x", 1}}));
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
    CHECK_FALSE(table.find("bob"));
    REQUIRE(table.find("alice"));
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
    CHECK_FALSE(table.update_files("nobody", "", {{"/a", 1}}));
    CHECK(table.size() == 0);

    REQUIRE(
        is(table.claim("link-a", "instance-link-a", peer("alice", "tcp://1.1.1.1:1", {{"/a", 1}})), ClaimResult::registered));
    auto changed = table.update_files("link-a", "", {{"/b", 2}, {"/c", 3}});
    REQUIRE(changed);
    CHECK(changed->row->name == "alice");
    CHECK(changed->row->endpoint == "tcp://1.1.1.1:1");
    CHECK(changed->row->decoded().files == std::vector<FileEntry>{{"/b", 2}, {"/c", 3}});
    CHECK(changed->row->files == 2);
    CHECK(row_of(table, "alice")->files == changed->row->decoded().files);
    CHECK(table.file_entries() == 2);

    changed = table.update_files("link-a", "", {});
    REQUIRE(changed);
    CHECK(changed->row->decoded().files.empty());
    CHECK(table.file_entries() == 0);
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
    CHECK_FALSE(table.find("alice"));
    CHECK_FALSE(table.update_files("link-a", "", {}));
    CHECK_FALSE(table.remove("link-a", ""));

    // The name is free again, for any link; the old link may take another one.
    CHECK(is(table.claim("link-c", "instance-link-c", peer("alice", "tcp://3.3.3.3:3")), ClaimResult::registered));
    CHECK(is(table.claim("link-a", "instance-link-a", peer("carol", "tcp://1.1.1.1:1")), ClaimResult::registered));
    CHECK(table.size() == 3);
}

TEST_CASE("rows ordered by name", "[peer_table]") {
    PeerTable table;
    CHECK(table.view()->empty());
    REQUIRE(is(table.claim("1", "instance-1", peer("carol", "tcp://3.3.3.3:3")), ClaimResult::registered));
    REQUIRE(is(table.claim("2", "instance-2", peer("alice", "tcp://1.1.1.1:1", {{"/a", 1}})), ClaimResult::registered));
    REQUIRE(is(table.claim("3", "instance-3", peer("bob", "tcp://2.2.2.2:2")), ClaimResult::registered));
    REQUIRE(is(table.claim("4", "instance-4", peer("Zed", "tcp://4.4.4.4:4")), ClaimResult::registered));

    const auto rows = table.view();
    REQUIRE(rows->size() == 4);
    CHECK((*rows)[0]->name == "Zed"); // byte order: upper case first
    CHECK((*rows)[1]->decoded() == peer("alice", "tcp://1.1.1.1:1", {{"/a", 1}}));
    CHECK((*rows)[2]->name == "bob");
    CHECK((*rows)[3]->name == "carol");
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
    CHECK(table.update_files("link-b", "K", {{"/x", 1}}));
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
    CHECK_FALSE(table.update_files("link-a", "M", {{"/planted", 1}}));
    CHECK_FALSE(table.remove("link-a", "M"));
    REQUIRE(table.find("alice"));
    CHECK(table.find("alice")->files == 0);
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

TEST_CASE("a change carries what was added and removed", "[peer_table]") {
    PeerTable table;
    REQUIRE(is(table.claim("l", "p", peer("alice", "tcp://1.1.1.1:1", {{"/a", 1}, {"/b", 2}, {"/c", 3}, {"/d", 4}})),
               ClaimResult::registered));
    const auto changed = table.update_files("l", "", {{"/a", 1}, {"/b", 20}, {"/d", 4}, {"/e", 5}});
    REQUIRE(changed);
    CHECK_FALSE(changed->change.full);
    CHECK(changed->change.added == std::vector<FileEntry>{{"/b", 20}, {"/e", 5}});
    CHECK(changed->change.removed == std::vector<std::string>{"/c"});
    // Registering again over the same connection carries the change as well.
    const auto again = table.claim("l", "p", peer("alice", "tcp://1.1.1.1:1", {{"/z", 9}}));
    REQUIRE(is(again, ClaimResult::updated));
    const auto &change = std::get<PeerTable::Changed>(again).change;
    CHECK(change.full); // one entry is shorter than five changes
    CHECK(change.added == std::vector<FileEntry>{{"/z", 9}});
}

TEST_CASE("a view stays as it was while the table moves on", "[peer_table]") {
    PeerTable table;
    REQUIRE(is(table.claim("1", "p1", peer("alice", "tcp://1.1.1.1:1", {{"/a", 1}})), ClaimResult::registered));
    REQUIRE(is(table.claim("2", "p2", peer("bob", "tcp://2.2.2.2:2")), ClaimResult::registered));
    const auto before = table.view();
    CHECK(table.view() == before); // unchanged: the same view is shared
    REQUIRE(table.update_files("1", "", {{"/b", 2}}));
    REQUIRE(table.remove("2", ""));
    REQUIRE(is(table.claim("3", "p3", peer("carol", "tcp://3.3.3.3:3")), ClaimResult::registered));
    REQUIRE(before->size() == 2);
    CHECK((*before)[0]->decoded() == peer("alice", "tcp://1.1.1.1:1", {{"/a", 1}}));
    CHECK((*before)[1]->name == "bob");
    const auto after = table.view();
    REQUIRE(after->size() == 2);
    CHECK((*after)[0]->decoded().files == std::vector<FileEntry>{{"/b", 2}});
    CHECK((*after)[1]->name == "carol");
}

TEST_CASE("silent rows expire at their deadline, and only they", "[peer_table]") {
    using namespace std::chrono;
    PeerTable table(seconds(5));
    CHECK_FALSE(table.next_deadline());
    const auto start = PeerTable::Clock::now();
    REQUIRE(is(table.claim("1", "p1", peer("alice", "tcp://1.1.1.1:1")), ClaimResult::registered));
    REQUIRE(is(table.claim("2", "p2", peer("bob", "tcp://2.2.2.2:2")), ClaimResult::registered));
    REQUIRE(table.next_deadline());
    CHECK(*table.next_deadline() >= start + seconds(5));
    CHECK(table.expire_silent(start + seconds(1)).empty());
    CHECK(table.touch("2", start + seconds(4))); // bob speaks, alice does not
    CHECK(table.expire_silent(start + seconds(6)) == std::vector<std::string>{"alice"});
    CHECK(table.size() == 1);
    // Bob's deadline moved to his last word plus the TTL.
    REQUIRE(table.next_deadline());
    CHECK(*table.next_deadline() == start + seconds(9));
    CHECK(table.expire_silent(start + seconds(8)).empty());
    CHECK(table.expire_silent(start + seconds(9)) == std::vector<std::string>{"bob"});
    CHECK(table.size() == 0);
    CHECK_FALSE(table.next_deadline());
}

TEST_CASE("a row that left and came back keeps only its new deadline", "[peer_table]") {
    using namespace std::chrono;
    PeerTable table(seconds(5));
    const auto start = PeerTable::Clock::now();
    REQUIRE(is(table.claim("1", "p1", peer("alice", "tcp://1.1.1.1:1")), ClaimResult::registered));
    REQUIRE(table.remove("1", ""));
    REQUIRE(is(table.claim("2", "p2", peer("alice", "tcp://1.1.1.1:1")), ClaimResult::registered));
    CHECK(table.touch("2", start + seconds(3)));
    // The first row's deadline comes due and finds a row of another generation: nothing goes.
    CHECK(table.expire_silent(start + seconds(5) + milliseconds(100)).empty());
    CHECK(table.size() == 1);
    CHECK(table.expire_silent(start + seconds(9)) == std::vector<std::string>{"alice"});
}
