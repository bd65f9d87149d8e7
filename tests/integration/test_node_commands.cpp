// The REPL's commands, driven through standard input as a script would.
#include "cluster.hpp"

#include <catch2/catch.hpp>
#include <csignal>

using namespace zshare::testing;
using Stream = Process::Stream;

TEST_CASE("list-users and list-files show the table in the seed formats", "[node]") {
    TempDir dir;
    write_file(dir / "alice/a.txt", "a");
    write_file(dir / "alice/sub/b.txt", "b");
    TrackerProcess tracker;
    auto alice = start_node(tracker, "alice", dir / "alice", {"--share", "."});
    const auto run = run_script(tracker, "bob", dir.path, "list-users\nlist-files\nlist\n");
    CHECK(run.status == 0);
    CHECK(run.out.find("alice - 127.0.0.1:") != std::string::npos);
    CHECK(run.out.find("bob - 127.0.0.1:") != std::string::npos);
    CHECK(count_lines(run.out, "alice : " + dir.path + "/alice/a.txt") == 2);
    CHECK(count_lines(run.out, "alice : " + dir.path + "/alice/sub/b.txt") == 2);
    CHECK(run.err.find("error") == std::string::npos);
}

TEST_CASE("register and unregister files and directories", "[node]") {
    TempDir dir;
    write_file(dir / "one.txt", "1");
    write_file(dir / "my file.txt", "spaces");
    write_file(dir / "tree/x/deep.txt", "deep");
    write_file(dir / "tree/top.txt", "top");
    TrackerProcess tracker;
    auto node = start_node(tracker, "alice", dir.path);

    node->write("register one.txt \"my file.txt\"\n");
    REQUIRE(node->wait_for(Stream::out, "registered " + dir.path + "/one.txt (1 file)"));
    REQUIRE(node->wait_for(Stream::out, "registered " + dir.path + "/my file.txt (1 file)"));
    node->write("register tree\n");
    REQUIRE(node->wait_for(Stream::out, "registered " + dir.path + "/tree (2 files)"));
    // read-your-writes: the node's own list shows the change as soon as register returns
    node->write("list-files\n");
    CHECK(node->wait_for(Stream::out, "alice : " + dir.path + "/tree/x/deep.txt"));

    node->write("unregister tree/x\n");
    REQUIRE(node->wait_for(Stream::out, "unregistered 1 file"));
    node->write("unregister \"my file.txt\"\n");
    REQUIRE(node->wait_for(Stream::out, "unregistered 1 file"));

    // A missing path is an error and changes nothing, even beside a good one.
    node->write("register one.txt missing.txt\n");
    REQUIRE(node->wait_for(Stream::err, "error: cannot share missing.txt"));
    node->write("unregister nothing-here.txt\n");
    REQUIRE(node->wait_for(Stream::err, "error: " + dir.path + "/nothing-here.txt is not registered"));
    node->write("register\n");
    REQUIRE(node->wait_for(Stream::err, "error: usage: register <path>..."));

    node->close_stdin();
    CHECK(node->wait_exit() == 1); // some commands failed
    const auto run = run_script(tracker, "bob", dir.path, "list-files\n");
    CHECK(run.status == 0);
    CHECK(count_lines(run.out, "alice : " + dir.path + "/one.txt") == 0); // alice left
}

TEST_CASE("the original command forms are accepted", "[node]") {
    TempDir dir;
    write_file(dir / "f1", "1");
    write_file(dir / "f2", "2");
    write_file(dir / "f3", "3");
    TrackerProcess tracker;
    auto other = start_node(tracker, "bob", dir.path);
    const auto run = run_script(tracker, "alice", dir.path,
                                "register alice f1, f2\n"  // seed 004: register <user> <files>
                                "register f3 ,\n"          // seed 001: comma separated lists
                                "list\n"                    // seed 002: list
                                "unregister alice f1\n"
                                "list-files\n"
                                "register bob f1\n"         // another user's name: refused
                                "register-user carol\n");   // the name is fixed at start
    CHECK(run.status == 1);
    CHECK(count_lines(run.out, "alice : " + dir.path + "/f1") == 1);
    CHECK(count_lines(run.out, "alice : " + dir.path + "/f2") == 2);
    CHECK(count_lines(run.out, "alice : " + dir.path + "/f3") == 2);
    CHECK(run.err.find("error: this node is 'alice'; it cannot change what 'bob' shares") != std::string::npos);
    CHECK(run.err.find("error: the user name is fixed when the node starts") != std::string::npos);
}

TEST_CASE("help, unknown commands, quoting errors, exit", "[node]") {
    TempDir dir;
    TrackerProcess tracker;
    const auto run = run_script(tracker, "alice", dir.path,
                                "help\nfrobnicate\nregister \"unterminated\n\nexit\nlist-users\n");
    CHECK(run.status == 1);
    CHECK(run.out.find("download <user> <remote> [<local>]") != std::string::npos);
    CHECK(run.err.find("error: unknown command 'frobnicate' (try help)") != std::string::npos);
    CHECK(run.err.find("error: unterminated quote") != std::string::npos);
    // nothing after exit runs
    CHECK(run.out.find("alice - ") == std::string::npos);

    const auto clean = run_script(tracker, "bob", dir.path, "list-users\nquit\n");
    CHECK(clean.status == 0);
}

TEST_CASE("the peers file follows the table", "[node]") {
    TempDir dir;
    TrackerProcess tracker;
    auto alice = start_node(tracker, "alice", dir.path, {"--peers-file", "peers.txt"});
    auto bob = start_node(tracker, "bob", dir.path);
    const auto peers_file_has = [&](const std::string& text) {
        return read_file(dir / "peers.txt").find(text) != std::string::npos;
    };
    CHECK(wait_until([&] { return peers_file_has("bob - 127.0.0.1:"); }));
    CHECK(read_file(dir / "peers.txt").find("alice - 127.0.0.1:") != std::string::npos);
    bob->close_stdin();
    REQUIRE(bob->wait_exit() == 0);
    CHECK(wait_until([&] { return !peers_file_has("bob"); }));
    CHECK(peers_file_has("alice - 127.0.0.1:"));
    // only the final file, no temporary left beside it
    CHECK_FALSE(exists(dir / ("peers.txt.tmp-" + std::to_string(alice->pid()))));
}

TEST_CASE("nodes leave the table when they exit", "[node]") {
    TempDir dir;
    TrackerProcess tracker;
    auto alice = start_node(tracker, "alice", dir.path);
    {
        auto bob = start_node(tracker, "bob", dir.path);
        CHECK(eventually_shows(*alice, "list-users", "bob - 127.0.0.1:"));
        bob->signal(SIGTERM); // a terminated node still says goodbye
        CHECK(bob->wait_exit() == 0);
    }
    const auto run = run_script(tracker, "carol", dir.path, "list-users\n");
    CHECK(run.out.find("bob") == std::string::npos);
    CHECK(run.out.find("alice - ") != std::string::npos);
}
