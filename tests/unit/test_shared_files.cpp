#include <catch2/catch.hpp>

#include "temp_files.hpp"
#include "codec.hpp"

#include "share_scan.hpp"
#include "shared_files.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <future>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

using namespace zshare::node;
using zshare::protocol::Manifest;
namespace fs = std::filesystem;

using zshare::testing::TempDir;
using zshare::testing::write_file;

namespace {



std::vector<std::string> paths_of(const std::vector<SharedFile> &files) {
    std::vector<std::string> out;
    for (const auto &file : files)
        out.push_back(file.path);
    std::sort(out.begin(), out.end());
    return out;
}

SharedFile shared(const std::string &path, std::uint64_t size) {
    SharedFile file;
    file.path = path;
    file.size = size;
    return file;
}

} // namespace

TEST_CASE("collect a single file", "[shared_files]") {
    TempDir dir;
    const std::string file = dir / "a.txt";
    write_file(file, "hello");

    const Collected found = collect_files({file});
    CHECK(found.error.empty());
    REQUIRE(found.files.size() == 1);
    CHECK(found.files[0].path == file);
    CHECK(found.files[0].size == 5);
    struct stat info {};
    REQUIRE(::stat(file.c_str(), &info) == 0);
    CHECK(found.files[0].device == info.st_dev);
    CHECK(found.files[0].inode == info.st_ino);
}

TEST_CASE("collect an empty file and a file by a non-canonical path", "[shared_files]") {
    TempDir dir;
    fs::create_directory(dir / "sub");
    write_file(dir / "empty", "");
    const Collected found = collect_files({dir.path + "/sub/../empty"});
    CHECK(found.error.empty());
    REQUIRE(found.files.size() == 1);
    CHECK(found.files[0].path == dir / "empty");
    CHECK(found.files[0].size == 0);
}

TEST_CASE("collect a relative path", "[shared_files]") {
    TempDir dir;
    write_file(dir / "rel.txt", "12");
    const auto previous = fs::current_path();
    fs::current_path(dir.path);
    const Collected found = collect_files({"rel.txt"});
    fs::current_path(previous);
    CHECK(found.error.empty());
    REQUIRE(found.files.size() == 1);
    CHECK(found.files[0].path == dir / "rel.txt");
}

TEST_CASE("collect a directory recursively", "[shared_files]") {
    TempDir dir;
    fs::create_directories(dir / "sub/deeper");
    fs::create_directory(dir / "empty-dir");
    write_file(dir / "a", "1");
    write_file(dir / "sub/b", "22");
    write_file(dir / "sub/deeper/c", "333");

    const Collected found = collect_files({dir.path});
    CHECK(found.error.empty());
    CHECK(paths_of(found.files) == std::vector<std::string>{dir / "a", dir / "sub/b", dir / "sub/deeper/c"});
    for (const auto &file : found.files)
        CHECK(file.size == fs::file_size(file.path));

    // A directory given with a trailing slash is the same directory.
    CHECK(paths_of(collect_files({dir.path + "/"}).files) == paths_of(found.files));
    // An empty directory shares nothing and is no error.
    const Collected none = collect_files({dir / "empty-dir"});
    CHECK(none.error.empty());
    CHECK(none.files.empty());
}

TEST_CASE("collect several paths", "[shared_files]") {
    TempDir dir;
    fs::create_directory(dir / "sub");
    write_file(dir / "a", "1");
    write_file(dir / "sub/b", "2");
    const Collected found = collect_files({dir / "a", dir / "sub"});
    CHECK(found.error.empty());
    CHECK(paths_of(found.files) == std::vector<std::string>{dir / "a", dir / "sub/b"});
}

TEST_CASE("collect a missing path", "[shared_files]") {
    TempDir dir;
    write_file(dir / "a", "1");
    const Collected missing = collect_files({dir / "nope"});
    CHECK_FALSE(missing.error.empty());
    CHECK_THAT(missing.error, Catch::Contains("nope"));
    CHECK(missing.files.empty());

    // One bad path refuses the whole request.
    const Collected mixed = collect_files({dir / "a", dir / "nope"});
    CHECK_FALSE(mixed.error.empty());
    CHECK(mixed.files.empty());
}

