// Downloads between real nodes, and everything a file server must refuse.
#include "cluster.hpp"

#include <catch2/catch.hpp>
#include <csignal>
#include <filesystem>

using namespace zshare::testing;
using Stream = Process::Stream;
namespace fs = std::filesystem;

namespace {
/// No partial file may remain anywhere under `dir`.
bool has_partial_files(const std::string& dir) {
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec))
        if (it->path().extension() == ".part")
            return true;
    return false;
}
} // namespace

TEST_CASE("download to the default place, then share what was saved", "[download]") {
    TempDir dir;
    const std::string big = random_bytes(24u << 20, 7); // many chunks, several windows
    write_file(dir / "alice/big.bin", big);
    write_file(dir / "alice/empty", "");
    write_file(dir / "alice/note.txt", "hello\n");
    TrackerProcess tracker;
    auto alice = start_node(tracker, "alice", dir / "alice", {"--share", "."});
    fs::create_directories(dir / "bob");
    const auto run = run_script(tracker, "bob", dir / "bob",
                                "download alice " + dir.path + "/alice/big.bin\n"
                                "download alice " + dir.path + "/alice/empty\n"
                                "download alice note.txt\n" // a bare name of alice's files
                                "list-files\n",
                                {"--window", "4"});
    INFO(run.err);
    CHECK(run.status == 0);
    CHECK(read_file(dir / "bob/downloads/big.bin") == big);
    CHECK(exists(dir / "bob/downloads/empty"));
    CHECK(read_file(dir / "bob/downloads/empty").empty());
    CHECK(run.out.find("/alice/empty from alice to " + dir.path + "/bob/downloads/empty (0 bytes, ") !=
          std::string::npos);
    CHECK(read_file(dir / "bob/downloads/note.txt") == "hello\n");
    CHECK(run.out.find("downloaded " + dir.path + "/alice/big.bin from alice to " + dir.path +
                       "/bob/downloads/big.bin (25165824 bytes, ") != std::string::npos);
    // seed 004: the saved file is registered automatically
    CHECK(count_lines(run.out, "bob : " + dir.path + "/bob/downloads/big.bin") == 1);
    CHECK(count_lines(run.out, "bob : " + dir.path + "/bob/downloads/note.txt") == 1);
    CHECK_FALSE(has_partial_files(dir.path));
}

TEST_CASE("download to a chosen path or directory, never over an existing file", "[download]") {
    TempDir dir;
    write_file(dir / "alice/song.ogg", "la la la");
    write_file(dir / "bob/keep.ogg", "precious");
    fs::create_directories(dir / "bob/music");
    TrackerProcess tracker;
    auto alice = start_node(tracker, "alice", dir / "alice", {"--share", "song.ogg"});
    const std::string remote = dir.path + "/alice/song.ogg";
    const auto run = run_script(tracker, "bob", dir / "bob",
                                "download alice " + remote + " \"my copy.ogg\"\n"
                                "download alice " + remote + " music\n"
                                "download alice " + remote + " keep.ogg\n"
                                "download alice " + remote + " new/dir/deep.ogg\n");
    CHECK(run.status == 1);
    CHECK(read_file(dir / "bob/my copy.ogg") == "la la la");
    CHECK(read_file(dir / "bob/music/song.ogg") == "la la la");
    CHECK(read_file(dir / "bob/keep.ogg") == "precious");
    // Only the downloads folder is made by the node: another missing folder is a mistake.
    CHECK_FALSE(exists(dir / "bob/new"));
    CHECK(run.err.find("error: cannot save to " + dir.path + "/bob/new/dir/deep.ogg: the folder " + dir.path +
                       "/bob/new/dir does not exist") != std::string::npos);
    CHECK(run.err.find("error: " + dir.path + "/bob/keep.ogg already exists") != std::string::npos);
}

TEST_CASE("download errors name their cause and leave nothing behind", "[download]") {
    TempDir dir;
    write_file(dir / "alice/shared/ok.txt", "ok");
    write_file(dir / "alice/secret.txt", "secret");
    write_file(dir / "alice/shared/twin/ok.txt", "twin");
    fs::create_symlink(dir / "alice/secret.txt", dir / "alice/shared/link-out.txt");
    fs::create_symlink("/etc/passwd", dir / "alice/shared/passwd");
    TrackerProcess tracker;
    auto alice = start_node(tracker, "alice", dir / "alice", {"--share", "shared"});
    fs::create_directories(dir / "bob");
    const std::string shared = dir.path + "/alice/shared";
    const auto run = run_script(tracker, "bob", dir / "bob",
                                "download nobody /x\n"
                                "download alice /etc/passwd\n"
                                "download alice " + dir.path + "/alice/secret.txt\n"
                                "download alice " + shared + "/../secret.txt\n"
                                "download alice " + shared + "/link-out.txt\n"
                                "download alice " + shared + "/passwd\n"
                                "download alice ok.txt\n" // two files of that name
                                "download alice\n"
                                "download ghost-file\n"
                                "list-files\n");
    CHECK(run.status == 1);
    const auto& err = run.err;
    CHECK(err.find("error: unknown user 'nobody'") != std::string::npos);
    CHECK(err.find("error: alice does not share /etc/passwd") != std::string::npos);
    CHECK(err.find("error: alice does not share " + dir.path + "/alice/secret.txt") != std::string::npos);
    CHECK(err.find("error: alice does not share " + shared + "/../secret.txt") != std::string::npos);
    CHECK(err.find("error: alice does not share " + shared + "/link-out.txt") != std::string::npos);
    CHECK(err.find("error: alice does not share " + shared + "/passwd") != std::string::npos);
    CHECK(err.find("error: 'ok.txt' names several files of alice") != std::string::npos);
    CHECK(err.find("error: nobody shares a file named 'alice' (to fetch from user alice: download alice "
                   "<remote_path>)") != std::string::npos);
    CHECK(err.find("error: nobody shares 'ghost-file'") != std::string::npos);
    // the links were never registered, so never listed
    CHECK(run.out.find("link-out") == std::string::npos);
    CHECK(run.out.find("passwd") == std::string::npos);
    CHECK_FALSE(exists(dir / "bob/downloads/passwd"));
    CHECK_FALSE(exists(dir / "bob/downloads/secret.txt"));
    CHECK_FALSE(exists(dir / "bob/downloads/link-out.txt"));
    CHECK_FALSE(has_partial_files(dir.path));
}

