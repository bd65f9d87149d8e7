// Whole folders: every file under a user's folder, at its place inside it, each verified and
// renamed into place; nested folders, blanks, empty files, a file added meanwhile, a folder
// resumed after SIGKILL, several holders, and nothing written outside the folder.
#include "cluster.hpp"

#include <catch2/catch.hpp>
#include <csignal>
#include <filesystem>
#include <map>

using namespace zshare::testing;
using Stream = Process::Stream;
namespace fs = std::filesystem;

namespace {

/// A folder's files (path inside it -> bytes).
using Tree = std::map<std::string, std::string>;

void write_tree(const std::string& root, const Tree& tree) {
    for (const auto& [relative, bytes] : tree)
        write_file(root + "/" + relative, bytes);
}

/// Starts node `name` in `dir`/`name`, sharing `tree` written there as its folder `folder`.
std::unique_ptr<Process> start_sharing(const TrackerProcess& tracker, const TempDir& dir, const std::string& name,
                                       const std::string& folder, const Tree& tree,
                                       std::vector<std::string> extra = {}) {
    write_tree(dir / (name + "/" + folder), tree);
    std::vector<std::string> args{"--share", folder};
    args.insert(args.end(), extra.begin(), extra.end());
    return start_node(tracker, name, dir / name, args);
}

/// Checks that `root` holds exactly `tree`: no file missing, none more (no partial files).
void check_tree(const std::string& root, const Tree& tree) {
    std::size_t files = 0;
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
        if (!entry.is_regular_file())
            continue;
        ++files;
        const std::string relative = fs::relative(entry.path(), root).string();
        INFO(relative);
        const auto expected = tree.find(relative);
        REQUIRE(expected != tree.end());
        CHECK(read_file(entry.path().string()) == expected->second);
    }
    CHECK(files == tree.size());
}

/// Nested folders, blanks in names, an empty file, small files and one of several chunks.
Tree album() {
    Tree tree;
    for (int i = 0; i < 40; ++i)
        tree["disc 1/track " + std::to_string(i) + ".ogg"] = random_bytes(1000 + 97 * i, 100 + i);
    tree["disc 2/deep/er/still.bin"] = random_bytes(3u << 20, 7);
    tree["disc 2/empty.txt"] = "";
    tree["cover art.png"] = random_bytes(70000, 8);
    return tree;
}

} // namespace

TEST_CASE("a folder: nested folders, blanks, an empty file, every file in place", "[folders]") {
    TempDir dir;
    const Tree tree = album();
    TrackerProcess tracker;
    auto alice = start_sharing(tracker, dir, "alice", "My Album", tree);
    fs::create_directories(dir / "bob");
    const std::string remote = dir.path + "/alice/My Album";
    const auto run = run_script(tracker, "bob", dir / "bob",
                                "list-files alice \"" + remote + "/disc 2\"\ndownload alice \"" + remote + "\"\n");
    INFO(run.err);
    REQUIRE(run.status == 0);
    CHECK(run.out.find("/disc 2/empty.txt") != std::string::npos);
    CHECK(run.out.find("track 1.ogg") == std::string::npos); // not under disc 2
    CHECK(run.out.find("downloaded " + remote + " from alice to " + dir.path + "/bob/downloads/My Album (43 files, ") !=
          std::string::npos);
    check_tree(dir / "bob/downloads/My Album", tree);
}

TEST_CASE("a folder by its name to a folder of ones choosing, and list-files refusing what is not there", "[folders]") {
    TempDir dir;
    const Tree tree{{"a.txt", "alpha"}, {"sub/b.txt", "beta"}};
    TrackerProcess tracker;
    auto alice = start_sharing(tracker, dir, "alice", "docs", tree);
    fs::create_directories(dir / "bob/here");
    const auto run = run_script(tracker, "bob", dir / "bob",
                                "list-files alice docs\nlist-files alice /nowhere\nlist-files nobody\n"
                                "download alice docs here\n");
    INFO(run.err);
    CHECK(run.status == 1); // for the refused list-files
    CHECK(run.out.find("alice : " + dir.path + "/alice/docs/sub/b.txt") != std::string::npos); // by its name
    CHECK(run.err.find("error: alice shares no file under /nowhere") != std::string::npos);
    CHECK(run.err.find("error: unknown user 'nobody' (see list-users)") != std::string::npos);
    check_tree(dir / "bob/here/docs", tree);
}

TEST_CASE("an empty folder is nothing anyone shares: a clear error", "[folders]") {
    TempDir dir;
    fs::create_directories(dir / "alice/empty");
    write_file(dir / "alice/other.txt", "x");
    TrackerProcess tracker;
    auto alice = start_node(tracker, "alice", dir / "alice", {"--share", "empty", "--share", "other.txt"});
    fs::create_directories(dir / "bob");
    const auto run = run_script(tracker, "bob", dir / "bob", "download alice " + dir.path + "/alice/empty\n");
    CHECK(run.status == 1);
    CHECK(run.err.find("error: alice does not share " + dir.path + "/alice/empty") != std::string::npos);
    CHECK_FALSE(exists(dir / "bob/downloads/empty"));
}