TEST_CASE("collect skips symlinks inside a directory", "[shared_files]") {
    TempDir outside;
    write_file(outside / "secret", "do not share");
    fs::create_directory(outside / "secret-dir");
    write_file(outside / "secret-dir/inner", "nor this");

    TempDir dir;
    write_file(dir / "real", "ok");
    fs::create_symlink(outside / "secret", dir / "link-to-file");
    fs::create_directory_symlink(outside / "secret-dir", dir / "link-to-dir");
    fs::create_symlink(dir / "real", dir / "link-to-inside");
    fs::create_symlink(dir / "missing", dir / "dangling");

    const Collected found = collect_files({dir.path});
    CHECK(found.error.empty());
    CHECK(paths_of(found.files) == std::vector<std::string>{dir / "real"});
}

TEST_CASE("collect a symlink named explicitly shares its target", "[shared_files]") {
    TempDir dir;
    write_file(dir / "target", "abc");
    fs::create_symlink(dir / "target", dir / "link");
    const Collected found = collect_files({dir / "link"});
    CHECK(found.error.empty());
    REQUIRE(found.files.size() == 1);
    CHECK(found.files[0].path == dir / "target");
    CHECK(found.files[0].size == 3);
}

TEST_CASE("collect skips fifos inside a directory", "[shared_files]") {
    TempDir dir;
    write_file(dir / "real", "ok");
    REQUIRE(::mkfifo((dir / "fifo").c_str(), 0600) == 0);
    const Collected found = collect_files({dir.path});
    CHECK(found.error.empty());
    CHECK(paths_of(found.files) == std::vector<std::string>{dir / "real"});
}

