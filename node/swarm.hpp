// One verified download of one content id from every peer that holds it: the holders, their
// sockets and windows. Which chunk to ask for is the ChunkPicker's business, where the bytes
// go the PartialFile's; chunks found in a partial file of an earlier run are checked again by
// the Hasher, off the loop, while the missing ones are fetched.
//
// The manifest is asked of every holder and used only once it hashes to the content id. Then
// chunks are requested from all holders at once, each holder kept busy with a window of
// requests sized to its measured rate (credit-based flow control: faster peers get more in
// flight). Every chunk is checked against its hash before it is written; a bad one is asked
// again, elsewhere when possible, and a holder that keeps sending bad ones is dropped. A
// holder that stops answering, leaves or fails costs only its chunks in flight.
// Driven by the owner's Reactor: nothing here blocks.
#pragma once

#include "chunk_picker.hpp"
#include "chunk_writer.hpp"
#include "codec.hpp"
#include "content.hpp"
#include "curve_socket.hpp"
#include "handshake_monitor.hpp"
#include "holder_window.hpp"
#include "hasher.hpp"
#include "partial_file.hpp"
#include "reactor.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>
#include <zmq.hpp>

namespace zshare::node {

/// One holder of the content.
struct Source {
    std::string user;     ///< its name
    std::string endpoint; ///< its file server
    std::string path;     ///< the path it registered the content under
    std::string key;      ///< its file server's CURVE key, as the tracker's table lists it
    bool operator==(const Source&) const = default;
};

/// What to fetch and where to put it.
struct SwarmSpec {
    std::string content_id;      ///< what to fetch
    std::vector<Source> sources; ///< who has it
    std::string local_path;      ///< final path here; must not exist yet
    std::string label;           ///< how to name it for people (the remote path)
};

/// Where a received chunk is checked and written.
enum class ChunkPipeline {
    loop,   ///< checked and written on the loop that receives it
    writer, ///< checked on the loop, written by the ChunkWriter's thread
    worker, ///< checked and written by the ChunkWriter's thread
};

/// How to fetch.
struct SwarmTuning {
    unsigned initial_window = 4;              ///< requests in flight to a holder at first
    unsigned max_window = 16;                 ///< ... at most, once its path proved it needs them
    unsigned total_window = 32;               ///< requests in flight in all (bounds memory)
    unsigned max_bad_chunks = 3;              ///< a holder sending more is dropped
    std::chrono::milliseconds timeout{10000}; ///< silence after which a holder is unreachable
    protocol::Security security{false, {}};   ///< CURVE with this node's keys, or plain
    unsigned max_refusals = 4;                ///< refused handshakes (the first and 3 retries) drop a holder
    std::chrono::milliseconds refusal_pause{1000}; ///< the wait before a new try on a fresh socket
    ChunkPipeline pipeline = ChunkPipeline::worker; ///< where chunks are checked and written
};

class Swarm {
public:
    enum class State { running, done, failed };
    using Clock = std::chrono::steady_clock;

    /// Connects to every source and asks each for the manifest. `on_end` runs (from the loop,
    /// never from inside a call of the owner's) once the download is done or has failed.
    Swarm(zmq::context_t& context, Reactor& reactor, Hasher& hasher, ChunkWriter& writer, SwarmSpec spec,
          SwarmTuning tuning, std::function<void()> on_end);
    ~Swarm();
    Swarm(const Swarm&) = delete;
    Swarm& operator=(const Swarm&) = delete;

    /// Adds a holder that appeared meanwhile (ignored when known).
    void add_source(const Source& source);
    /// Drops the holder `user` (it left, or no longer shares the content).
    void drop_source(const std::string& user, const std::string& reason);
    /// Stops, keeping the partial file and its state for a later resume.
    void cancel();

