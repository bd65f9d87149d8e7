// Verified multi-source downloads: several holders, bad holders, holders that vanish, resume.
#include "cluster.hpp"

#include "codec.hpp"

#include <catch2/catch.hpp>
#include <csignal>
#include <fcntl.h>
#include <filesystem>
#include <unistd.h>

using namespace zshare::testing;
using Stream = Process::Stream;
namespace fs = std::filesystem;

namespace {
/// Overwrites `length` bytes at `offset` of `path` in place (same inode, same size).
void corrupt(const std::string& path, std::uint64_t offset, std::size_t length) {
    const int fd = ::open(path.c_str(), O_WRONLY);
    REQUIRE(fd >= 0);
    const std::string garbage(length, '\x5a');
    REQUIRE(::pwrite(fd, garbage.data(), garbage.size(), static_cast<off_t>(offset)) == ssize_t(length));
    ::close(fd);
}


/// Starts `count` holders named h1..hN, each sharing its own copy of `content` as big.bin.
std::vector<std::unique_ptr<Process>> start_holders(const TrackerProcess& tracker, const TempDir& dir,
                                                    const std::string& content, int count,
                                                    std::vector<std::string> extra = {}) {
    std::vector<std::unique_ptr<Process>> holders;
    for (int i = 1; i <= count; ++i) {
        const std::string name = "h" + std::to_string(i);
        write_file(dir / (name + "/big.bin"), content);
        std::vector<std::string> args{"--share", "big.bin"};
        args.insert(args.end(), extra.begin(), extra.end());
        holders.push_back(start_node(tracker, name, dir / name, args));
    }
    return holders;
}
} // namespace

TEST_CASE("three holders: one download, identical bytes, every holder used", "[swarm]") {
    TempDir dir;
    const std::string content = random_bytes(24u << 20, 11);
    TrackerProcess tracker;
    // Capped, as links are: no one holder can serve it all before the others join in.
    auto holders = start_holders(tracker, dir, content, 3, {"--upload-limit", "16384"});
    fs::create_directories(dir / "bob");
    const auto run = run_script(tracker, "bob", dir / "bob", "list-files -l\ndownload big.bin\n");
    INFO(run.err);
    REQUIRE(run.status == 0);
    CHECK(read_file(dir / "bob/downloads/big.bin") == content);
    CHECK(run.out.find("h1 : " + dir.path + "/h1/big.bin  24.0 MiB  ") != std::string::npos);
    CHECK(count_lines(run.out, "") == 0);
    CHECK(run.out.find("  3 holders\n") != std::string::npos);
    CHECK(run.out.find("(25165824 bytes, ") != std::string::npos);
    CHECK(run.out.find(", 3 peers)") != std::string::npos);
    CHECK_FALSE(exists(dir / "bob/downloads/big.bin.part"));
    CHECK_FALSE(exists(dir / "bob/downloads/big.bin.part.state"));
}

TEST_CASE("the user form draws on every holder; a content id names the content", "[swarm]") {
    TempDir dir;
    const std::string content = random_bytes(8u << 20, 12);
    TrackerProcess tracker;
    auto holders = start_holders(tracker, dir, content, 2);
    fs::create_directories(dir / "bob");
    auto bob = start_node(tracker, "bob", dir / "bob");
    bob->write("download h1 " + dir.path + "/h1/big.bin one.bin\n");
    REQUIRE(bob->wait_for(Stream::out, "downloaded " + dir.path + "/h1/big.bin from "));
    CHECK(read_file(dir / "bob/one.bin") == content);
    bob->write("list-files -l\n");
    const auto listed = bob->wait_for(Stream::out, "h2 : ");
    REQUIRE(listed);
    const auto id = listed->substr(listed->find("MiB  ") + 5, 12);
    bob->write("download " + id + " two.bin\n"); // <content> <local>: the first word is no user
    bob->write("download " + id + "\n");
    REQUIRE(bob->wait_for(Stream::out, "downloads/big.bin ("));
    CHECK(read_file(dir / "bob/two.bin") == content);
    CHECK(read_file(dir / "bob/downloads/big.bin") == content);
    bob->close_stdin();
    CHECK(bob->wait_exit() == 0);
}

TEST_CASE("chunks spoiled on one holder come right from the others", "[swarm]") {
    TempDir dir;
    const std::string content = random_bytes(16u << 20, 13);
    TrackerProcess tracker;
    auto holders = start_holders(tracker, dir, content, 2);
    // The file changes after it was registered: two chunks of h1 no longer match the manifest.
    corrupt(dir / "h1/big.bin", 0, 100);
    corrupt(dir / "h1/big.bin", 5u << 20, 100);
    fs::create_directories(dir / "bob");
    const auto run = run_script(tracker, "bob", dir / "bob", "download h1 " + dir.path + "/h1/big.bin\n");
    INFO(run.err);
    CHECK(run.status == 0);
    CHECK(read_file(dir / "bob/downloads/big.bin") == content);
}

