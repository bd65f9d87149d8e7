// A swarm against a real, secure file server in this process: the holder's gate holds an
// unknown key, then refuses it; the downloader tries again on a fresh socket, and once the
// holder's table lists its key, the download goes through. A holder whose key is not the one
// the table lists is dropped at once.
#include <catch2/catch.hpp>

#include "temp_files.hpp"

#include "file_server.hpp"
#include "file_server_gate.hpp"
#include "hasher.hpp"
#include "member_keys.hpp"
#include "reactor.hpp"
#include "share_scan.hpp"
#include "swarm.hpp"

#include <chrono>
#include <filesystem>

using namespace zshare;
using namespace zshare::node;
using namespace std::chrono_literals;
using zshare::testing::TempDir;

namespace {

struct SecureHolder {
    zmq::context_t context{1};
    Reactor reactor;
    MemberKeys members;
    protocol::KeyPair holder_keys = protocol::make_key_pair();
    protocol::KeyPair downloader_keys = protocol::make_key_pair();
    SharedFiles shares;
    std::unique_ptr<FileServerGate> gate;
    std::unique_ptr<FileServer> server;
    std::unique_ptr<Hasher> hasher;

    SecureHolder(const std::string& path, std::chrono::milliseconds patience) {
        const Collected found = collect_files({path});
        REQUIRE(found.error.empty());
        shares.add(found.files);
        gate = std::make_unique<FileServerGate>(context, reactor, members, patience);
        ServingRules rules;
        rules.security = {true, holder_keys};
        rules.members = &members;
        server = std::make_unique<FileServer>(context, "tcp://127.0.0.1:*", shares, rules);
        hasher = std::make_unique<Hasher>(context, reactor, ManifestCache(""));
    }
    SwarmTuning tuning() const {
        SwarmTuning tuning;
        tuning.security = {true, downloader_keys};
        tuning.refusal_pause = 300ms;
        tuning.timeout = 5s;
        return tuning;
    }
    /// Runs the loop until `done` or 20 s. Returns: done().
    bool run_until(const std::function<bool()>& done) {
        const auto deadline = std::chrono::steady_clock::now() + 20s;
        while (!done() && std::chrono::steady_clock::now() < deadline)
            reactor.run_once(20ms);
        return done();
    }
};

} // namespace

TEST_CASE("a refused handshake is tried again on a fresh socket", "[swarm]") {
    TempDir dir;
    const std::string content(3u << 20, 'z');
    testing::write_file(dir / "holder/big.bin", content);
    SecureHolder holder(dir / "holder/big.bin", 100ms);
    const auto shared = holder.shares.find(dir / "holder/big.bin");
    REQUIRE(shared);
    Source source{"holder", holder.server->endpoint(), shared->path, holder.holder_keys.public_key};
    bool ended = false;
    Swarm swarm(holder.context, holder.reactor, *holder.hasher,
                SwarmSpec{shared->content.id, {source}, dir / "got.bin", shared->path}, holder.tuning(),
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
    SecureHolder holder(dir / "holder/small.bin", 50ms);
    const auto shared = holder.shares.find(dir / "holder/small.bin");
    REQUIRE(shared);
    Source source{"holder", holder.server->endpoint(), shared->path, holder.holder_keys.public_key};
    bool ended = false;
    Swarm swarm(holder.context, holder.reactor, *holder.hasher,
                SwarmSpec{shared->content.id, {source}, dir / "got.bin", shared->path}, holder.tuning(),
                [&] { ended = true; });
    REQUIRE(holder.run_until([&] { return ended; }));
    CHECK(swarm.state() == Swarm::State::failed);
    CHECK_THAT(swarm.error(), Catch::Contains("refused this node 4 times"));
}

TEST_CASE("a holder without the key its row lists is dropped at once", "[swarm]") {
    TempDir dir;
    testing::write_file(dir / "holder/small.bin", "small");
    SecureHolder holder(dir / "holder/small.bin", 50ms);
    holder.members.replace({{holder.downloader_keys.public_key, "downloader"}});
    const auto shared = holder.shares.find(dir / "holder/small.bin");
    REQUIRE(shared);
    // The table lists another key for the holder: an impostor at that endpoint, say.
    Source source{"holder", holder.server->endpoint(), shared->path, protocol::make_key_pair().public_key};
    bool ended = false;
    Swarm swarm(holder.context, holder.reactor, *holder.hasher,
                SwarmSpec{shared->content.id, {source}, dir / "got.bin", shared->path}, holder.tuning(),
                [&] { ended = true; });
    REQUIRE(holder.run_until([&] { return ended; }));
    CHECK(swarm.state() == Swarm::State::failed);
    CHECK_THAT(swarm.error(), Catch::Contains("does not hold the key the tracker lists for it"));
}