TEST_CASE("a file added while the folder downloads joins it", "[folders]") {
    TempDir dir;
    const Tree tree{{"big.bin", random_bytes(12u << 20, 21)}, {"small.txt", "small"}};
    TrackerProcess tracker;
    // Capped: the folder is still downloading when the new file appears.
    auto alice = start_sharing(tracker, dir, "alice", "box", tree, {"--upload-limit", "2048"});
    fs::create_directories(dir / "bob");
    auto bob = start_node(tracker, "bob", dir / "bob");
    bob->write("download alice " + dir.path + "/alice/box\n");
    REQUIRE(wait_until([&] { return exists(dir / "bob/downloads/box/small.txt"); }));
    write_file(dir / "alice/box/later/new.txt", "arrived later");
    alice->write("register box/later/new.txt\n");
    REQUIRE(alice->wait_for(Stream::out, "registered"));
    REQUIRE(bob->wait_for(Stream::out, "downloaded " + dir.path + "/alice/box from alice", 60s));
    Tree expected = tree;
    expected["later/new.txt"] = "arrived later";
    check_tree(dir / "bob/downloads/box", expected);
    CHECK(bob->text(Stream::out).find("(3 files, ") != std::string::npos);
    bob->close_stdin();
    CHECK(bob->wait_exit() == 0);
}

TEST_CASE("a folder killed mid-download resumes: files in place are checked, partial ones continued", "[folders]") {
    TempDir dir;
    Tree tree;
    for (int i = 0; i < 20; ++i)
        tree["small/" + std::to_string(i) + ".txt"] = random_bytes(5000, 200 + i);
    tree["zz/big.bin"] = random_bytes(24u << 20, 22);
    TrackerProcess tracker;
    auto alice = start_sharing(tracker, dir, "alice", "set", tree, {"--upload-limit", "8192"});
    fs::create_directories(dir / "bob");
    const std::string local = dir / "bob/downloads/set";
    {
        auto bob = start_node(tracker, "bob", dir / "bob");
        bob->write("download alice " + dir.path + "/alice/set\n");
        REQUIRE(wait_until([&] { return verified_in_state(local + "/zz/big.bin.part.state") >= 4; }, 60s));
        bob->signal(SIGKILL);
        bob->wait_exit();
    }
    CHECK(exists(local + "/small/0.txt"));
    CHECK_FALSE(exists(local + "/zz/big.bin"));
    // bob died without a goodbye and still holds his name for now: come back as bob2.
    const auto run = run_script(tracker, "bob2", dir / "bob", "download alice " + dir.path + "/alice/set\n");
    INFO(run.err);
    REQUIRE(run.status == 0);
    CHECK(run.err.find("resuming into " + local) != std::string::npos);
    CHECK(run.out.find(" bytes resumed)") != std::string::npos);
    check_tree(local, tree);
}

TEST_CASE("a folder from several holders: each file from whoever holds it", "[folders]") {
    TempDir dir;
    Tree tree;
    for (int i = 0; i < 6; ++i)
        tree["part " + std::to_string(i) + ".bin"] = random_bytes(4u << 20, 300 + i);
    TrackerProcess tracker;
    auto alice = start_sharing(tracker, dir, "alice", "set", tree, {"--upload-limit", "8192"});
    // The same contents, under other paths.
    auto carol = start_sharing(tracker, dir, "carol", "copy", tree, {"--upload-limit", "8192"});
    fs::create_directories(dir / "bob");
    const auto run = run_script(tracker, "bob", dir / "bob", "download alice set\n");
    INFO(run.err);
    REQUIRE(run.status == 0);
    CHECK(run.out.find(" from alice, carol to ") != std::string::npos);
    CHECK(run.out.find("(6 files, 25165824 bytes, ") != std::string::npos);
    CHECK(run.out.find(", 2 peers)") != std::string::npos);
    check_tree(dir / "bob/downloads/set", tree);
}

TEST_CASE("a folder escapes nothing: a link in the way is not followed", "[folders]") {
    TempDir dir;
    const Tree tree{{"inside/x.txt", "x"}, {"y.txt", "y"}};
    TrackerProcess tracker;
    auto alice = start_sharing(tracker, dir, "alice", "pack", tree);
    // An earlier, hostile or careless, "inside" that leads elsewhere.
    fs::create_directories(dir / "bob/downloads/pack");
    fs::create_directories(dir / "elsewhere");
    fs::create_directory_symlink(dir / "elsewhere", dir / "bob/downloads/pack/inside");
    const auto run = run_script(tracker, "bob", dir / "bob", "download alice pack\n");
    CHECK(run.status == 1);
    CHECK(run.err.find("error: " + dir.path + "/bob/downloads/pack/inside is a link or not a folder: not followed") !=
          std::string::npos);
    CHECK(fs::is_empty(dir / "elsewhere"));
    CHECK(read_file(dir / "bob/downloads/pack/y.txt") == "y");
}