TEST_CASE("a shared file swapped for a link is no longer served", "[download]") {
    TempDir dir;
    write_file(dir / "alice/doc.txt", "original");
    write_file(dir / "alice/private.txt", "private");
    TrackerProcess tracker;
    auto alice = start_node(tracker, "alice", dir / "alice", {"--share", "doc.txt"});
    fs::remove(dir / "alice/doc.txt");
    fs::create_symlink(dir / "alice/private.txt", dir / "alice/doc.txt");
    fs::create_directories(dir / "bob");
    const auto run = run_script(tracker, "bob", dir / "bob", "download alice " + dir.path + "/alice/doc.txt\n");
    CHECK(run.status == 1);
    CHECK(run.err.find("error: alice does not share " + dir.path + "/alice/doc.txt") != std::string::npos);
    CHECK_FALSE(exists(dir / "bob/downloads/doc.txt"));
}

TEST_CASE("the one-argument form finds the single holder", "[download]") {
    TempDir dir;
    write_file(dir / "alice/unique.txt", "one of a kind");
    write_file(dir / "alice/common.txt", "alice's");
    write_file(dir / "carol/common.txt", "carol's");
    TrackerProcess tracker;
    auto alice = start_node(tracker, "alice", dir / "alice", {"--share", "."});
    auto carol = start_node(tracker, "carol", dir / "carol", {"--share", "."});
    fs::create_directories(dir / "bob");
    const auto run = run_script(tracker, "bob", dir / "bob", "download unique.txt\ndownload common.txt\n");
    CHECK(run.status == 1);
    CHECK(read_file(dir / "bob/downloads/unique.txt") == "one of a kind");
    CHECK(run.err.find("error: 'common.txt' names different contents; pick one:") != std::string::npos);
    CHECK(run.err.find("  download carol " + dir.path + "/carol/common.txt") != std::string::npos);
}

TEST_CASE("an unreachable peer is reported and the node goes on", "[download]") {
    TempDir dir;
    write_file(dir / "alice/file.txt", "data");
    write_file(dir / "carol/file2.txt", "more data");
    TrackerProcess tracker;
    auto alice = start_node(tracker, "alice", dir / "alice", {"--share", "file.txt"});
    auto carol = start_node(tracker, "carol", dir / "carol", {"--share", "file2.txt"});
    fs::create_directories(dir / "bob");
    auto bob = start_node(tracker, "bob", dir / "bob", {"--peer-timeout-ms", "500"});
    REQUIRE(eventually_shows(*bob, "list-users", "alice - "));
    // Killed without a goodbye: the tracker still lists alice, but nobody answers there.
    alice->signal(SIGKILL);
    alice->wait_exit();
    bob->write("download alice " + dir.path + "/alice/file.txt\n");
    CHECK(bob->wait_for(Stream::err, "error: alice (tcp://127.0.0.1:"));
    CHECK(bob->text(Stream::err).find("is unreachable: no answer within 0.5 s") != std::string::npos);
    // and the node goes on
    bob->write("download carol " + dir.path + "/carol/file2.txt\n");
    CHECK(bob->wait_for(Stream::out, "downloaded " + dir.path + "/carol/file2.txt from carol"));
    CHECK_FALSE(exists(dir / "bob/downloads/file.txt"));
    CHECK_FALSE(has_partial_files(dir.path));
    bob->close_stdin();
    CHECK(bob->wait_exit() == 1);
}

TEST_CASE("downloads between nodes run both ways at once", "[download]") {
    TempDir dir;
    const std::string a = random_bytes(6u << 20, 1), b = random_bytes(6u << 20, 2);
    write_file(dir / "alice/a.bin", a);
    write_file(dir / "bob/b.bin", b);
    TrackerProcess tracker;
    auto alice = start_node(tracker, "alice", dir / "alice", {"--share", "a.bin"});
    auto bob = start_node(tracker, "bob", dir / "bob", {"--share", "b.bin"});
    REQUIRE(eventually_shows(*alice, "list-users", "bob - "));
    REQUIRE(eventually_shows(*bob, "list-users", "alice - "));
    alice->write("download bob " + dir.path + "/bob/b.bin\n");
    bob->write("download alice " + dir.path + "/alice/a.bin\n");
    CHECK(alice->wait_for(Stream::out, "downloaded"));
    CHECK(bob->wait_for(Stream::out, "downloaded"));
    CHECK(read_file(dir / "alice/downloads/b.bin") == b);
    CHECK(read_file(dir / "bob/downloads/a.bin") == a);
}
