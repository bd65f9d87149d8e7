#include <catch2/catch.hpp>

#include "temp_files.hpp"

#include "codec.hpp"
#include "content.hpp"
#include "manifest_cache.hpp"

#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

using namespace zshare::node;
using zshare::testing::TempDir;
using zshare::testing::write_file;
namespace fs = std::filesystem;

namespace {
/// Returns: the Content of `path`, through `cache`.
std::optional<Content> content_through(ManifestCache& cache, const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY);
    REQUIRE(fd >= 0);
    struct stat info {};
    REQUIRE(::fstat(fd, &info) == 0);
    std::string error;
    auto content = cache.content_of(path, fd, info, error);
    ::close(fd);
    INFO(error);
    return content;
}
} // namespace

TEST_CASE("sha256 of known text", "[content]") {
    CHECK(to_hex(sha256("abc", 3)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(to_hex(sha256("", 0)) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("a manifest lists every chunk and its id is its hash", "[content]") {
    TempDir dir;
    const std::string data(manifest_chunk_size * 2 + 5, 'x');
    write_file(dir / "f", data);
    ManifestCache none{""};
    const auto content = content_through(none, dir / "f");
    REQUIRE(content);
    CHECK(content->manifest.size == data.size());
    CHECK(content->chunks() == 3);
    CHECK(content->chunk_length(2) == 5);
    CHECK(content->chunk_length(3) == 0);
    CHECK(content->chunk_matches(0, data.data(), manifest_chunk_size));
    CHECK(content->chunk_matches(2, data.data(), 5));
    CHECK_FALSE(content->chunk_matches(2, "xxxxy", 5));
    CHECK_FALSE(content->chunk_matches(2, data.data(), 4));
    CHECK_FALSE(content->chunk_matches(3, data.data(), 5));
    CHECK(content->id == to_hex(sha256(content->encoded->data(), content->encoded->size())));

    std::string error;
    const auto reopened = open_manifest(*content->encoded, content->id, error);
    REQUIRE(reopened);
    CHECK(reopened->manifest == content->manifest);
    // any other id, or a changed byte, is refused
    CHECK_FALSE(open_manifest(*content->encoded, std::string(64, '0'), error));
    CHECK(error.find("does not match") != std::string::npos);
    std::string tampered = *content->encoded;
    tampered.back() ^= 1;
    CHECK_FALSE(open_manifest(tampered, content->id, error));
}

TEST_CASE("a hashed manifest that does not describe its chunks is refused", "[content]") {
    zshare::protocol::Manifest wrong{3u << 20, 1u << 20, {std::string(32, 'h')}}; // 3 chunks, 1 hash
    const std::string encoded = zshare::protocol::encode(wrong);
    std::string error;
    CHECK_FALSE(open_manifest(encoded, to_hex(sha256(encoded.data(), encoded.size())), error));
    CHECK(error.find("inconsistent manifest") != std::string::npos);
}

TEST_CASE("the manifest cache spares hashing an unchanged file", "[content]") {
    TempDir dir;
    write_file(dir / "f", "first content");
    ManifestCache cache(dir / "cache");
    const auto first = content_through(cache, dir / "f");
    REQUIRE(first);
    CHECK(fs::is_directory(dir / "cache/manifests"));

    // Same size, same inode, same modification time: taken as unchanged, so the cached
    // manifest comes back (its id still that of the first content).
    struct stat before {};
    REQUIRE(::stat((dir / "f").c_str(), &before) == 0);
    {
        const int fd = ::open((dir / "f").c_str(), O_WRONLY);
        REQUIRE(::pwrite(fd, "FIRST", 5, 0) == 5);
        const struct timespec times[2] = {before.st_atim, before.st_mtim};
        REQUIRE(::futimens(fd, times) == 0);
        ::close(fd);
    }
    const auto cached = content_through(cache, dir / "f");
    REQUIRE(cached);
    CHECK(cached->id == first->id);

    // A changed modification time means hashing again.
    write_file(dir / "f", "FIRST content");
    const struct timespec later[2] = {{before.st_atim.tv_sec + 10, 0}, {before.st_mtim.tv_sec + 10, 0}};
    REQUIRE(::utimensat(AT_FDCWD, (dir / "f").c_str(), later, 0) == 0);
    const auto rehashed = content_through(cache, dir / "f");
    REQUIRE(rehashed);
    CHECK(rehashed->id != first->id);
}
