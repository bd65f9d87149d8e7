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

TEST_CASE("blake3 gives the published test vectors", "[content]") {
    // BLAKE3's test vectors: the input is the bytes 0, 1, ..., 250, 0, 1, ... of each length;
    // the hash is the first 32 bytes of the output. (These were computed again with the Rust
    // reference implementation shipped in Debian's librust-blake3-dev, independently of the C
    // code under test.) The lengths cross BLAKE3's 1024-byte chunks and its tree of chunks.
    const std::pair<std::size_t, const char*> vectors[] = {
        {0, "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"},
        {1, "2d3adedff11b61f14c886e35afa036736dcd87a74d27b5c1510225d0f592e213"},
        {1023, "10108970eeda3eb932baac1428c7a2163b0e924c9a9e25b35bba72b28f70bd11"},
        {1024, "42214739f095a406f3fc83deb889744ac00df831c10daa55189b5d121c855af7"},
        {1025, "d00278ae47eb27b34faecf67b4fe263f82d5412916c1ffd97c8cb7fb814b8444"},
        {2048, "e776b6028c7cd22a4d0ba182a8bf62205d2ef576467e838ed6f2529b85fba24a"},
        {2049, "5f4d72f40d7a5f82b15ca2b2e44b1de3c2ef86c426c95c1af0b6879522563030"},
        {8192, "aae792484c8efe4f19e2ca7d371d8c467ffb10748d8a5a1ae579948f718a2a63"},
        {102400, "bc3e3d41a1146b069abffad3c0d44860cf664390afce4d9661f7902e7943e085"},
    };
    for (const auto& [length, expected] : vectors) {
        std::string input(length, '\0');
        for (std::size_t i = 0; i < length; ++i)
            input[i] = static_cast<char>(i % 251);
        INFO("length " << length);
        CHECK(to_hex(blake3(input.data(), input.size())) == expected);
    }
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
    CHECK(content->id == to_hex(blake3(content->encoded->data(), content->encoded->size())));

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
    CHECK_FALSE(open_manifest(encoded, to_hex(blake3(encoded.data(), encoded.size())), error));
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
