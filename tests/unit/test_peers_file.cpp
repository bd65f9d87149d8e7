#include <catch2/catch.hpp>

#include "temp_files.hpp"

#include "mirror.hpp"
#include "file_io.hpp"
#include "format.hpp"
#include "peers_file.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

using namespace zshare;
using namespace zshare::node;
using protocol::PeerInfo;
using protocol::PeerList;
namespace fs = std::filesystem;

using zshare::testing::TempDir;
using zshare::testing::write_file;

namespace {


std::string read_file(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::vector<std::string> names_in(const std::string &dir) {
    std::vector<std::string> names;
    for (const auto &entry : fs::directory_iterator(dir))
        names.push_back(entry.path().filename().string());
    return names;
}

} // namespace

TEST_CASE("host and port of an endpoint", "[peers_file]") {
    CHECK(host_port("tcp://10.0.0.1:5001") == "10.0.0.1:5001");
    CHECK(host_port("tcp://host.example:1") == "host.example:1");
    CHECK(host_port("tcp://[::1]:5001") == "[::1]:5001");
    CHECK(host_port("tcp://") == "");
    CHECK(host_port("10.0.0.1:5001") == "10.0.0.1:5001"); // no scheme: unchanged
    CHECK(host_port("udp://h:1") == "udp://h:1");
    CHECK(host_port("") == "");
}

TEST_CASE("peers file text", "[peers_file]") {
    Mirror mirror;
    CHECK(peers_file_text(mirror).empty());

    mirror.reset(PeerList{1,
                          5,
                          {PeerInfo{"carol", "tcp://10.0.0.3:5003", {{"/c", 1}}},
                           PeerInfo{"alice", "tcp://10.0.0.1:5001", {}},
                           PeerInfo{"bob", "tcp://[::1]:5002", {{"/b", 2}, {"/bb", 3}}}}});
    CHECK(peers_file_text(mirror) == "alice - 10.0.0.1:5001\n"
                                     "bob - [::1]:5002\n"
                                     "carol - 10.0.0.3:5003\n");

    // It follows the mirror.
    REQUIRE(mirror.apply(protocol::UnregisterPeer{1, 6, "bob"}) == Mirror::Outcome::applied);
    REQUIRE(mirror.apply(protocol::RegisterPeer{1, 7, PeerInfo{"Dave", "tcp://h:9", {}}}) ==
            Mirror::Outcome::applied);
    CHECK(peers_file_text(mirror) == "Dave - h:9\n"
                                     "alice - 10.0.0.1:5001\n"
                                     "carol - 10.0.0.3:5003\n");

    mirror.reset(PeerList{2, 0, {}});
    CHECK(peers_file_text(mirror).empty());
}

TEST_CASE("write file atomically", "[peers_file]") {
    TempDir dir;
    const std::string path = dir / "peers.txt";

    CHECK(write_file_atomically(path, "alice - 10.0.0.1:5001\n").empty());
    CHECK(read_file(path) == "alice - 10.0.0.1:5001\n");
    CHECK(names_in(dir.path) == std::vector<std::string>{"peers.txt"});

    // Replaces, including with shorter text, and with nothing.
    CHECK(write_file_atomically(path, "b\n").empty());
    CHECK(read_file(path) == "b\n");
    CHECK(write_file_atomically(path, "").empty());
    CHECK(fs::exists(path));
    CHECK(read_file(path).empty());

    const std::string big(1 << 20, 'x');
    CHECK(write_file_atomically(path, big).empty());
    CHECK(read_file(path) == big);
    CHECK(names_in(dir.path) == std::vector<std::string>{"peers.txt"});
}

TEST_CASE("write file atomically replaces a file held open", "[peers_file]") {
    TempDir dir;
    const std::string path = dir / "peers.txt";
    REQUIRE(write_file_atomically(path, "old\n").empty());
    std::ifstream reader(path, std::ios::binary); // a reader keeps what it opened
    REQUIRE(write_file_atomically(path, "new\n").empty());
    std::string seen((std::istreambuf_iterator<char>(reader)), std::istreambuf_iterator<char>());
    CHECK(seen == "old\n");
    CHECK(read_file(path) == "new\n");
}

TEST_CASE("write file atomically reports failures and leaves no temp file", "[peers_file]") {
    TempDir dir;
    SECTION("missing directory") {
        const std::string problem = write_file_atomically(dir / "missing/peers.txt", "x");
        CHECK_FALSE(problem.empty());
        CHECK(names_in(dir.path).empty());
    }
    SECTION("the target is a directory") {
        fs::create_directory(dir / "peers.txt");
        fs::create_directory(dir / "peers.txt/keep");
        const std::string problem = write_file_atomically(dir / "peers.txt", "x");
        CHECK_FALSE(problem.empty());
        CHECK(names_in(dir.path) == std::vector<std::string>{"peers.txt"});
        CHECK(fs::is_directory(dir / "peers.txt"));
    }
}
