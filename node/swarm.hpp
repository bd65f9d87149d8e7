// One verified download of one content id from every peer that holds it.
//
// The manifest is asked of every holder and used only once it hashes to the content id. Then
// chunks are requested from all holders at once, each holder kept busy with a window of
// requests sized to its measured rate (credit-based flow control: faster peers get more in
// flight), lowest missing chunk first, and, when nothing is left to ask for, the chunks still
// in flight are asked of idle holders as well (end game). Every chunk is checked against its
// hash before it is written; a bad one is asked again, elsewhere when possible, and a holder
// that keeps sending bad ones is dropped. A holder that stops answering, leaves or fails costs
// only its chunks in flight.
//
// Bytes go to "<final>.part"; "<final>.part.state" records which chunks are verified, so a
// download that is interrupted (killed, cancelled, no holder left) continues from there when
// started again. Both are replaced by the final file, renamed into place, when complete.
// Driven by the owner's poll loop: nothing here blocks.
#pragma once

#include "codec.hpp"
#include "content.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
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
    bool operator==(const Source&) const = default;
};

/// What to fetch and where to put it.
struct SwarmSpec {
    std::string content_id;      ///< what to fetch
    std::vector<Source> sources; ///< who has it
    std::string local_path;      ///< final path here; must not exist yet
    std::string label;           ///< how to name it for people (the remote path)
};

/// How to fetch.
struct SwarmTuning {
    unsigned min_window = 2;                  ///< requests in flight to the slowest holder
    unsigned max_window = 16;                 ///< ... and to the fastest
    unsigned total_window = 32;               ///< requests in flight in all (bounds memory)
    unsigned max_bad_chunks = 3;              ///< a holder sending more is dropped
    std::chrono::milliseconds timeout{10000}; ///< silence after which a holder is unreachable
};

class Swarm {
public:
    enum class State { running, done, failed };
    using Clock = std::chrono::steady_clock;

    /// Connects to every source and asks each for the manifest.
    Swarm(zmq::context_t& context, SwarmSpec spec, SwarmTuning tuning);
    /// Saves the progress of an unfinished download so that it can resume.
    ~Swarm();
    Swarm(const Swarm&) = delete;
    Swarm& operator=(const Swarm&) = delete;

    /// Appends a poll item for each live holder's socket.
    void add_poll_items(std::vector<zmq::pollitem_t>& items);
    /// Handles the replies that the items added by add_poll_items() (from `first` on) report.
    void on_poll(const std::vector<zmq::pollitem_t>& items, std::size_t first);
    /// Drops silent holders and saves progress now and then.
    void on_time(Clock::time_point now);
    /// Returns: when on_time() must be called next.
    Clock::time_point deadline() const;

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
    bool have_manifest() const { return m_content.has_value(); }
    std::uint64_t size() const { return m_content ? m_content->manifest.size : 0; }
    /// Returns: the verified manifest, or null before it arrived.
    const Content* content() const { return m_content ? &*m_content : nullptr; }
    /// Returns: bytes verified and written, those found already verified included.
    std::uint64_t verified_bytes() const { return m_verified_bytes; }
    /// Returns: bytes found verified in a partial file when the download started.
    std::uint64_t resumed_bytes() const { return m_resumed_bytes; }
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
    void on_reply(Peer& peer, const protocol::Message& reply);
    void on_manifest(Peer& peer, const protocol::ManifestData& data);
    void on_chunk(Peer& peer, const protocol::ChunkDataView& chunk);
    bool open_partial();
    void request_chunks();
    std::optional<std::uint64_t> pick_chunk(const Peer& peer);
    void drop(Peer& peer, std::string reason);
    void save_state();
    void finish();
    void fail(std::string reason);
    void fail_for_want_of_holders();
    std::string part_path() const { return m_spec.local_path + ".part"; }
    std::string state_path() const { return m_spec.local_path + ".part.state"; }

    zmq::context_t& m_context;
    SwarmSpec m_spec;
    SwarmTuning m_tuning;
    std::vector<std::unique_ptr<Peer>> m_peers; ///< every holder, live or dropped
    std::vector<Peer*> m_polled;                ///< the peers of the last add_poll_items()
    std::optional<Content> m_content;           ///< the verified manifest
    std::string m_manifest_from;                ///< the holder whose manifest was taken
    std::vector<std::uint8_t> m_verified;       ///< per chunk: 1 once verified and written
    std::vector<std::uint16_t> m_requests;      ///< per chunk: requests in flight
    std::vector<const Peer*> m_failed_from;     ///< per chunk: the last holder whose copy was bad
    std::uint64_t m_first_missing = 0;          ///< no chunk before it is missing and unrequested
    std::uint64_t m_verified_count = 0;         ///< chunks verified
    std::uint64_t m_verified_bytes = 0;         ///< their bytes
    std::uint64_t m_resumed_bytes = 0;          ///< verified before this run
    std::size_t m_in_flight = 0;                ///< requests in flight in all
    int m_fd = -1;                              ///< the partial file
    bool m_state_dirty = false;                 ///< verified chunks not yet in the state file
    State m_state = State::running;
    bool m_starting = true;                     ///< in the constructor: no verdict on holders yet
    std::string m_error;
    Clock::time_point m_started;
    Clock::time_point m_finished;
    Clock::time_point m_next_save;
};

} // namespace zshare::node
