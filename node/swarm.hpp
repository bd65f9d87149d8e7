// One verified download: a file, or a whole folder of them, fetched from every peer that holds
// each file's content, at once — as a BitTorrent torrent holds many files. The holders (one
// socket each, whatever the number of files), their windows and the requests are the swarm's;
// each file's manifest, chunk picker and partial file are its SwarmFile's (swarm_file.hpp).
//
// Each file's manifest is asked of one holder (a large file's of every holder, which tells early
// which ones are reachable), and used only once it hashes to the content id; a small file's one
// chunk is asked for in the same breath, so that a folder of many small files costs a round
// trip per window of files, not two per file. Chunks are requested from all holders of a file
// at once, each holder kept busy with a window sized to its path (holder_window.hpp), lowest
// missing chunk first, the end game last. Every chunk is checked against its hash before it
// is written (the chunk writer, chunk_writer.hpp); a bad one is asked again, elsewhere when
// possible, and a holder that keeps sending bad ones is dropped. A bounded number of files are
// under way at once; each is renamed into place when complete.
// Driven by the owner's Reactor: nothing here blocks.
#pragma once

#include "chunk_writer.hpp"
#include "codec.hpp"
#include "curve_socket.hpp"
#include "handshake_monitor.hpp"
#include "hasher.hpp"
#include "holder_window.hpp"
#include "reactor.hpp"
#include "swarm_file.hpp"

#include <chrono>
#include <deque>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>
#include <zmq.hpp>

namespace zshare::node {

/// What to fetch and where to put it.
struct SwarmSpec {
    std::vector<SwarmFileSpec> files; ///< a file, or a folder's files
    std::string label;                ///< how to name the download for people
    bool folder = false;              ///< a folder (else one file)

    /// Returns: the download of one file.
    static SwarmSpec one(std::string content_id, std::vector<Source> sources, std::string local_path,
                         std::string label, std::uint64_t size = 0);
};

/// Where a received chunk is checked and written.
enum class ChunkPipeline {
    loop,   ///< checked and written on the loop that receives it
    writer, ///< checked on the loop, written by the ChunkWriter's thread
    worker, ///< checked and written by the ChunkWriter's thread
};

/// How to fetch.
struct SwarmTuning {
    // Windows count full chunks (manifest_chunk_size bytes): in bytes, a holder may have as
    // many smaller chunks (a folder's small files) in flight as fit.
    unsigned initial_window = 4;              ///< chunks in flight to a holder at first
    unsigned max_window = 16;                 ///< ... at most, once its path proved it needs them
    unsigned total_window = 32;               ///< chunks in flight (and being written) in all
    unsigned max_bad_chunks = 3;              ///< a holder sending more is dropped
    std::chrono::milliseconds timeout{10000}; ///< silence after which a holder is unreachable
    protocol::Security security{false, {}};   ///< CURVE with this node's keys, or plain
    unsigned max_refusals = 4;                ///< refused handshakes (the first and 3 retries) drop a holder
    std::chrono::milliseconds refusal_pause{1000}; ///< the wait before a new try on a fresh socket
    /// Where chunks are checked and written. The loop, measured fastest on 2 cores at 1 and 4
    /// GiB, with the least CPU and half the memory (docs/benchmarks.md): BLAKE3 checks a chunk
    /// in about 0.2 ms and a write into the page cache takes about as long, less than handing the
    /// chunk to another thread and back costs there. `writer` keeps slow disks off the loop.
    ChunkPipeline pipeline = ChunkPipeline::loop;
    unsigned max_files = 128;                 ///< files under way at once (each holds a file open)
    unsigned max_requests = 256;              ///< requests in flight to a holder (many small files)
};

class Swarm {
public:
    enum class State { running, done, failed };
    using Clock = std::chrono::steady_clock;

    /// Connects to every source and starts. `on_end` runs (from the loop, never from inside a
    /// call of the owner's) once every file is done or has failed.
    Swarm(zmq::context_t& context, Reactor& reactor, Hasher& hasher, ChunkWriter& writer, SwarmSpec spec,
          SwarmTuning tuning, std::function<void()> on_end);
    ~Swarm();
    Swarm(const Swarm&) = delete;
    Swarm& operator=(const Swarm&) = delete;

    /// Runs (from the loop) when file `index` is in place: the owner shares it.
    std::function<void(std::size_t index)> on_file_done;

    /// Adds a file to fetch (a folder's file that appeared meanwhile). Returns: its index.
    std::size_t add_file(SwarmFileSpec file);
    /// Adds a holder of file `file` that appeared meanwhile (ignored when known).
    void add_source(std::size_t file, const Source& source);
    /// Drops the holder `user` from everything (it left, moved, or has a new key). It may
    /// come back by add_source().
    void drop_source(const std::string& user, const std::string& reason);
    /// Drops `user` as a holder of file `file` only (it no longer shares it).
    void withdraw(std::size_t file, const std::string& user, const std::string& reason);
    /// Stops, keeping the partial files and their state for a later resume.
    void cancel();

