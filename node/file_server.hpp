// The node's file server: an actor (a thread with its own ROUTER and loop) that answers
// StatFile, GetManifest and FetchChunk for registered files only. Requests are independent, so
// any number of downloaders, each with several chunks in flight, are served side by side.
//
// Secure (the default), the ROUTER is a CURVE server with the node's key; the node's
// FileServerGate admits at the handshake only the keys its table lists, and every request is
// checked again against the table (a user who left is refused on the connection it has).
// Bounded under attack: replies not yet written out count against their requester and against
// the whole server; past either bound the requester's requests wait (a bounded number) until
// its replies drain, so that one who asks without reading cannot grow the node's memory.
#pragma once

#include "actor.hpp"
#include "codec.hpp"
#include "curve_socket.hpp"
#include "member_keys.hpp"
#include "shared_files.hpp"
#include "wire.hpp"

#include <memory>
#include <string>
#include <zmq.hpp>

namespace zshare::node {

/// How a file server serves.
struct ServingRules {
    std::uint64_t upload_limit = 0;                         ///< bytes per second in all, 0: none
    std::uint64_t requester_in_flight = std::uint64_t(64) << 20; ///< reply bytes out per requester
    std::uint64_t total_in_flight = std::uint64_t(256) << 20;    ///< ... and in all
    protocol::Security security{false, {}};                 ///< CURVE with the node's keys, or plain
    const MemberKeys* members = nullptr;                    ///< with CURVE: who may be served
};

class FileServer {
public:
    /// Binds `listen` and starts serving from `shares` (which, with `rules.members`, must
    /// outlive the server) by `rules`. With CURVE, the context's ZAP handler (a FileServerGate)
    /// must exist already. Throws: std::runtime_error with a one-line reason when it cannot bind.
    FileServer(zmq::context_t& context, const std::string& listen, const SharedFiles& shares,
               ServingRules rules = {});
    /// Stops the thread and closes the socket.
    ~FileServer();
    FileServer(const FileServer&) = delete;
    FileServer& operator=(const FileServer&) = delete;

    /// Returns: the bound endpoint (the real port when an ephemeral one was asked).
    const std::string& endpoint() const { return m_endpoint; }

    /// Returns: the frame answering one request: what the serving loop sends back.
    static zmq::message_t reply_frame(const SharedFiles& shares, const protocol::Decoded& request);
    /// Returns: reply_frame() decoded (for the tests).
    static protocol::Message answer(const SharedFiles& shares, const protocol::Decoded& request);

private:
    /// The serving loop, on the actor's thread, until the pipe says stop.
    void run(zmq::socket_t& pipe);
    /// Returns: the reply to `in`, after checking its sender against the table.
    zmq::message_t reply_frame_for(const protocol::RoutedRequest& in) const;

    const SharedFiles& m_shares;
    ServingRules m_rules;
    zmq::socket_t m_router;           ///< requests from downloaders (used by the thread only)
    std::string m_endpoint;           ///< bound endpoint
    std::unique_ptr<Actor> m_actor;   ///< the serving thread; last, so that it stops first
};

} // namespace zshare::node
