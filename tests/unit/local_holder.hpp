// A holder in the test's own process: a real file server (secure, with its gate, or plain)
// sharing one file, a reactor to run it and a downloader's swarm together, a hasher and a
// chunk writer. For unit tests of the swarm against real sockets.
#pragma once

#include "temp_files.hpp"

#include "chunk_writer.hpp"
#include "file_server.hpp"
#include "file_server_gate.hpp"
#include "hasher.hpp"
#include "member_keys.hpp"
#include "reactor.hpp"
#include "share_scan.hpp"
#include "swarm.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <memory>

namespace zshare::testing {

using namespace std::chrono_literals;

struct LocalHolder {
    zmq::context_t context{1};
    Reactor reactor;
    node::MemberKeys members;
    protocol::KeyPair holder_keys = protocol::make_key_pair();
    protocol::KeyPair downloader_keys = protocol::make_key_pair();
    node::SharedFiles shares;
    bool secure;
    std::unique_ptr<node::FileServerGate> gate;
    std::unique_ptr<node::FileServer> server;
    std::unique_ptr<node::Hasher> hasher;
    std::unique_ptr<node::ChunkWriter> writer;

    /// Shares `path`; secure: a gate that holds unknown keys for `patience`.
    explicit LocalHolder(const std::string& path, std::chrono::milliseconds patience = 100ms, bool curve = true)
        : secure(curve) {
        const node::Collected found = node::collect_files({path});
        REQUIRE(found.error.empty());
        shares.add(found.files);
        node::ServingRules rules;
        if (secure) {
            gate = std::make_unique<node::FileServerGate>(context, reactor, members, patience);
            rules.security = {true, holder_keys};
            rules.members = &members;
        }
        server = std::make_unique<node::FileServer>(context, "tcp://127.0.0.1:*", shares, rules);
        hasher = std::make_unique<node::Hasher>(context, reactor, node::ManifestCache(""));
        writer = std::make_unique<node::ChunkWriter>(context, reactor);
    }
    /// Returns: the holder as a swarm's source of `path`.
    node::Source source(const std::string& path) const {
        return {"holder", server->endpoint(), shares.find(path)->path, secure ? holder_keys.public_key : ""};
    }
    node::SwarmTuning tuning() const {
        node::SwarmTuning tuning;
        if (secure)
            tuning.security = {true, downloader_keys};
        tuning.refusal_pause = 300ms;
        tuning.timeout = 5s;
        return tuning;
    }
    /// Runs the loop for `duration`.
    void run_for(std::chrono::milliseconds duration) {
        const auto until = std::chrono::steady_clock::now() + duration;
        while (std::chrono::steady_clock::now() < until)
            reactor.run_once(10ms);
    }
    /// Runs the loop until `done` or 20 s. Returns: done().
    bool run_until(const std::function<bool()>& done) {
        const auto deadline = std::chrono::steady_clock::now() + 20s;
        while (!done() && std::chrono::steady_clock::now() < deadline)
            reactor.run_once(20ms);
        return done();
    }
};

} // namespace zshare::testing