TEST_CASE("a holder with only bad chunks is dropped, with a clear error", "[swarm]") {
    TempDir dir;
    const std::string content = random_bytes(8u << 20, 14);
    TrackerProcess tracker;
    auto holders = start_holders(tracker, dir, content, 1);
    corrupt(dir / "h1/big.bin", 0, 8u << 20);
    fs::create_directories(dir / "bob");
    const auto run = run_script(tracker, "bob", dir / "bob", "download big.bin\n");
    CHECK(run.status == 1);
    CHECK(run.err.find("error: h1 sent 3 chunks that fail verification") != std::string::npos);
    CHECK_FALSE(exists(dir / "bob/downloads/big.bin"));
}

TEST_CASE("a holder killed mid-download costs only its chunks in flight", "[swarm]") {
    TempDir dir;
    const std::string content = random_bytes(48u << 20, 15);
    TrackerProcess tracker;
    // 12 MiB/s each: the download takes long enough to kill one holder in the middle.
    auto holders = start_holders(tracker, dir, content, 2, {"--upload-limit", "12288"});
    fs::create_directories(dir / "bob");
    auto bob = start_node(tracker, "bob", dir / "bob", {"--peer-timeout-ms", "1000"});
    bob->write("download big.bin\n");
    REQUIRE(wait_until([&] { return verified_in_state(dir / "bob/downloads/big.bin.part.state") >= 8; }));
    holders[0]->signal(SIGKILL);
    REQUIRE(bob->wait_for(Stream::out, "downloaded ", 60s));
    CHECK(read_file(dir / "bob/downloads/big.bin") == content);
    bob->close_stdin();
    CHECK(bob->wait_exit() == 0);
}

TEST_CASE("a killed download resumes from its partial file", "[swarm]") {
    TempDir dir;
    const std::string content = random_bytes(48u << 20, 16);
    TrackerProcess tracker;
    auto holders = start_holders(tracker, dir, content, 1, {"--upload-limit", "16384"});
    fs::create_directories(dir / "bob");
    {
        auto bob = start_node(tracker, "bob", dir / "bob");
        bob->write("download big.bin\n");
        REQUIRE(wait_until([&] { return verified_in_state(dir / "bob/downloads/big.bin.part.state") >= 8; }));
        bob->signal(SIGKILL);
        bob->wait_exit();
    }
    CHECK_FALSE(exists(dir / "bob/downloads/big.bin"));
    REQUIRE(exists(dir / "bob/downloads/big.bin.part"));
    // bob died without a goodbye and still holds his name for now: come back as bob2.
    const auto run = run_script(tracker, "bob2", dir / "bob", "download big.bin\n");
    INFO(run.err);
    CHECK(run.status == 0);
    CHECK(run.err.find("resuming " + dir.path + "/bob/downloads/big.bin") != std::string::npos);
    CHECK(run.out.find(" bytes resumed)") != std::string::npos);
    CHECK(read_file(dir / "bob/downloads/big.bin") == content);
    CHECK_FALSE(exists(dir / "bob/downloads/big.bin.part"));
    CHECK_FALSE(exists(dir / "bob/downloads/big.bin.part.state"));
}

TEST_CASE("no holder left keeps the partial file for later", "[swarm]") {
    TempDir dir;
    const std::string content = random_bytes(32u << 20, 17);
    TrackerProcess tracker;
    auto holders = start_holders(tracker, dir, content, 1, {"--upload-limit", "8192"});
    fs::create_directories(dir / "bob");
    auto bob = start_node(tracker, "bob", dir / "bob");
    bob->write("download big.bin\n");
    REQUIRE(wait_until([&] { return verified_in_state(dir / "bob/downloads/big.bin.part.state") >= 2; }));
    holders[0]->close_stdin(); // h1 leaves properly: the tracker tells bob at once
    REQUIRE(bob->wait_for(Stream::err, "error: h1 no longer shares " + dir.path + "/h1/big.bin"));
    CHECK(bob->text(Stream::err).find("big.bin.part stays: run the same download to resume") != std::string::npos);
    CHECK(exists(dir / "bob/downloads/big.bin.part"));
    CHECK_FALSE(exists(dir / "bob/downloads/big.bin"));
}

