// The node's file server: an actor (a thread with its own ROUTER and poll loop) that answers
// StatFile, GetManifest and FetchChunk for registered files only. Requests are independent, so
// any number of downloaders, each with several chunks in flight, are served side by side.
#pragma once

#include "actor.hpp"
#include "codec.hpp"
#include "shared_files.hpp"

#include <memory>
#include <string>
#include <zmq.hpp>

namespace zshare::node {

class FileServer {
public:
    /// Binds `listen` and starts serving from `shares`, which must outlive the server, sending
    /// at most `upload_limit` bytes per second (0: no limit).
    /// Throws: std::runtime_error with a one-line reason when it cannot bind.
    FileServer(zmq::context_t& context, const std::string& listen, const SharedFiles& shares,
               std::uint64_t upload_limit = 0);
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

    const SharedFiles& m_shares;
    std::uint64_t m_upload_limit = 0; ///< bytes per second, 0: none
    zmq::socket_t m_router;           ///< requests from downloaders (used by the thread only)
    std::string m_endpoint;           ///< bound endpoint
    std::unique_ptr<Actor> m_actor;   ///< the serving thread; last, so that it stops first
};

} // namespace zshare::node
