// A swarm's data path against a real file server in this process: every way of checking and
// writing chunks gives the same file; a write that fails ends the download with its reason and
// keeps the partial file; a download cancelled with chunks in the pipeline resumes.
#include <catch2/catch.hpp>

#include "local_holder.hpp"

#include <csignal>
#include <filesystem>
#include <sys/resource.h>

using namespace zshare;
using namespace zshare::node;
using namespace std::chrono_literals;
using zshare::testing::LocalHolder;
using zshare::testing::TempDir;

namespace {
std::string pattern(std::size_t size) {
    std::string bytes(size, '\0');
    for (std::size_t i = 0; i < size; ++i)
        bytes[i] = static_cast<char>((i * 7919) >> 5);
    return bytes;
}

std::unique_ptr<Swarm> swarm_for(LocalHolder& holder, const std::string& remote, const std::string& local,
                                 SwarmTuning tuning, bool& ended) {
    const auto shared = holder.shares.find(remote);
    REQUIRE(shared);
    return std::make_unique<Swarm>(holder.context, holder.reactor, *holder.hasher, *holder.writer,
                                   SwarmSpec::one(shared->content.id, {holder.source(remote)}, local, remote), tuning,
                                   [&ended] { ended = true; });
}
} // namespace

TEST_CASE("every chunk pipeline gives the same file", "[swarm]") {
    TempDir dir;
    const std::string content = pattern((5u << 20) + 12345);
    testing::write_file(dir / "holder/data.bin", content);
    for (const bool secure : {true, false}) {
        LocalHolder holder(dir / "holder/data.bin", 100ms, secure);
        holder.members.replace({{holder.downloader_keys.public_key, "downloader"}});
        for (const auto pipeline : {ChunkPipeline::loop, ChunkPipeline::writer, ChunkPipeline::worker}) {
            INFO("secure " << secure << ", pipeline " << int(pipeline));
            const std::string local = dir / ("got-" + std::to_string(secure) + std::to_string(int(pipeline)));
            SwarmTuning tuning = holder.tuning();
            tuning.pipeline = pipeline;
            bool ended = false;
            auto swarm = swarm_for(holder, dir / "holder/data.bin", local, tuning, ended);
            REQUIRE(holder.run_until([&] { return ended; }));
            INFO(swarm->error());
            CHECK(swarm->state() == Swarm::State::done);
            CHECK(testing::read_file(local) == content);
            CHECK_FALSE(std::filesystem::exists(local + ".part.state"));
        }
    }
}

TEST_CASE("a write that fails ends the download with its reason", "[swarm]") {
    TempDir dir;
    testing::write_file(dir / "holder/data.bin", pattern(4u << 20));
    LocalHolder holder(dir / "holder/data.bin", 100ms, false);
    // As a full disk would: past 2 MiB nothing can be written (EFBIG, its signal ignored).
    struct rlimit old {};
    REQUIRE(::getrlimit(RLIMIT_FSIZE, &old) == 0);
    const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
    bool ended = false;
    auto swarm = swarm_for(holder, dir / "holder/data.bin", dir / "got.bin", holder.tuning(), ended);
    // Once the partial file has its size (sparse), the limit comes down.
    REQUIRE(holder.run_until([&] { return swarm->have_manifest() || ended; }));
    struct rlimit tight = old;
    tight.rlim_cur = 2u << 20;
    REQUIRE(::setrlimit(RLIMIT_FSIZE, &tight) == 0);
    const bool done = holder.run_until([&] { return ended; });
    ::setrlimit(RLIMIT_FSIZE, &old);
    std::signal(SIGXFSZ, old_handler);
    REQUIRE(done);
    CHECK(swarm->state() == Swarm::State::failed);
    CHECK_THAT(swarm->error(), Catch::Contains("cannot write " + dir / "got.bin.part"));
    CHECK_THAT(swarm->error(), Catch::Contains("too large"));
    CHECK(std::filesystem::exists(dir / "got.bin.part"));
    CHECK_FALSE(std::filesystem::exists(dir / "got.bin"));
}

TEST_CASE("a download cancelled with chunks in the pipeline resumes", "[swarm]") {
    TempDir dir;
    const std::string content = pattern(24u << 20);
    testing::write_file(dir / "holder/data.bin", content);
    LocalHolder holder(dir / "holder/data.bin", 100ms, false);
    {
        bool ended = false;
        auto swarm = swarm_for(holder, dir / "holder/data.bin", dir / "got.bin", holder.tuning(), ended);
        REQUIRE(holder.run_until([&] { return swarm->verified_bytes() >= (4u << 20) || ended; }));
        REQUIRE_FALSE(ended);
        swarm->cancel(); // chunks are still with the writer: their results must not count
        REQUIRE(holder.run_until([&] { return ended; }));
        CHECK(swarm->error() == "cancelled");
    }
    // Let the writer hand back what it still held; the partial file and its state stay.
    holder.run_for(500ms);
    REQUIRE(std::filesystem::exists(dir / "got.bin.part.state"));
    bool ended = false;
    auto again = swarm_for(holder, dir / "holder/data.bin", dir / "got.bin", holder.tuning(), ended);
    REQUIRE(holder.run_until([&] { return ended; }));
    INFO(again->error());
    CHECK(again->state() == Swarm::State::done);
    CHECK(again->resumed_bytes() > 0);
    CHECK(testing::read_file(dir / "got.bin") == content);
}
