#include <catch2/catch.hpp>

#include "file_list_change.hpp"

#include <string>
#include <vector>

using namespace zshare::protocol;

namespace {
using Files = std::vector<FileEntry>;
using Paths = std::vector<std::string>;
} // namespace

TEST_CASE("the change between two lists", "[file_list_change]") {
    const Files before{{"/a", 1, ""}, {"/b", 2, ""}, {"/c", 3, ""}, {"/d", 4, ""}};
    SECTION("nothing changed") {
        const auto change = file_list_change(before, before);
        CHECK_FALSE(change.full);
        CHECK(change.added.empty());
        CHECK(change.removed.empty());
    }
    SECTION("one added, one changed, one removed") {
        const Files after{{"/a", 1, ""}, {"/b", 2, std::string(64, 'b')}, {"/d", 4, ""}, {"/e", 5, ""}};
        const auto change = file_list_change(before, after);
        CHECK_FALSE(change.full);
        CHECK(change.added == Files{{"/b", 2, std::string(64, 'b')}, {"/e", 5, ""}});
        CHECK(change.removed == Paths{"/c"});
        Files mirrored = before;
        apply_file_list_change(mirrored, change);
        CHECK(mirrored == after);
    }
    SECTION("the whole list when it is shorter than the change") {
        const Files after{{"/z", 26, ""}};
        const auto change = file_list_change(before, after);
        CHECK(change.full);
        CHECK(change.added == after);
        CHECK(change.removed.empty());
        Files mirrored = before;
        apply_file_list_change(mirrored, change);
        CHECK(mirrored == after);
    }
    SECTION("everything removed") {
        const auto change = file_list_change(before, {});
        Files mirrored = before;
        apply_file_list_change(mirrored, change);
        CHECK(mirrored.empty());
    }
    SECTION("from nothing") {
        const auto change = file_list_change({}, before);
        Files mirrored;
        apply_file_list_change(mirrored, change);
        CHECK(mirrored == before);
    }
}

TEST_CASE("ordering a list by path finds a path listed twice", "[file_list_change]") {
    Files files{{"/c", 3, ""}, {"/a", 1, ""}, {"/b", 2, ""}};
    CHECK_FALSE(ordered_by_path(files));
    CHECK(order_by_path(files).empty());
    CHECK(files == Files{{"/a", 1, ""}, {"/b", 2, ""}, {"/c", 3, ""}});
    CHECK(ordered_by_path(files));
    Files twice{{"/b", 2, ""}, {"/a", 1, ""}, {"/b", 3, ""}};
    CHECK(order_by_path(twice) == "/b");
    CHECK_FALSE(ordered_by_path(twice));
}

TEST_CASE("a change applied to a list out of order leaves it ordered and unique", "[file_list_change]") {
    // What a faulty tracker might send: the mirror stays a proper list whatever comes.
    Files mirrored{{"/c", 3, ""}, {"/a", 1, ""}, {"/a", 9, ""}};
    FileListChange change;
    change.added = {{"/d", 4, ""}, {"/b", 2, ""}, {"/b", 5, ""}};
    change.removed = {"/c", "/nothing"};
    apply_file_list_change(mirrored, change);
    CHECK(ordered_by_path(mirrored));
    REQUIRE(mirrored.size() == 3);
    CHECK(mirrored[0].path == "/a");
    CHECK(mirrored[1] == FileEntry{"/b", 2, ""});
    CHECK(mirrored[2] == FileEntry{"/d", 4, ""});
}

TEST_CASE("a path both added and removed stays, as added", "[file_list_change]") {
    Files mirrored{{"/a", 1, ""}};
    FileListChange change;
    change.added = {{"/a", 2, ""}};
    change.removed = {"/a"};
    apply_file_list_change(mirrored, change);
    CHECK(mirrored == Files{{"/a", 2, ""}});
}