TEST_CASE("collect refuses a fifo named explicitly without blocking", "[shared_files]") {
    // identify() opens the path O_RDONLY without O_NONBLOCK: on a fifo with no writer that open
    // blocks until someone writes, so "register /path/to/fifo" hangs the node.
    TempDir dir;
    const std::string fifo = dir / "fifo";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    auto collecting = std::async(std::launch::async, [&] { return collect_files({fifo}); });
    const bool finished = collecting.wait_for(std::chrono::seconds(2)) == std::future_status::ready;
    int writer = -1;
    if (!finished) // a writer lets the blocked open return, so that the test itself never hangs
        writer = ::open(fifo.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
    const Collected found = collecting.get();
    if (writer >= 0)
        ::close(writer);
    CHECK(found.files.empty());
    CHECK_FALSE(found.error.empty());
    CHECK(finished);
}

TEST_CASE("collect an unreadable file", "[shared_files]") {
    TempDir dir;
    write_file(dir / "locked", "secret");
    write_file(dir / "open", "fine");
    fs::permissions(dir / "locked", fs::perms::none);
    if (::geteuid() == 0) {
        WARN("running as root: every file is readable, the unreadable file check is skipped");
        return;
    }
    const Collected named = collect_files({dir / "locked"});
    CHECK_FALSE(named.error.empty());
    CHECK(named.files.empty());
    const Collected inside = collect_files({dir.path});
    CHECK_FALSE(inside.error.empty());
    CHECK(inside.files.empty());
}

TEST_CASE("absolute path", "[shared_files]") {
    TempDir dir;
    fs::create_directory(dir / "sub");
    write_file(dir / "sub/f", "x");
    fs::create_symlink(dir / "sub", dir / "link");

    CHECK(absolute_path(dir / "sub/f") == dir / "sub/f");
    CHECK(absolute_path(dir.path + "/sub/../sub/./f") == dir / "sub/f");
    CHECK(absolute_path(dir.path + "/sub/") == dir / "sub");
    CHECK(absolute_path(dir / "link/f") == dir / "sub/f"); // canonical when it exists
    CHECK(absolute_path("/") == "/");

    // A path that does not exist is normalised only.
    CHECK(absolute_path(dir.path + "/missing/./x/../y") == dir / "missing/y");
    CHECK(absolute_path(dir.path + "/missing/dir/") == dir / "missing/dir");

    const auto previous = fs::current_path();
    fs::current_path(dir / "sub");
    const std::string relative = absolute_path("f");
    const std::string dot = absolute_path(".");
    const std::string up = absolute_path("../missing");
    fs::current_path(previous);
    CHECK(relative == dir / "sub/f");
    CHECK(dot == dir / "sub");
    CHECK(up == dir / "missing");
}

TEST_CASE("shared files add and find", "[shared_files]") {
    SharedFiles shares;
    CHECK_FALSE(shares.find("/a"));
    CHECK(shares.entries().empty());

    SharedFile a = shared("/d/a", 1);
    a.device = 5;
    a.inode = 6;
    shares.add({a, shared("/d/b", 2)});
    const auto found = shares.find("/d/a");
    REQUIRE(found);
    CHECK(found->path == "/d/a");
    CHECK(found->size == 1);
    CHECK(found->device == 5);
    CHECK(found->inode == 6);
    CHECK_FALSE(shares.find("/d"));
    CHECK_FALSE(shares.find("/d/a/"));
    CHECK_FALSE(shares.find("/d/./a"));

    // Adding again refreshes the registration.
    shares.add({shared("/d/a", 10)});
    REQUIRE(shares.find("/d/a"));
    CHECK(shares.find("/d/a")->size == 10);
    CHECK(shares.entries().size() == 2);
}

TEST_CASE("shared files entries ordered by path", "[shared_files]") {
    SharedFiles shares;
    shares.add({shared("/z", 3), shared("/a/b", 1), shared("/a/a", 2)});
    CHECK(shares.entries() == std::vector<zshare::protocol::FileEntry>{{"/a/a", 2}, {"/a/b", 1}, {"/z", 3}});
}

TEST_CASE("shared files count and remove under a path", "[shared_files]") {
    SharedFiles shares;
    shares.add({shared("/d/a", 1), shared("/d/sub/b", 2), shared("/d/sub/c", 3), shared("/d2/x", 4),
                shared("/dd", 5), shared("/other", 6)});
    CHECK(shares.count_under("/d") == 3);
    CHECK(shares.count_under("/d/sub") == 2);
    CHECK(shares.count_under("/d/a") == 1);
    CHECK(shares.count_under("/d2") == 1); // "/d2" is not under "/d"
    CHECK(shares.count_under("/nothing") == 0);
    CHECK(shares.count_under("/") == 6);

    auto removed = shares.remove_under({"/d/sub"});
    CHECK(paths_of(removed) == std::vector<std::string>{"/d/sub/b", "/d/sub/c"});
    CHECK(shares.count_under("/d") == 1);
    CHECK_FALSE(shares.find("/d/sub/b"));

    removed = shares.remove_under({"/nothing"});
    CHECK(removed.empty());

    removed = shares.remove_under({"/d", "/other"});
    CHECK(paths_of(removed) == std::vector<std::string>{"/d/a", "/other"});
    CHECK(shares.entries() == std::vector<zshare::protocol::FileEntry>{{"/d2/x", 4}, {"/dd", 5}});

    removed = shares.remove_under({"/"});
    CHECK(removed.size() == 2);
    CHECK(shares.entries().empty());
}

TEST_CASE("shared files from collected files", "[shared_files]") {
    TempDir dir;
    fs::create_directory(dir / "sub");
    write_file(dir / "a", "1");
    write_file(dir / "sub/b", "22");
    const Collected found = collect_files({dir.path});
    REQUIRE(found.error.empty());

    SharedFiles shares;
    shares.add(found.files);
    CHECK(shares.count_under(absolute_path(dir.path)) == 2);
    CHECK(shares.count_under(absolute_path(dir.path + "/sub/")) == 1);
    // content id: BLAKE3 of the manifest, which lists the BLAKE3 of each chunk
    const auto id_of = [](const std::string& text) {
        Manifest manifest{text.size(), manifest_chunk_size, {}};
        const Digest chunk = blake3(text.data(), text.size());
        manifest.chunk_hashes.data.assign(reinterpret_cast<const char*>(chunk.data()), chunk.size());
        const std::string encoded = zshare::protocol::encode(manifest);
        return to_hex(blake3(encoded.data(), encoded.size()));
    };
    CHECK(shares.entries() == std::vector<zshare::protocol::FileEntry>{{dir / "a", 1, id_of("1")},
                                                                       {dir / "sub/b", 2, id_of("22")}});
    CHECK(shares.remove_under({absolute_path(dir / "sub")}).size() == 1);
    CHECK(shares.count_under(dir.path) == 1);
}
