// One download from one peer's file server: StatFile, then FetchChunk requests kept `window`
// deep (credit-based flow control, as in the guide's file transfer chapter), each reply
// written at its offset into "<final>.part", renamed to the final name only when complete.
// Driven by the owner's poll loop: it never blocks.
#pragma once

#include "codec.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <string>
#include <zmq.hpp>

namespace zshare::node {

/// What to fetch, from whom, to where.
struct DownloadSpec {
    std::string user;        ///< the peer's name, for messages
    std::string endpoint;    ///< its file server
    std::string remote_path; ///< the path it registered
    std::string local_path;  ///< final path here; must not exist yet
};

/// How to fetch.
struct DownloadTuning {
    std::uint64_t chunk_bytes = 1u << 20;         ///< bytes per FetchChunk
    unsigned window = 8;                          ///< FetchChunk requests in flight
    std::chrono::milliseconds timeout{10000};     ///< silence after which the peer is unreachable
};

class Download {
public:
    enum class State { running, done, failed };

    /// Connects to the peer and asks for the file's size.
    Download(zmq::context_t& context, DownloadSpec spec, DownloadTuning tuning);
    /// Removes the partial file of an unfinished download.
    ~Download();
    Download(const Download&) = delete;
    Download& operator=(const Download&) = delete;

    /// Returns: the socket to poll for replies.
    zmq::socket_ref socket() { return m_socket; }
    /// Handles every reply waiting on the socket.
    void on_readable();
    /// Fails the download when the peer has been silent past the timeout.
    void on_time(std::chrono::steady_clock::time_point now);
    /// Returns: when on_time() must be called next.
    std::chrono::steady_clock::time_point deadline() const { return m_deadline; }

    State state() const { return m_state; }
    /// Returns: why it failed (when failed).
    const std::string& error() const { return m_error; }
    const DownloadSpec& spec() const { return m_spec; }
    /// Returns: the file's size (known once the peer answered StatFile).
    std::uint64_t size() const { return m_size; }
    /// Returns: bytes written so far.
    std::uint64_t received() const { return m_received; }
    /// Returns: time from start to completion (or to now).
    double seconds() const;

private:
    void on_reply(const protocol::Message& reply);
    void on_file_stat(const protocol::FileStat& stat);
    void on_chunk(const protocol::ChunkData& chunk);
    void request_more();
    void finish();
    void fail(std::string reason);

    DownloadSpec m_spec;
    DownloadTuning m_tuning;
    zmq::socket_t m_socket;                        ///< DEALER to the peer's file server
    std::string m_part_path;                       ///< where bytes land until complete
    int m_fd = -1;                                 ///< m_part_path, open for writing
    bool m_wrote_part = false;                     ///< m_part_path is ours to remove
    State m_state = State::running;
    std::string m_error;                           ///< set when failed
    bool m_have_size = false;                      ///< StatFile answered
    std::uint64_t m_size = 0;                      ///< the file's size
    std::uint64_t m_next_offset = 0;               ///< first byte not yet requested
    std::uint64_t m_received = 0;                  ///< bytes written
    std::deque<std::uint64_t> m_in_flight;         ///< offsets requested, in order
    std::chrono::steady_clock::time_point m_started;
    std::chrono::steady_clock::time_point m_finished;
    std::chrono::steady_clock::time_point m_deadline; ///< peer silent past this: unreachable
};

} // namespace zshare::node
