// A swarm against a real, secure file server in this process: the holder's gate holds an
// unknown key, then refuses it; the downloader tries again on a fresh socket, and once the
// holder's table lists its key, the download goes through. A holder whose key is not the one
// the table lists is dropped at once.
#include <catch2/catch.hpp>

#include "temp_files.hpp"

#include "local_holder.hpp"

#include <chrono>
#include <filesystem>

using namespace zshare;
using namespace zshare::node;
using namespace std::chrono_literals;
using zshare::testing::LocalHolder;
using zshare::testing::TempDir;


TEST_CASE("a refused handshake is tried again on a fresh socket", "[swarm]") {
    TempDir dir;
    const std::string content(3u << 20, 'z');
    testing::write_file(dir / "holder/big.bin", content);
    LocalHolder holder(dir / "holder/big.bin", 100ms);
    const auto shared = holder.shares.find(dir / "holder/big.bin");
    REQUIRE(shared);
    Source source{"holder", holder.server->endpoint(), shared->path, holder.holder_keys.public_key};
    bool ended = false;
    Swarm swarm(holder.context, holder.reactor, *holder.hasher, *holder.writer,
                SwarmSpec::one(shared->content.id, {source}, dir / "got.bin", shared->path), holder.tuning(),
                [&] { ended = true; });
    // The holder does not know the downloader yet: its gate waits 100 ms, then refuses. After
    // the first refusal the downloader's key appears in the holder's table.
    const auto refused_once = std::chrono::steady_clock::now() + 600ms;
    holder.run_until([&] { return std::chrono::steady_clock::now() > refused_once; });
    CHECK_FALSE(ended);
    holder.members.replace({{holder.downloader_keys.public_key, "downloader"}});
    holder.gate->on_table_changed();
    REQUIRE(holder.run_until([&] { return ended; }));
    INFO(swarm.error());
    CHECK(swarm.state() == Swarm::State::done);
    CHECK(testing::read_file(dir / "got.bin") == content);
}

TEST_CASE("a holder that keeps refusing is dropped with the reason", "[swarm]") {
    TempDir dir;
    testing::write_file(dir / "holder/small.bin", "small");
    LocalHolder holder(dir / "holder/small.bin", 50ms);
    const auto shared = holder.shares.find(dir / "holder/small.bin");
    REQUIRE(shared);
    Source source{"holder", holder.server->endpoint(), shared->path, holder.holder_keys.public_key};
    bool ended = false;
    Swarm swarm(holder.context, holder.reactor, *holder.hasher, *holder.writer,
                SwarmSpec::one(shared->content.id, {source}, dir / "got.bin", shared->path), holder.tuning(),
                [&] { ended = true; });
    REQUIRE(holder.run_until([&] { return ended; }));
    CHECK(swarm.state() == Swarm::State::failed);
    CHECK_THAT(swarm.error(), Catch::Contains("refused this node 4 times"));
}

TEST_CASE("a holder without the key its row lists is dropped at once", "[swarm]") {
    TempDir dir;
    testing::write_file(dir / "holder/small.bin", "small");
    LocalHolder holder(dir / "holder/small.bin", 50ms);
    holder.members.replace({{holder.downloader_keys.public_key, "downloader"}});
    const auto shared = holder.shares.find(dir / "holder/small.bin");
    REQUIRE(shared);
    // The table lists another key for the holder: an impostor at that endpoint, say.
    Source source{"holder", holder.server->endpoint(), shared->path, protocol::make_key_pair().public_key};
    bool ended = false;
    Swarm swarm(holder.context, holder.reactor, *holder.hasher, *holder.writer,
                SwarmSpec::one(shared->content.id, {source}, dir / "got.bin", shared->path), holder.tuning(),
                [&] { ended = true; });
    REQUIRE(holder.run_until([&] { return ended; }));
    CHECK(swarm.state() == Swarm::State::failed);
    CHECK_THAT(swarm.error(), Catch::Contains("does not hold the key the tracker lists for it"));
}