    State state() const { return m_state; }
    const std::string& error() const { return m_error; }
    const SwarmSpec& spec() const { return m_spec; }
    /// Returns: true once the manifest is known (size() means something).
    bool have_manifest() const { return m_content != nullptr; }
    std::uint64_t size() const { return m_content ? m_content->manifest.size : 0; }
    /// Returns: the verified manifest, or null before it arrived.
    const Content* content() const { return m_content.get(); }
    /// Returns: bytes verified and written, those found already verified included.
    std::uint64_t verified_bytes() const { return m_verified_bytes; }
    /// Returns: bytes of an earlier run's partial file that checked out again.
    std::uint64_t resumed_bytes() const { return m_resumed_bytes; }
    /// Returns: true while chunks of an earlier run are being checked again.
    bool checking() const { return m_check_job != 0; }
    /// Returns: holders still in the swarm.
    std::size_t live_peers() const;
    /// Returns: the holders that delivered verified chunks (or the manifest, when no chunk
    /// had to be fetched).
    std::vector<std::string> contributors() const;
    /// Returns: seconds since start (until the end, once finished).
    double seconds() const;
    /// Returns: bytes per second fetched in this run.
    double rate() const;

private:
    struct Peer;
    /// Opens a fresh socket to `peer` and asks again for what it owes. Returns: "" or why not.
    std::string open_socket(Peer& peer);
    void on_handshake(Peer& peer, const protocol::HandshakeMonitor::Event& event);
    void close_socket(Peer& peer);
    void on_readable(Peer& peer);
    void on_reply(Peer& peer, const protocol::Message& reply);
    void on_manifest(Peer& peer, const protocol::ManifestData& data);
    void on_chunk(Peer& peer, const protocol::ChunkDataView& chunk, zmq::message_t frame);
    /// A chunk from holder `from` checked out and is in the file.
    void on_written(HolderId from, std::uint64_t index, std::uint64_t size);
    /// A chunk from holder `from` did not match its hash.
    void on_bad_chunk(HolderId from, std::uint64_t index);
    /// The ChunkWriter is done with chunk `index` of holder `from`.
    void on_written_back(HolderId from, std::uint64_t index, std::uint64_t size, ChunkWriter::Outcome outcome,
                         int error);
    void after_chunk();
    void on_checked(const std::vector<std::uint64_t>& good);
    void open_partial();
    void request_chunks();
    void drop(Peer& peer, std::string reason);
    void on_timer();
    void finish();
    void fail(std::string reason);
    void fail_for_want_of_holders();
    void end();

    zmq::context_t& m_context;
    Reactor& m_reactor;
    Hasher& m_hasher;
    ChunkWriter& m_writer;
    SwarmSpec m_spec;
    SwarmTuning m_tuning;
    std::function<void()> m_on_end;
    std::vector<std::unique_ptr<Peer>> m_peers; ///< every holder, live or dropped
    std::shared_ptr<const Content> m_content;   ///< the verified manifest (shared with the writer)
    std::string m_manifest_from;                ///< the holder whose manifest was taken
    ChunkPicker m_picker;
    std::shared_ptr<PartialFile> m_file;        ///< shared with the writer's chunks under way
    std::shared_ptr<int> m_life = std::make_shared<int>(0); ///< the writer's results need it alive
    Hasher::JobId m_check_job = 0;              ///< resumed chunks being checked again
    std::uint64_t m_verified_bytes = 0;
    std::uint64_t m_resumed_bytes = 0;
    std::size_t m_in_flight = 0;                ///< requests in flight, and chunks with the writer, in all
    State m_state = State::running;
    bool m_starting = true;                     ///< in the constructor: no verdict on holders yet
    std::string m_error;
    Clock::time_point m_started;
    Clock::time_point m_finished;
    Clock::time_point m_next_save;
    Reactor::Timer m_timer;                     ///< silent holders, saving progress
    Reactor::Timer m_end_timer;                 ///< tells the owner of the end, from the loop
};

} // namespace zshare::node