    State state() const { return m_state; }
    const std::string& error() const { return m_error; }
    /// Returns: the label and kind of the download (its files are files()).
    const SwarmSpec& spec() const { return m_spec; }
    const std::vector<SwarmFile>& files() const { return m_files; }
    /// Returns: true once the size of what is fetched is known (a file's manifest came).
    bool have_manifest() const { return m_spec.folder || (!m_files.empty() && m_files[0].content); }
    /// Returns: the bytes of every file (as the manifests say, else as the table listed).
    std::uint64_t size() const;
    /// Returns: bytes verified and written, those found already verified included.
    std::uint64_t verified_bytes() const;
    /// Returns: bytes of an earlier run's partial files that checked out again.
    std::uint64_t resumed_bytes() const;
    /// Returns: the files in place.
    std::size_t files_done() const { return m_done; }
    /// Returns: true while chunks of an earlier run are being checked again.
    bool checking() const;
    /// Returns: holders still in the swarm.
    std::size_t live_peers() const;
    /// Returns: each holder still in the swarm: its user, endpoint and key (no path).
    std::vector<Source> live_holders() const;
    /// Returns: the holders that delivered verified chunks (or a manifest, when no chunk had
    /// to be fetched).
    std::vector<std::string> contributors() const;
    /// Returns: seconds since start (until the end, once finished).
    double seconds() const;
    /// Returns: bytes per second fetched in this run.
    double rate() const;

private:
    struct Peer;
    struct Request;
    Peer* live_peer(const std::string& user);
    /// Opens a fresh socket to `peer` and asks again for what it owes. Returns: "" or why not.
    std::string open_socket(Peer& peer);
    void close_socket(Peer& peer);
    void on_handshake(Peer& peer, const protocol::HandshakeMonitor::Event& event);
    void on_readable(Peer& peer);
    void on_reply(Peer& peer, Request request, zmq::message_t frame);
    void on_manifest(Peer& peer, const Request& request, const protocol::ManifestData& data);
    void on_chunk(Peer& peer, const Request& request, const protocol::ChunkDataView& chunk, zmq::message_t frame);
    /// The ChunkWriter is done with chunk `index` of file `file` from holder `from`.
    void on_written_back(HolderId from, std::size_t file, std::uint64_t index, std::uint64_t size,
                         ChunkWriter::Outcome outcome, int error);
    /// A chunk from holder `from` checked out and is in the file.
    void on_written(HolderId from, std::size_t file, std::uint64_t index, std::uint64_t size);
    /// A chunk from holder `from` did not match its hash.
    void on_bad_chunk(HolderId from, std::size_t file, std::uint64_t index);
    void open_partial(std::size_t file);
    void on_checked(std::size_t file, const std::vector<std::uint64_t>& good);
    void on_existing_checked(std::size_t file, const std::vector<std::uint64_t>& good);
    void file_in_place(std::size_t file);
    void after_chunk(std::size_t file);
    void finish_file(std::size_t file);
    void on_finished(std::size_t file, const std::string& problem);
    void fail_file(std::size_t file, std::string reason);
    /// Forgets the requests still out for `file` (their replies are thrown away).
    void abandon_requests(std::size_t file);
    /// Fails `file` when no live holder of it is left (nor can be asked for its manifest).
    void check_holders(std::size_t file);
    /// Takes `peer` off `file`, its requests for it abandoned.
    void forget_file(Peer& peer, std::size_t file, const std::string& reason);
    /// Starts waiting files while fewer than max_files are under way.
    void activate();
    /// Asks for manifests and chunks while holders and the total window have room.
    void request_work();
    bool ask_manifest(std::size_t file);
    bool ask_chunk(Peer& peer, bool end_game);
    bool has_room(const Peer& peer, std::uint64_t bytes) const;
    bool send_request(Peer& peer, const Request& request);
    bool transmit(Peer& peer, const Request& request);
    void abandon(Request& request);
    void drop(Peer& peer, std::string reason);
    void on_timer();
    void fail(std::string reason);
    void end_if_over();
    void end();

    zmq::context_t& m_context;
    Reactor& m_reactor;
    Hasher& m_hasher;
    ChunkWriter& m_writer;
    SwarmSpec m_spec;
    SwarmTuning m_tuning;
    std::function<void()> m_on_end;
    std::vector<SwarmFile> m_files;
    std::vector<std::unique_ptr<Peer>> m_peers; ///< every holder, live or dropped, by HolderId
    std::size_t m_next_waiting = 0;             ///< no file before it is still waiting its turn
    std::vector<std::size_t> m_active;          ///< files under way, in order
    std::vector<std::size_t> m_need_manifest;   ///< active files whose manifest is still to ask for
    std::uint64_t m_in_flight_bytes = 0;        ///< chunk bytes asked for, or being written, in all
    std::size_t m_done = 0;
    std::size_t m_failed = 0;
    State m_state = State::running;
    bool m_starting = true;                     ///< in the constructor: no verdict on holders yet
    bool m_requesting = false;                  ///< in request_work()
    bool m_more_work = false;                   ///< request_work() was asked for meanwhile
    std::string m_error;
    Clock::time_point m_started;
    Clock::time_point m_finished;
    Clock::time_point m_next_save;
    std::shared_ptr<int> m_life = std::make_shared<int>(0); ///< the writer's results need it alive
    Reactor::Timer m_timer;                     ///< silent holders, saving progress
    Reactor::Timer m_end_timer;                 ///< tells the owner of the end, from the loop
};

} // namespace zshare::node
