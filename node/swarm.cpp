#include "swarm.hpp"

#include "wire.hpp"

#include <algorithm>
#include <cstring>

namespace zshare::node {

using namespace protocol;

/// One holder as the swarm sees it.
struct Swarm::Peer {
    HolderId id = 0;
    Source source;
    zmq::socket_t socket;                   ///< DEALER to its file server
    std::unique_ptr<protocol::HandshakeMonitor> monitor; ///< how its handshakes go (after the socket)
    Reactor::Watch watch;                   ///< its replies (declared after the socket: goes first)
    unsigned refusals = 0;                  ///< handshakes it refused
    std::optional<Clock::time_point> reopen_at; ///< when to try a fresh socket after a refusal
    std::deque<std::uint64_t> in_flight;    ///< chunks asked of it, in order (it answers in order)
    std::deque<Clock::time_point> asked_at; ///< when each of them was asked
    bool alive = true;                      ///< still in the swarm
    bool manifest_pending = true;           ///< its ManifestData reply is still to come
    std::optional<HolderWindow> window;     ///< requests to keep in flight to it (once chunks are known)
    unsigned bad_chunks = 0;                ///< chunks that failed verification
    std::uint64_t bytes = 0;                ///< verified bytes it delivered
    std::string reason;                     ///< why it was dropped
    bool may_return = false;                ///< dropped only because it left: may rejoin
    Clock::time_point deadline;             ///< silent past this while owing replies: unreachable
    bool owes_replies() const { return manifest_pending || !in_flight.empty(); }
};

Swarm::Swarm(zmq::context_t& context, Reactor& reactor, Hasher& hasher, ChunkWriter& writer, SwarmSpec spec,
             SwarmTuning tuning, std::function<void()> on_end)
    : m_context(context), m_reactor(reactor), m_hasher(hasher), m_writer(writer), m_spec(std::move(spec)),
      m_tuning(tuning),
      m_on_end(std::move(on_end)), m_started(Clock::now()), m_next_save(m_started + std::chrono::seconds(1)) {
    m_timer = Reactor::Timer(m_reactor, [this] { on_timer(); });
    m_end_timer = Reactor::Timer(m_reactor, [this] {
        if (m_on_end)
            m_on_end();
    });
    const auto sources = m_spec.sources;
    m_spec.sources.clear();
    for (const auto& source : sources)
        add_source(source);
    m_starting = false;
    if (m_peers.empty())
        fail("nobody holds " + m_spec.label);
    else if (live_peers() == 0)
        fail_for_want_of_holders();
    on_timer();
}

Swarm::~Swarm() {
    if (m_check_job)
        m_hasher.cancel(m_check_job);
    for (auto& peer : m_peers)
        close_socket(*peer);
}

void Swarm::close_socket(Peer& peer) {
    peer.watch.reset();
    peer.monitor.reset();
    peer.socket.close();
}

std::string Swarm::open_socket(Peer& peer) {
    close_socket(peer);
    const Source& source = peer.source;
    const std::uint64_t chunk = m_content ? m_content->manifest.chunk_size : max_chunk_length;
    peer.socket = make_socket(m_context, zmq::socket_type::dealer,
                              static_cast<std::int64_t>(std::max<std::uint64_t>(chunk, 64u << 20) + (64u << 10)));
    try {
        if (m_tuning.security.curve) {
            // The holder's key from the table: the holder is authenticated too.
            if (!protocol::valid_key(source.key))
                return source.user + " lists no key for its file server";
            make_curve_client(peer.socket, m_tuning.security.keys, source.key);
        }
        peer.monitor = std::make_unique<protocol::HandshakeMonitor>(
            m_context, m_reactor, peer.socket, [this, &peer](const auto& event) { on_handshake(peer, event); });
        // The endpoint comes from another node, by way of the tracker: it may be nonsense.
        allow_ipv6_for(peer.socket, source.endpoint);
        peer.socket.connect(source.endpoint);
    } catch (const zmq::error_t& e) {
        return source.user + " advertises an endpoint that cannot be reached (" + source.endpoint + "): " + e.what();
    }
    peer.watch = m_reactor.watch(peer.socket, [this, &peer] { on_readable(peer); });
    // Every holder is asked for the manifest: the first that checks out is used, and asking
    // all of them tells early which ones are reachable. On a fresh socket after a refusal,
    // what was asked before is asked again (the refused socket lost it).
    if (peer.manifest_pending && !send(peer.socket, GetManifest{source.path}))
        return "cannot send to " + source.user;
    for (const auto index : peer.in_flight)
        (void)send(peer.socket, FetchChunk{source.path, index * m_content->manifest.chunk_size,
                                           m_content->chunk_length(index)});
    peer.deadline = Clock::now() + m_tuning.timeout;
    return {};
}

void Swarm::on_handshake(Peer& peer, const protocol::HandshakeMonitor::Event& event) {
    if (!peer.alive)
        return;
    // A plain client meets a CURVE server's hang-up, which reads as "no detail".
    const auto failure = !m_tuning.security.curve && event.failure() != protocol::HandshakeFailure::none
                             ? protocol::HandshakeFailure::protocol
                             : event.failure();
    switch (failure) {
    case protocol::HandshakeFailure::none:
        return;
    case protocol::HandshakeFailure::no_detail:
        return drop(peer, peer.source.user + "'s file server does not hold the key the tracker lists for it");
    case protocol::HandshakeFailure::protocol:
        return drop(peer, peer.source.user + "'s file server does not speak " +
                              (m_tuning.security.curve ? "CURVE (it runs --insecure?)" : "plain (it encrypts)"));
    case protocol::HandshakeFailure::refused:
        // It may not list our key yet (we have just joined): a refused socket never tries
        // again, so a fresh one does, a few times, a little later.
        if (++peer.refusals >= m_tuning.max_refusals)
            return drop(peer, peer.source.user + " refused this node " + std::to_string(peer.refusals) +
                                  " times: its table does not list this node's key");
        peer.watch.reset();
        peer.reopen_at = Clock::now() + m_tuning.refusal_pause;
        peer.deadline = *peer.reopen_at + m_tuning.timeout;
        on_timer();
        return;
    }
}

void Swarm::fail_for_want_of_holders() {
    std::string reasons;
    for (const auto& peer : m_peers)
        reasons += (reasons.empty() ? "" : "; ") + peer->reason;
    fail(m_peers.size() == 1 ? reasons : "no holder of " + m_spec.label + " left (" + reasons + ")");
}

void Swarm::add_source(const Source& source) {
    if (m_state != State::running)
        return;
    // Known holders are not taken twice; one dropped for misbehaving (bad chunks, a bad
    // manifest, silence) stays out of this download. One that left may come back.
    for (const auto& peer : m_peers)
        if (peer->source.user == source.user && (peer->alive || !peer->may_return))
            return;
    auto peer = std::make_unique<Peer>();
    peer->id = static_cast<HolderId>(m_peers.size());
    peer->source = source;
    peer->deadline = Clock::now() + m_tuning.timeout;
    Peer& added = *peer;
    std::erase_if(m_spec.sources, [&](const Source& known) { return known.user == source.user; });
    m_spec.sources.push_back(source);
    m_peers.push_back(std::move(peer));
    if (auto problem = open_socket(added); !problem.empty())
        return drop(added, problem);
    request_chunks();
    on_timer();
}

void Swarm::on_readable(Peer& peer) {
    DecodeLimits limits;
    limits.max_bytes = 64u << 20;
    limits.max_frame = limits.max_bytes + (64u << 10);
    // A bounded batch, so that one fast holder cannot starve the rest of the loop.
    for (int handled = 0; handled < 64 && peer.alive && m_state == State::running; ++handled) {
        zmq::message_t frame;
        if (!peer.socket.recv(frame, zmq::recv_flags::dontwait))
            break;
        peer.deadline = Clock::now() + m_tuning.timeout;
        if (frame.more()) {
            drain_frames(peer.socket);
            drop(peer, peer.source.user + " sent a malformed reply: a multi-frame message");
            break;
        }
        // Chunks, by far the most frames, are checked and written from where they lie in the
        // frame; the rest is decoded.
        if (auto chunk = view_chunk_data(frame, limits); chunk && !peer.manifest_pending) {
            on_chunk(peer, *chunk, std::move(frame));
            continue;
        }
        const Decoded reply = decode(frame, limits);
        if (!reply) {
            drop(peer, peer.source.user + " sent a malformed reply: " + reply.error);
            break;
        }
        on_reply(peer, *reply.message);
    }
}

void Swarm::on_reply(Peer& peer, const Message& reply) {
    if (const auto* error = std::get_if<Error>(&reply)) {
        if (error->code == error_code::not_shared)
            return drop(peer, peer.source.user + " does not share " + peer.source.path);
        return drop(peer, peer.source.user + " refused: " + error->message);
    }
    if (const auto* manifest = std::get_if<ManifestData>(&reply); manifest && peer.manifest_pending)
        return on_manifest(peer, *manifest);
    drop(peer, peer.source.user + " sent an unexpected " + std::string(type_name(reply)));
}

void Swarm::on_manifest(Peer& peer, const ManifestData& data) {
    peer.manifest_pending = false;
    if (data.path != peer.source.path || data.content_id != m_spec.content_id)
        return drop(peer, peer.source.user + " now shares other content at " + peer.source.path);
    if (!m_content) {
        std::string error;
        auto content = open_manifest(data.manifest.data, m_spec.content_id, error);
        if (!content)
            return drop(peer, peer.source.user + " sent a bad manifest: " + error);
        m_content = std::make_shared<const Content>(std::move(*content));
        m_manifest_from = peer.source.user;
        open_partial();
        if (m_state != State::running)
            return;
    }
    request_chunks();
}

void Swarm::open_partial() {
    m_picker = ChunkPicker(m_content->chunks());
    std::string error;
    m_file = std::shared_ptr<PartialFile>(PartialFile::open(m_spec.local_path, *m_content, error));
    if (!m_file)
        return fail(error);
    if (m_picker.complete())
        return finish(); // an empty file
    // What an earlier run wrote is checked again on the hashing worker; meanwhile the rest is
    // fetched, and those chunks are left alone until the check says.
    const auto& claimed = m_file->claimed();
    if (claimed.empty())
        return;
    for (const auto index : claimed)
        m_picker.checking(index);
    m_check_job = m_hasher.verify(m_file->part_path(), *m_content, claimed,
                                  [this](std::vector<std::uint64_t> good) { on_checked(good); });
}

void Swarm::on_checked(const std::vector<std::uint64_t>& good) {
    m_check_job = 0;
    if (m_state != State::running)
        return;
    for (const auto index : good) {
        m_picker.verified(index);
        m_file->mark_verified(index);
        m_verified_bytes += m_content->chunk_length(index);
        m_resumed_bytes += m_content->chunk_length(index);
    }
    for (const auto index : m_file->claimed())
        if (m_picker.state(index) == ChunkPicker::ChunkState::checking) {
            m_picker.missing(index);
            m_file->refute(index);
        }
    if (m_picker.complete())
        return finish();
    request_chunks();
}

void Swarm::request_chunks() {
    if (m_state != State::running || !m_content)
        return;
    const bool choosy = live_peers() > 1;
    // Round-robin one request at a time, so that the total window is shared out fairly.
    for (bool progress = true; progress && m_in_flight < m_tuning.total_window;) {
        progress = false;
        for (auto& owned : m_peers) {
            Peer& peer = *owned;
            if (!peer.window)
                peer.window.emplace(m_tuning.initial_window, m_tuning.max_window, m_content->manifest.chunk_size);
            if (!peer.alive || peer.manifest_pending || peer.reopen_at || peer.in_flight.size() >= peer.window->size() ||
                m_in_flight >= m_tuning.total_window)
                continue;
            const auto index = m_picker.pick(peer.id, peer.in_flight, choosy);
            if (!index)
                continue;
            if (!send(peer.socket, FetchChunk{peer.source.path, *index * m_content->manifest.chunk_size,
                                               m_content->chunk_length(*index)}))
                continue; // its queue is full: its replies will make room
            if (peer.in_flight.empty())
                peer.deadline = Clock::now() + m_tuning.timeout;
            peer.in_flight.push_back(*index);
            peer.asked_at.push_back(Clock::now());
            m_picker.asked(*index);
            ++m_in_flight;
            progress = true;
        }
    }
    on_timer();
}

void Swarm::on_chunk(Peer& peer, const ChunkDataView& chunk, zmq::message_t frame) {
    const std::uint64_t chunk_size = m_content->manifest.chunk_size;
    if (peer.in_flight.empty() || chunk.offset != peer.in_flight.front() * chunk_size ||
        chunk.path != peer.source.path)
        return drop(peer, peer.source.user + " sent a chunk that was not asked for");
    const std::uint64_t index = peer.in_flight.front();
    peer.in_flight.pop_front();
    const auto now = Clock::now();
    peer.window->on_reply(chunk.size, now - peer.asked_at.front(), now);
    peer.asked_at.pop_front();
    m_picker.settled(index);
    // Another holder's copy may be in the file already, or on its way there (the end game).
    if (m_picker.state(index) != ChunkPicker::ChunkState::missing) {
        --m_in_flight;
        return after_chunk();
    }
    const bool check_here = m_tuning.pipeline != ChunkPipeline::worker;
    if (check_here && !m_content->chunk_matches(index, chunk.data, chunk.size)) {
        --m_in_flight;
        on_bad_chunk(peer.id, index);
        return after_chunk();
    }
    if (m_tuning.pipeline == ChunkPipeline::loop) {
        --m_in_flight;
        if (const int error = m_file->write(index, chunk.data, chunk.size); error != 0)
            return fail("cannot write " + m_file->part_path() + ": " + std::strerror(error));
        on_written(peer.id, index, chunk.size);
        return after_chunk();
    }
    // To the writer, frame and all: the chunk keeps its place in the total window until it is
    // back (that bounds the frames waiting there), and nobody asks for it meanwhile.
    m_picker.checking(index);
    const HolderId from = peer.id;
    const std::uint64_t size = chunk.size;
    m_writer.submit(m_file, m_content, index, std::move(frame), chunk.data, chunk.size, check_here, m_life,
                    [this, from, index, size](ChunkWriter::Outcome outcome, int error) {
                        on_written_back(from, index, size, outcome, error);
                    });
    after_chunk();
}

void Swarm::on_written_back(HolderId from, std::uint64_t index, std::uint64_t size, ChunkWriter::Outcome outcome,
                            int error) {
    --m_in_flight;
    if (m_state != State::running)
        return;
    switch (outcome) {
    case ChunkWriter::Outcome::written:
        on_written(from, index, size);
        break;
    case ChunkWriter::Outcome::bad:
        m_picker.missing(index);
        on_bad_chunk(from, index);
        break;
    case ChunkWriter::Outcome::failed:
        return fail("cannot write " + m_file->part_path() + ": " + std::strerror(error));
    }
    if (m_state == State::running)
        after_chunk();
}

void Swarm::on_written(HolderId from, std::uint64_t index, std::uint64_t size) {
    m_picker.verified(index);
    m_file->mark_verified(index);
    m_verified_bytes += size;
    m_peers[from]->bytes += size;
}

void Swarm::on_bad_chunk(HolderId from, std::uint64_t index) {
    // Thrown away and asked again, of another holder when there is one.
    m_picker.failed(index, from);
    Peer& peer = *m_peers[from];
    if (++peer.bad_chunks >= m_tuning.max_bad_chunks)
        drop(peer, peer.source.user + " sent " + std::to_string(peer.bad_chunks) + " chunks that fail verification");
}

void Swarm::after_chunk() {
    if (m_state != State::running)
        return;
    if (m_picker.complete())
        return finish();
    request_chunks();
}

void Swarm::drop(Peer& peer, std::string reason) {
    if (!peer.alive)
        return;
    peer.alive = false;
    peer.reason = std::move(reason);
    for (const auto index : peer.in_flight) {
        m_picker.settled(index);
        --m_in_flight;
    }
    peer.in_flight.clear();
    peer.asked_at.clear();
    close_socket(peer);
    if (m_state != State::running)
        return;
    if (live_peers() == 0 && !m_starting)
        return fail_for_want_of_holders();
    request_chunks();
}

void Swarm::drop_source(const std::string& user, const std::string& reason) {
    for (auto& peer : m_peers)
        if (peer->source.user == user && peer->alive) {
            peer->may_return = true;
            drop(*peer, reason);
        }
}

void Swarm::on_timer() {
    if (m_state != State::running)
        return m_timer.disarm();
    const auto now = Clock::now();
    for (auto& peer : m_peers)
        if (peer->alive && peer->reopen_at && now >= *peer->reopen_at) {
            peer->reopen_at.reset();
            if (auto problem = open_socket(*peer); !problem.empty())
                drop(*peer, problem);
        }
    for (auto& peer : m_peers)
        if (peer->alive && peer->owes_replies() && now >= peer->deadline)
            drop(*peer, peer->source.user + " (" + peer->source.endpoint +
                            ") is unreachable: no answer within " + seconds_text(m_tuning.timeout));
    if (m_state != State::running)
        return;
    if (now >= m_next_save) {
        if (m_file)
            m_file->save_state();
        m_next_save = now + std::chrono::seconds(1);
    }
    m_timer.arm_at(m_next_save);
    for (const auto& peer : m_peers) {
        if (peer->alive && peer->owes_replies())
            m_timer.arm_no_later_than(peer->deadline);
        if (peer->alive && peer->reopen_at)
            m_timer.arm_no_later_than(*peer->reopen_at);
    }
}

void Swarm::cancel() {
    if (m_state == State::running)
        fail("cancelled");
}

void Swarm::finish() {
    if (auto problem = m_file->finish(); !problem.empty())
        return fail(problem);
    m_file.reset();
    m_state = State::done;
    end();
}

void Swarm::fail(std::string reason) {
    if (m_state != State::running)
        return;
    m_state = State::failed;
    m_error = std::move(reason);
    m_file.reset(); // saves the state: the download can resume
    end();
}

void Swarm::end() {
    m_finished = Clock::now();
    m_timer.disarm();
    if (m_check_job) {
        m_hasher.cancel(m_check_job);
        m_check_job = 0;
    }
    for (auto& peer : m_peers)
        if (peer->alive) {
            peer->alive = false;
            close_socket(*peer);
        }
    // Told from the loop: the owner may be in the middle of something that led here. (A
    // timer, not a deferred call: it goes with this object should the owner drop it first.)
    m_end_timer.arm_at(Clock::now());
}

std::size_t Swarm::live_peers() const {
    return static_cast<std::size_t>(
        std::count_if(m_peers.begin(), m_peers.end(), [](const auto& peer) { return peer->alive; }));
}

std::vector<std::string> Swarm::contributors() const {
    std::vector<std::string> users;
    for (const auto& peer : m_peers)
        if (peer->bytes > 0 && std::find(users.begin(), users.end(), peer->source.user) == users.end())
            users.push_back(peer->source.user);
    if (users.empty() && !m_manifest_from.empty())
        users.push_back(m_manifest_from); // an empty file, or one resumed whole: the manifest's
    return users;
}

double Swarm::seconds() const {
    const auto end = m_state == State::running ? Clock::now() : m_finished;
    return std::chrono::duration<double>(end - m_started).count();
}

double Swarm::rate() const {
    const double elapsed = seconds();
    return elapsed > 0 ? double(m_verified_bytes - m_resumed_bytes) / elapsed : 0;
}

} // namespace zshare::node