TEST_CASE("background downloads, the downloads list and cancel", "[swarm]") {
    TempDir dir;
    const std::string content = random_bytes(32u << 20, 18);
    TrackerProcess tracker;
    auto holders = start_holders(tracker, dir, content, 1, {"--upload-limit", "4096"});
    fs::create_directories(dir / "bob");
    auto bob = start_node(tracker, "bob", dir / "bob");
    bob->write("download big.bin &\n");
    REQUIRE(bob->wait_for(Stream::out, "[1] downloading " + dir.path + "/h1/big.bin to "));
    bob->write("list-users\n"); // the REPL goes on meanwhile
    REQUIRE(bob->wait_for(Stream::out, "h1 - 127.0.0.1:"));
    CHECK(eventually_shows(*bob, "downloads", "[1] " + dir.path + "/h1/big.bin "));
    REQUIRE(wait_until([&] { return exists(dir / "bob/downloads/big.bin.part.state"); }));
    bob->write("cancel 1\n");
    // A cancel the user asked for is said plainly: not an error, not a failure.
    REQUIRE(bob->wait_for(Stream::out, "[1] cancelled " + dir.path + "/h1/big.bin (the partial file"));
    CHECK(bob->text(Stream::err).find("error:") == std::string::npos);
    bob->write("downloads\n");
    REQUIRE(bob->wait_for(Stream::out, "no downloads under way"));
    bob->write("cancel 7\n");
    REQUIRE(bob->wait_for(Stream::err, "error: no download 7"));
    bob->close_stdin();
    CHECK(bob->wait_exit() == 1); // for the cancel that failed
    CHECK_FALSE(exists(dir / "bob/downloads/big.bin"));
    CHECK(exists(dir / "bob/downloads/big.bin.part"));
}

TEST_CASE("the end of input waits for background downloads", "[swarm]") {
    TempDir dir;
    const std::string content = random_bytes(4u << 20, 19);
    TrackerProcess tracker;
    auto holders = start_holders(tracker, dir, content, 1);
    fs::create_directories(dir / "bob");
    const auto run = run_script(tracker, "bob", dir / "bob", "download big.bin &\n");
    CHECK(run.status == 0);
    CHECK(run.out.find("[1] downloaded ") != std::string::npos);
    CHECK(read_file(dir / "bob/downloads/big.bin") == content);
}

TEST_CASE("a holder advertising a useless endpoint does not stop the download", "[swarm]") {
    TempDir dir;
    const std::string content = random_bytes(2u << 20, 20);
    TrackerProcess tracker;
    auto holders = start_holders(tracker, dir, content, 1);
    fs::create_directories(dir / "bob");
    auto bob = start_node(tracker, "bob", dir / "bob", {"--peer-timeout-ms", "1000"});
    bob->write("list-files -l\n");
    const auto listed = bob->wait_for(Stream::out, "h1 : ");
    REQUIRE(listed);
    // The real content id, as h1 announced it, from the tap's JSON.
    auto tap_process = start_tap(tracker, {"--json"});
    Process& tap = *tap_process;
    const auto row = tap.wait_for(Stream::out, "\"content_id\":\"");
    REQUIRE(row);
    const auto at = row->find("\"content_id\":\"") + 14;
    const std::string id = row->substr(at, 64);
    // A bare client claims the same content at endpoints nobody can use.
    zmq::context_t context(1);
    zmq::socket_t raw = connect_to_tracker(context, tracker);
    raw.send(zmq::buffer(zshare::protocol::encode(zshare::protocol::Connect{
                 "mallory", "tcp://no-such-host.invalid:5", {{"/x/big.bin", content.size(), id}}})),
             zmq::send_flags::none);
    REQUIRE(eventually_shows(*bob, "list-files -l", "  2 holders"));
    bob->write("download big.bin\n");
    REQUIRE(bob->wait_for(Stream::out, "downloaded ", 60s));
    CHECK(read_file(dir / "bob/downloads/big.bin") == content);
}

TEST_CASE("a holder of the same content under two paths stays a holder", "[swarm]") {
    TempDir dir;
    const std::string content = random_bytes(12u << 20, 23);
    write_file(dir / "alice/d/a.bin", content);
    write_file(dir / "alice/d/b.bin", content);
    TrackerProcess tracker;
    auto alice = start_node(tracker, "alice", dir / "alice", {"--share", "d", "--upload-limit", "4096"});
    fs::create_directories(dir / "bob");
    auto bob = start_node(tracker, "bob", dir / "bob");
    bob->write("download alice " + dir.path + "/alice/d/b.bin out.bin\n");
    REQUIRE(wait_until([&] { return exists(dir / "bob/out.bin.part.state"); }));
    auto carol = start_node(tracker, "carol", dir.path); // a change of the table mid-download
    REQUIRE(bob->wait_for(Stream::out, "downloaded ", 60s));
    CHECK(read_file(dir / "bob/out.bin") == content);
}
