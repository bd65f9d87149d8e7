#include "swarm.hpp"

#include "wire.hpp"

#include <algorithm>
#include <cstring>
#include <sys/stat.h>
#include <unordered_map>
#include <unordered_set>

namespace zshare::node {

using namespace protocol;

namespace {
/// A file this small (as the table lists it) is asked for whole in the same breath as its
/// manifest: its one chunk follows the manifest on the same connection, so a folder of small
/// files costs one round trip per window of files, not two per file.
constexpr std::uint64_t whole_with_manifest = manifest_chunk_size;
/// A file larger than this has its manifest asked of every holder: whichever answers first
/// is used, and the handshakes tell early which holders are reachable.
constexpr std::uint64_t manifest_of_everyone = 4 * manifest_chunk_size;
/// The biggest reply: a chunk, or the manifest of a very large file.
constexpr std::uint64_t max_reply = 64u << 20;
} // namespace

SwarmSpec SwarmSpec::one(std::string content_id, std::vector<Source> sources, std::string local_path,
                         std::string label, std::uint64_t size) {
    SwarmSpec spec;
    spec.label = label;
    spec.files.push_back(
        SwarmFileSpec{std::move(content_id), size, std::move(local_path), std::move(label), std::move(sources)});
    return spec;
}

/// A request to a holder. It answers its requests in order, so a reply is matched with the
/// oldest request still out.
struct Swarm::Request {
    enum class Kind : std::uint8_t { manifest, chunk };
    Kind kind = Kind::chunk;
    std::size_t file = 0;
    std::uint64_t index = 0;   ///< the chunk
    std::uint64_t offset = 0;  ///< its first byte
    std::uint64_t length = 0;  ///< bytes asked for
    Clock::time_point asked_at;
    bool early = false;        ///< asked with the manifest: the picker's once the manifest checks out
    bool abandoned = false;    ///< its file or holder moved on: the reply is thrown away
};

/// One holder as the swarm sees it: one socket, whatever the number of its files.
struct Swarm::Peer {
    HolderId id = 0;
    std::string user;
    std::string endpoint;
    std::string key;
    std::unordered_map<std::size_t, std::string> paths; ///< the files it holds: its path for each
    std::unordered_set<std::size_t> refused;            ///< files it failed at: not asked again
    zmq::socket_t socket;                   ///< DEALER to its file server
    std::unique_ptr<protocol::HandshakeMonitor> monitor; ///< how its handshakes go (after the socket)
    Reactor::Watch watch;                   ///< its replies (declared after the socket: goes first)
    unsigned refusals = 0;                  ///< handshakes it refused
    std::optional<Clock::time_point> reopen_at; ///< when to try a fresh socket after a refusal
    std::deque<Request> in_flight;          ///< asked of it, in order
    std::uint64_t chunk_bytes = 0;          ///< bytes of its chunk requests in flight
    bool alive = true;                      ///< still in the swarm
    HolderWindow window;                    ///< chunks to keep in flight to it
    unsigned bad_chunks = 0;                ///< chunks that failed verification
    std::uint64_t bytes = 0;                ///< verified bytes it delivered
    std::string reason;                     ///< why it was dropped
    bool may_return = false;                ///< dropped only because it left: may rejoin
    Clock::time_point deadline;             ///< silent past this while owing replies: unreachable

    Peer(unsigned initial, unsigned most) : window(initial, most, manifest_chunk_size) {}
};

Swarm::Swarm(zmq::context_t& context, Reactor& reactor, Hasher& hasher, ChunkWriter& writer, SwarmSpec spec,
             SwarmTuning tuning, std::function<void()> on_end)
    : m_context(context), m_reactor(reactor), m_hasher(hasher), m_writer(writer), m_spec(std::move(spec)),
      m_tuning(tuning), m_on_end(std::move(on_end)), m_started(Clock::now()),
      m_next_save(m_started + std::chrono::seconds(1)) {
    m_timer = Reactor::Timer(m_reactor, [this] { on_timer(); });
    m_end_timer = Reactor::Timer(m_reactor, [this] {
        if (m_on_end)
            m_on_end();
    });
    auto files = std::move(m_spec.files);
    m_spec.files.clear();
    for (auto& file : files)
        add_file(std::move(file));
    m_starting = false;
    for (std::size_t index = 0; index < m_files.size(); ++index)
        check_holders(index);
    activate();
    request_work();
    end_if_over();
    on_timer();
}

Swarm::~Swarm() {
    for (auto& file : m_files)
        if (file.check_job)
            m_hasher.cancel(file.check_job);
    for (auto& peer : m_peers)
        close_socket(*peer);
}

std::size_t Swarm::add_file(SwarmFileSpec spec) {
    const std::size_t index = m_files.size();
    auto sources = std::move(spec.sources);
    spec.sources.clear();
    m_files.emplace_back();
    m_files.back().spec = std::move(spec);
    for (const auto& source : sources)
        add_source(index, source);
    if (!m_starting) {
        check_holders(index);
        activate();
        request_work();
        end_if_over();
    }
    return index;
}

Swarm::Peer* Swarm::live_peer(const std::string& user) {
    for (auto& peer : m_peers)
        if (peer->alive && peer->user == user)
            return peer.get();
    return nullptr;
}

void Swarm::add_source(std::size_t index, const Source& source) {
    if (m_state != State::running || index >= m_files.size() || m_files[index].over())
        return;
    // A holder dropped for misbehaving (bad chunks, silence, a malformed reply) stays out of
    // this download; one that left may come back, on a fresh socket.
    Peer* peer = nullptr;
    for (auto& known : m_peers)
        if (known->user == source.user && (known->alive || !known->may_return)) {
            if (!known->alive)
                return;
            peer = known.get();
        }
    if (peer && (peer->endpoint != source.endpoint || peer->key != source.key))
        return; // the owner drops it first when it moved or changed its key
    bool fresh = false;
    if (!peer) {
        auto added = std::make_unique<Peer>(m_tuning.initial_window, m_tuning.max_window);
        added->id = static_cast<HolderId>(m_peers.size());
        added->user = source.user;
        added->endpoint = source.endpoint;
        added->key = source.key;
        added->deadline = Clock::now() + m_tuning.timeout;
        peer = added.get();
        m_peers.push_back(std::move(added));
        fresh = true;
    }
    if (peer->paths.count(index) || peer->refused.count(index))
        return;
    peer->paths.emplace(index, source.path);
    auto& sources = m_files[index].spec.sources;
    std::erase_if(sources, [&](const Source& known) { return known.user == source.user; });
    sources.push_back(source);
    if (fresh)
        if (auto problem = open_socket(*peer); !problem.empty())
            return drop(*peer, problem);
    if (m_starting)
        return;
    if (m_files[index].stage == SwarmFile::Stage::manifest && m_files[index].manifest_requests == 0)
        m_need_manifest.push_back(index);
    request_work();
    on_timer();
}

void Swarm::close_socket(Peer& peer) {
    peer.watch.reset();
    peer.monitor.reset();
    peer.socket.close();
}

std::string Swarm::open_socket(Peer& peer) {
    close_socket(peer);
    peer.socket = make_socket(m_context, zmq::socket_type::dealer, static_cast<std::int64_t>(max_reply + (64u << 10)));
    try {
        if (m_tuning.security.curve) {
            // The holder's key from the table: the holder is authenticated too.
            if (!protocol::valid_key(peer.key))
                return peer.user + " lists no key for its file server";
            make_curve_client(peer.socket, m_tuning.security.keys, peer.key);
        }
        peer.monitor = std::make_unique<protocol::HandshakeMonitor>(
            m_context, m_reactor, peer.socket, [this, &peer](const auto& event) { on_handshake(peer, event); });
        // The endpoint comes from another node, by way of the tracker: it may be nonsense.
        allow_ipv6_for(peer.socket, peer.endpoint);
        peer.socket.connect(peer.endpoint);
    } catch (const zmq::error_t& e) {
        return peer.user + " advertises an endpoint that cannot be reached (" + peer.endpoint + "): " + e.what();
    }
    peer.watch = m_reactor.watch(peer.socket, [this, &peer] { on_readable(peer); });
    // On a fresh socket after a refusal, what was asked before is asked again: the refused
    // socket lost it, and the replies must still come in order.
    for (const auto& request : peer.in_flight)
        (void)transmit(peer, request);
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
        return drop(peer, peer.user + "'s file server does not hold the key the tracker lists for it");
    case protocol::HandshakeFailure::protocol:
        return drop(peer, peer.user + "'s file server does not speak " +
                              (m_tuning.security.curve ? "CURVE (it runs --insecure?)" : "plain (it encrypts)"));
    case protocol::HandshakeFailure::refused:
        // It may not list our key yet (we have just joined): a refused socket never tries
        // again, so a fresh one does, a few times, a little later.
        if (++peer.refusals >= m_tuning.max_refusals)
            return drop(peer, peer.user + " refused this node " + std::to_string(peer.refusals) +
                                  " times: its table does not list this node's key");
        peer.watch.reset();
        peer.reopen_at = Clock::now() + m_tuning.refusal_pause;
        peer.deadline = *peer.reopen_at + m_tuning.timeout;
        on_timer();
        return;
    }
}

// ---------------------------------------------------------------- replies

void Swarm::on_readable(Peer& peer) {
    DecodeLimits limits;
    limits.max_bytes = max_reply;
    limits.max_frame = limits.max_bytes + (64u << 10);
    // A bounded batch, so that one fast holder cannot starve the rest of the loop.
    for (int handled = 0; handled < 64 && peer.alive && m_state == State::running; ++handled) {
        zmq::message_t frame;
        if (!peer.socket.recv(frame, zmq::recv_flags::dontwait))
            break;
        peer.deadline = Clock::now() + m_tuning.timeout;
        if (frame.more()) {
            drain_frames(peer.socket);
            drop(peer, peer.user + " sent a malformed reply: a multi-frame message");
            break;
        }
        if (peer.in_flight.empty()) {
            drop(peer, peer.user + " sent a reply that was not asked for");
            break;
        }
        Request request = peer.in_flight.front();
        peer.in_flight.pop_front();
        if (request.kind == Request::Kind::chunk)
            peer.chunk_bytes -= request.length;
        // Chunks, by far the most frames, are checked and written from where they lie in the
        // frame; the rest is decoded.
        if (request.kind == Request::Kind::chunk && !request.abandoned)
            if (auto chunk = view_chunk_data(frame, limits)) {
                on_chunk(peer, request, *chunk, std::move(frame));
                continue;
            }
        on_reply(peer, request, std::move(frame));
    }
}

void Swarm::on_reply(Peer& peer, Request request, zmq::message_t frame) {
    DecodeLimits limits;
    limits.max_bytes = max_reply;
    limits.max_frame = limits.max_bytes + (64u << 10);
    if (request.kind == Request::Kind::chunk)
        m_in_flight_bytes -= request.length;
    if (request.abandoned)
        return request_work(); // its file or this holder's part in it is over: room for more
    SwarmFile& file = m_files[request.file];
    if (request.kind == Request::Kind::manifest)
        --file.manifest_requests;
    else if (!request.early)
        file.picker.settled(request.index);
    const std::string path = peer.paths.count(request.file) ? peer.paths[request.file] : std::string();
    const Decoded reply = decode(frame, limits);
    if (!reply)
        return drop(peer, peer.user + " sent a malformed reply: " + reply.error);
    if (const auto* error = std::get_if<Error>(&*reply.message)) {
        // About one file: the others may still come from this holder.
        if (error->code == error_code::not_shared)
            return forget_file(peer, request.file, peer.user + " does not share " + path);
        if (error->code == error_code::bad_range || error->code == error_code::io_error)
            return forget_file(peer, request.file, peer.user + " refused " + path + ": " + error->message);
        return drop(peer, peer.user + " refused: " + error->message);
    }
    if (const auto* manifest = std::get_if<ManifestData>(&*reply.message);
        manifest && request.kind == Request::Kind::manifest) {
        on_manifest(peer, request, *manifest);
        return request_work();
    }
    drop(peer, peer.user + " sent an unexpected " + std::string(type_name(*reply.message)));
}

void Swarm::on_manifest(Peer& peer, const Request& request, const ManifestData& data) {
    const std::size_t index = request.file;
    SwarmFile& file = m_files[index];
    const std::string path = peer.paths[index];
    if (data.path != path || data.content_id != file.spec.content_id)
        return forget_file(peer, index, peer.user + " now shares other content at " + path);
    if (!file.content) {
        std::string error;
        auto content = open_manifest(data.manifest.data, file.spec.content_id, error);
        if (!content)
            return forget_file(peer, index, peer.user + " sent a bad manifest: " + error);
        file.content = std::make_shared<const Content>(std::move(*content));
        file.manifest_from = peer.user;
        open_partial(index);
    }
    // The chunks asked with the manifest are the picker's now (or thrown away when they turn
    // out not to be needed, or not to be chunks of this manifest after all).
    for (auto& asked : peer.in_flight) {
        if (asked.file != index || !asked.early || asked.abandoned)
            continue;
        if (file.fetchable() && asked.index < file.content->chunks() &&
            asked.length == file.content->chunk_length(asked.index) &&
            file.picker.state(asked.index) == ChunkPicker::ChunkState::missing) {
            asked.early = false;
            file.picker.asked(asked.index);
        } else {
            abandon(asked);
        }
    }
}

void Swarm::open_partial(std::size_t index) {
    SwarmFile& file = m_files[index];
    file.picker = ChunkPicker(file.content->chunks());
    struct stat status {};
    if (::lstat(file.spec.local_path.c_str(), &status) == 0) {
        // A folder downloaded again: a file an earlier run put in place is checked, not fetched.
        if (!S_ISREG(status.st_mode) || std::uint64_t(status.st_size) != file.content->manifest.size)
            return fail_file(index, file.spec.local_path + " already exists, and is not " + file.spec.label);
        std::vector<std::uint64_t> every(file.content->chunks());
        for (std::uint64_t chunk = 0; chunk < every.size(); ++chunk) {
            every[chunk] = chunk;
            file.picker.checking(chunk);
        }
        file.stage = SwarmFile::Stage::checking;
        file.check_job = m_hasher.verify(file.spec.local_path, *file.content, every,
                                         [this, index](std::vector<std::uint64_t> good) {
                                             on_existing_checked(index, good);
                                         });
        return;
    }
    std::string error;
    file.partial = std::shared_ptr<PartialFile>(PartialFile::open(file.spec.local_path, *file.content, error));
    if (!file.partial)
        return fail_file(index, error);
    file.stage = SwarmFile::Stage::fetching;
    if (file.picker.complete())
        return finish_file(index); // an empty file
    // What an earlier run wrote is checked again on the hashing worker; meanwhile the rest is
    // fetched, and those chunks are left alone until the check says.
    const auto& claimed = file.partial->claimed();
    if (claimed.empty())
        return;
    for (const auto chunk : claimed)
        file.picker.checking(chunk);
    file.stage = SwarmFile::Stage::checking;
    file.check_job = m_hasher.verify(file.partial->part_path(), *file.content, claimed,
                                     [this, index](std::vector<std::uint64_t> good) { on_checked(index, good); });
}

void Swarm::on_checked(std::size_t index, const std::vector<std::uint64_t>& good) {
    SwarmFile& file = m_files[index];
    file.check_job = 0;
    if (m_state != State::running || file.stage != SwarmFile::Stage::checking)
        return;
    file.stage = SwarmFile::Stage::fetching;
    for (const auto chunk : good) {
        file.picker.verified(chunk);
        file.partial->mark_verified(chunk);
        file.verified_bytes += file.content->chunk_length(chunk);
        file.resumed_bytes += file.content->chunk_length(chunk);
    }
    for (const auto chunk : file.partial->claimed())
        if (file.picker.state(chunk) == ChunkPicker::ChunkState::checking) {
            file.picker.missing(chunk);
            file.partial->refute(chunk);
        }
    after_chunk(index);
}

void Swarm::on_existing_checked(std::size_t index, const std::vector<std::uint64_t>& good) {
    SwarmFile& file = m_files[index];
    file.check_job = 0;
    if (m_state != State::running || file.stage != SwarmFile::Stage::checking)
        return;
    if (good.size() != file.content->chunks())
        return fail_file(index, file.spec.local_path + " already exists with other content than " + file.spec.label +
                                    "; remove it to fetch it again");
    file.verified_bytes = file.resumed_bytes = file.content->manifest.size;
    file_in_place(index);
}

void Swarm::on_chunk(Peer& peer, const Request& request, const ChunkDataView& chunk, zmq::message_t frame) {
    const std::size_t index = request.file;
    SwarmFile& file = m_files[index];
    const auto now = Clock::now();
    peer.window.on_reply(chunk.size, now - request.asked_at, now);
    file.picker.settled(request.index);
    const auto path = peer.paths.find(index);
    if (path == peer.paths.end() || chunk.offset != request.offset || chunk.path != path->second) {
        m_in_flight_bytes -= request.length;
        return drop(peer, peer.user + " sent a chunk that was not asked for");
    }
    // Another holder's copy may be in the file already, or on its way there (the end game).
    if (!file.fetchable() || file.picker.state(request.index) != ChunkPicker::ChunkState::missing) {
        m_in_flight_bytes -= request.length;
        return after_chunk(index);
    }
    const bool check_here = m_tuning.pipeline != ChunkPipeline::worker;
    if (check_here && !file.content->chunk_matches(request.index, chunk.data, chunk.size)) {
        m_in_flight_bytes -= request.length;
        on_bad_chunk(peer.id, index, request.index);
        return after_chunk(index);
    }
    if (m_tuning.pipeline == ChunkPipeline::loop) {
        m_in_flight_bytes -= request.length;
        if (const int error = file.partial->write(request.index, chunk.data, chunk.size); error != 0)
            return fail("cannot write " + file.partial->part_path() + ": " + std::strerror(error));
        on_written(peer.id, index, request.index, chunk.size);
        return after_chunk(index);
    }
    // To the writer, frame and all: the chunk keeps its place in the total window until it is
    // back (that bounds the frames waiting there), and nobody asks for it meanwhile.
    file.picker.checking(request.index);
    const HolderId from = peer.id;
    const std::uint64_t chunk_index = request.index, length = request.length, size = chunk.size;
    m_writer.submit(file.partial, file.content, chunk_index, std::move(frame), chunk.data, chunk.size, check_here,
                    m_life, [this, from, index, chunk_index, length, size](ChunkWriter::Outcome outcome, int error) {
                        m_in_flight_bytes -= length;
                        on_written_back(from, index, chunk_index, size, outcome, error);
                    });
    request_work();
}

void Swarm::on_written_back(HolderId from, std::size_t index, std::uint64_t chunk, std::uint64_t size,
                            ChunkWriter::Outcome outcome, int error) {
    if (m_state != State::running)
        return;
    SwarmFile& file = m_files[index];
    if (file.stage != SwarmFile::Stage::fetching && file.stage != SwarmFile::Stage::checking)
        return request_work(); // the file failed meanwhile
    switch (outcome) {
    case ChunkWriter::Outcome::written:
        on_written(from, index, chunk, size);
        break;
    case ChunkWriter::Outcome::bad:
        file.picker.missing(chunk);
        on_bad_chunk(from, index, chunk);
        break;
    case ChunkWriter::Outcome::failed:
        return fail("cannot write " + file.partial->part_path() + ": " + std::strerror(error));
    }
    after_chunk(index);
}

void Swarm::on_written(HolderId from, std::size_t index, std::uint64_t chunk, std::uint64_t size) {
    SwarmFile& file = m_files[index];
    file.picker.verified(chunk);
    file.partial->mark_verified(chunk);
    file.verified_bytes += size;
    m_peers[from]->bytes += size;
}

void Swarm::on_bad_chunk(HolderId from, std::size_t index, std::uint64_t chunk) {
    // Thrown away and asked again, of another holder when there is one.
    m_files[index].picker.failed(chunk, from);
    Peer& peer = *m_peers[from];
    if (++peer.bad_chunks >= m_tuning.max_bad_chunks)
        drop(peer, peer.user + " sent " + std::to_string(peer.bad_chunks) + " chunks that fail verification");
}

void Swarm::after_chunk(std::size_t index) {
    if (m_state != State::running)
        return;
    SwarmFile& file = m_files[index];
    if ((file.stage == SwarmFile::Stage::fetching || file.stage == SwarmFile::Stage::checking) &&
        file.picker.complete())
        finish_file(index);
    request_work();
}

// ---------------------------------------------------------------- files

void Swarm::finish_file(std::size_t index) {
    SwarmFile& file = m_files[index];
    file.stage = SwarmFile::Stage::finishing;
    abandon_requests(index);
    // Synced and renamed on the writer, after the file's last chunk: the loop goes on.
    m_writer.finish(file.partial, m_life, [this, index](const std::string& problem) { on_finished(index, problem); });
}

void Swarm::on_finished(std::size_t index, const std::string& problem) {
    SwarmFile& file = m_files[index];
    if (file.stage != SwarmFile::Stage::finishing)
        return;
    if (!problem.empty())
        return fail_file(index, problem);
    file.partial.reset();
    file_in_place(index);
}

void Swarm::file_in_place(std::size_t index) {
    SwarmFile& file = m_files[index];
    file.stage = SwarmFile::Stage::done;
    ++m_done;
    std::erase(m_active, index);
    if (m_state != State::running)
        return; // cancelled meanwhile: in place, but the owner has heard of the end
    if (on_file_done)
        on_file_done(index);
    activate();
    request_work();
    end_if_over();
}

void Swarm::fail_file(std::size_t index, std::string reason) {
    SwarmFile& file = m_files[index];
    if (file.over())
        return;
    file.stage = SwarmFile::Stage::failed;
    file.error = std::move(reason);
    ++m_failed;
    abandon_requests(index);
    if (file.check_job) {
        m_hasher.cancel(file.check_job);
        file.check_job = 0;
    }
    file.partial.reset(); // saves its state: it can resume
    std::erase(m_active, index);
    if (m_starting)
        return;
    activate();
    request_work();
    end_if_over();
}

void Swarm::abandon(Request& request) {
    if (request.abandoned)
        return;
    request.abandoned = true;
    SwarmFile& file = m_files[request.file];
    if (request.kind == Request::Kind::manifest)
        --file.manifest_requests;
    else if (!request.early)
        file.picker.settled(request.index);
}

void Swarm::abandon_requests(std::size_t index) {
    for (auto& peer : m_peers)
        for (auto& request : peer->in_flight)
            if (request.file == index)
                abandon(request);
}

void Swarm::check_holders(std::size_t index) {
    SwarmFile& file = m_files[index];
    if (m_starting || m_state != State::running || file.over())
        return;
    const bool held = std::any_of(m_peers.begin(), m_peers.end(),
                                  [&](const auto& peer) { return peer->alive && peer->paths.count(index); });
    if (!held) {
        std::string reasons;
        for (const auto& reason : file.lost)
            reasons += (reasons.empty() ? "" : "; ") + reason;
        if (file.lost.empty())
            return fail_file(index, "nobody holds " + file.spec.label);
        return fail_file(index,
                         file.lost.size() == 1 ? reasons : "no holder of " + file.spec.label + " left (" + reasons + ")");
    }
    if (file.stage == SwarmFile::Stage::manifest && file.manifest_requests == 0)
        m_need_manifest.push_back(index);
}

void Swarm::forget_file(Peer& peer, std::size_t index, const std::string& reason) {
    if (!peer.paths.erase(index))
        return;
    peer.refused.insert(index);
    for (auto& request : peer.in_flight)
        if (request.file == index)
            abandon(request);
    m_files[index].lost.push_back(reason);
    check_holders(index);
    request_work();
}

void Swarm::withdraw(std::size_t index, const std::string& user, const std::string& reason) {
    Peer* peer = live_peer(user);
    if (!peer || index >= m_files.size() || !peer->paths.erase(index))
        return;
    for (auto& request : peer->in_flight)
        if (request.file == index)
            abandon(request);
    m_files[index].lost.push_back(reason);
    check_holders(index);
    request_work();
}

void Swarm::activate() {
    while (m_state == State::running && m_active.size() < m_tuning.max_files && m_next_waiting < m_files.size()) {
        const std::size_t index = m_next_waiting++;
        SwarmFile& file = m_files[index];
        if (file.stage != SwarmFile::Stage::waiting)
            continue;
        file.stage = SwarmFile::Stage::manifest;
        m_active.push_back(index);
        m_need_manifest.push_back(index);
    }
}

// ---------------------------------------------------------------- requests

bool Swarm::has_room(const Peer& peer, std::uint64_t bytes) const {
    if (peer.in_flight.size() >= m_tuning.max_requests)
        return false;
    if (bytes == 0)
        return true;
    // Always one chunk, however large; past that, what the windows hold in bytes.
    const std::uint64_t holder_limit = std::uint64_t(peer.window.size()) * manifest_chunk_size;
    const std::uint64_t total_limit = std::uint64_t(m_tuning.total_window) * manifest_chunk_size;
    return (peer.chunk_bytes == 0 || peer.chunk_bytes + bytes <= holder_limit) &&
           (m_in_flight_bytes == 0 || m_in_flight_bytes + bytes <= total_limit);
}

bool Swarm::transmit(Peer& peer, const Request& request) {
    // A request of a file this holder no longer serves is still sent again on a fresh socket
    // (its reply, thrown away, keeps the order); the file's own name stands in for the path.
    const auto path = peer.paths.find(request.file);
    const std::string& where = path != peer.paths.end() ? path->second : m_files[request.file].spec.label;
    if (request.kind == Request::Kind::manifest)
        return send(peer.socket, GetManifest{where});
    return send(peer.socket, FetchChunk{where, request.offset, request.length});
}

bool Swarm::send_request(Peer& peer, const Request& request) {
    if (!transmit(peer, request))
        return false; // its queue is full: its replies will make room
    if (peer.in_flight.empty())
        peer.deadline = Clock::now() + m_tuning.timeout;
    peer.in_flight.push_back(request);
    if (request.kind == Request::Kind::manifest) {
        ++m_files[request.file].manifest_requests;
    } else {
        peer.chunk_bytes += request.length;
        m_in_flight_bytes += request.length;
    }
    return true;
}

bool Swarm::ask_manifest(std::size_t index) {
    SwarmFile& file = m_files[index];
    if (file.stage != SwarmFile::Stage::manifest || file.content || file.manifest_requests > 0)
        return true;
    const bool everyone = file.spec.size > manifest_of_everyone;
    const auto now = Clock::now();
    Peer* best = nullptr;
    for (auto& owned : m_peers) {
        Peer& peer = *owned;
        if (!peer.alive || !peer.paths.count(index) || peer.reopen_at || !has_room(peer, 0))
            continue;
        if (everyone)
            (void)send_request(peer, Request{Request::Kind::manifest, index, 0, 0, 0, now});
        else if (!best || peer.in_flight.size() < best->in_flight.size())
            best = &peer; // the least busy holder
    }
    if (best && send_request(*best, Request{Request::Kind::manifest, index, 0, 0, 0, now}) &&
        file.spec.size > 0 && file.spec.size <= whole_with_manifest && has_room(*best, file.spec.size))
        (void)send_request(*best, Request{Request::Kind::chunk, index, 0, 0, file.spec.size, now, true});
    return file.manifest_requests > 0;
}

bool Swarm::ask_chunk(Peer& peer, bool end_game) {
    if (!peer.alive || peer.reopen_at || !has_room(peer, 1))
        return false;
    // The end game (second copies of chunks in flight) only once no file waits its turn:
    // until then every small file's one chunk is in flight, and a fresh file is worth more.
    if (end_game && m_next_waiting < m_files.size())
        return false;
    const bool choosy = live_peers() > 1;
    std::optional<std::unordered_map<std::size_t, std::deque<std::uint64_t>>> asked_of_peer;
    static const std::deque<std::uint64_t> no_chunks;
    for (const std::size_t index : m_active) {
        SwarmFile& file = m_files[index];
        if (!file.fetchable() || !peer.paths.count(index))
            continue;
        std::optional<std::uint64_t> chunk;
        if (!end_game) {
            chunk = file.picker.pick_fresh(peer.id, choosy);
        } else {
            if (!asked_of_peer) {
                asked_of_peer.emplace();
                for (const auto& request : peer.in_flight)
                    if (request.kind == Request::Kind::chunk && !request.abandoned)
                        (*asked_of_peer)[request.file].push_back(request.index);
            }
            const auto mine = asked_of_peer->find(index);
            chunk = file.picker.pick_end_game(peer.id, mine != asked_of_peer->end() ? mine->second : no_chunks, choosy);
        }
        if (!chunk)
            continue;
        const std::uint64_t length = file.content->chunk_length(*chunk);
        if (!has_room(peer, length))
            return false;
        if (!send_request(peer, Request{Request::Kind::chunk, index, *chunk, *chunk * file.content->manifest.chunk_size,
                                        length, Clock::now()}))
            return false;
        file.picker.asked(*chunk);
        return true;
    }
    return false;
}

void Swarm::request_work() {
    if (m_starting || m_state != State::running)
        return;
    // Whatever asks for more work while this runs is taken up by its next round.
    if (m_requesting) {
        m_more_work = true;
        return;
    }
    m_requesting = true;
    do {
        m_more_work = false;
        // Manifests first: each starts a file, and a small file's one chunk goes with it.
        if (!m_need_manifest.empty()) {
            auto queue = std::exchange(m_need_manifest, {});
            std::vector<std::size_t> left;
            for (const auto index : queue)
                if (m_state == State::running && !ask_manifest(index))
                    left.push_back(index);
            m_need_manifest.insert(m_need_manifest.begin(), left.begin(), left.end());
        }
        // Then chunks, one per holder in turn so that the total window is shared out fairly:
        // chunks nobody was asked for first, the end game's second copies last.
        for (const bool end_game : {false, true})
            for (bool progress = true; progress && m_state == State::running;) {
                progress = false;
                for (std::size_t i = 0; i < m_peers.size(); ++i)
                    progress = ask_chunk(*m_peers[i], end_game) || progress;
            }
    } while (m_more_work && m_state == State::running);
    m_requesting = false;
    on_timer();
}

// ---------------------------------------------------------------- holders and the end

void Swarm::drop(Peer& peer, std::string reason) {
    if (!peer.alive)
        return;
    peer.alive = false;
    peer.reason = std::move(reason);
    for (auto& request : peer.in_flight) {
        abandon(request);
        if (request.kind == Request::Kind::chunk)
            m_in_flight_bytes -= request.length;
    }
    peer.in_flight.clear();
    peer.chunk_bytes = 0;
    close_socket(peer);
    if (m_state != State::running)
        return;
    for (const auto& [index, path] : peer.paths)
        if (!m_files[index].over()) {
            m_files[index].lost.push_back(peer.reason);
            check_holders(index);
        }
    request_work();
}

void Swarm::drop_source(const std::string& user, const std::string& reason) {
    for (auto& peer : m_peers)
        if (peer->user == user && peer->alive) {
            peer->may_return = true;
            drop(*peer, reason);
        }
}

void Swarm::on_timer() {
    if (m_state != State::running)
        return m_timer.disarm();
    const auto now = Clock::now();
    for (std::size_t i = 0; i < m_peers.size(); ++i) {
        Peer& peer = *m_peers[i];
        if (peer.alive && peer.reopen_at && now >= *peer.reopen_at) {
            peer.reopen_at.reset();
            if (auto problem = open_socket(peer); !problem.empty())
                drop(peer, problem);
        }
    }
    for (std::size_t i = 0; i < m_peers.size(); ++i) {
        Peer& peer = *m_peers[i];
        if (peer.alive && !peer.in_flight.empty() && now >= peer.deadline)
            drop(peer, peer.user + " (" + peer.endpoint + ") is unreachable: no answer within " +
                           seconds_text(m_tuning.timeout));
    }
    if (m_state != State::running)
        return;
    if (now >= m_next_save) {
        for (const auto index : m_active) {
            SwarmFile& file = m_files[index];
            if (file.partial && (file.stage == SwarmFile::Stage::fetching || file.stage == SwarmFile::Stage::checking))
                file.partial->save_state();
        }
        m_next_save = now + std::chrono::seconds(1);
    }
    m_timer.arm_at(m_next_save);
    for (const auto& peer : m_peers) {
        if (peer->alive && !peer->in_flight.empty())
            m_timer.arm_no_later_than(peer->deadline);
        if (peer->alive && peer->reopen_at)
            m_timer.arm_no_later_than(*peer->reopen_at);
    }
}

void Swarm::cancel() {
    if (m_state == State::running)
        fail("cancelled");
}

void Swarm::fail(std::string reason) {
    if (m_state != State::running)
        return;
    m_state = State::failed;
    m_error = std::move(reason);
    for (const auto index : m_active)
        if (m_files[index].stage != SwarmFile::Stage::finishing)
            m_files[index].partial.reset(); // saves the state: the download can resume
    end();
}

void Swarm::end_if_over() {
    if (m_starting || m_state != State::running || m_done + m_failed < m_files.size())
        return;
    if (m_failed == 0) {
        m_state = State::done;
    } else {
        m_state = State::failed;
        if (m_files.size() == 1) {
            m_error = m_files[0].error;
        } else {
            const auto first = std::find_if(m_files.begin(), m_files.end(),
                                            [](const SwarmFile& file) { return file.stage == SwarmFile::Stage::failed; });
            m_error = std::to_string(m_failed) + " of " + std::to_string(m_files.size()) + " files of " + m_spec.label +
                      " failed; " + first->spec.label + ": " + first->error;
        }
    }
    end();
}

void Swarm::end() {
    m_finished = Clock::now();
    m_timer.disarm();
    for (auto& file : m_files)
        if (file.check_job) {
            m_hasher.cancel(file.check_job);
            file.check_job = 0;
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

// ---------------------------------------------------------------- figures

std::uint64_t Swarm::size() const {
    std::uint64_t total = 0;
    for (const auto& file : m_files)
        total += file.content ? file.content->manifest.size : file.spec.size;
    return total;
}

std::uint64_t Swarm::verified_bytes() const {
    std::uint64_t total = 0;
    for (const auto& file : m_files)
        total += file.verified_bytes;
    return total;
}

std::uint64_t Swarm::resumed_bytes() const {
    std::uint64_t total = 0;
    for (const auto& file : m_files)
        total += file.resumed_bytes;
    return total;
}

bool Swarm::checking() const {
    return std::any_of(m_files.begin(), m_files.end(), [](const SwarmFile& file) { return file.check_job != 0; });
}

std::size_t Swarm::live_peers() const {
    return static_cast<std::size_t>(
        std::count_if(m_peers.begin(), m_peers.end(), [](const auto& peer) { return peer->alive; }));
}

std::vector<Source> Swarm::live_holders() const {
    std::vector<Source> holders;
    for (const auto& peer : m_peers)
        if (peer->alive)
            holders.push_back({peer->user, peer->endpoint, {}, peer->key});
    return holders;
}

std::vector<std::string> Swarm::contributors() const {
    std::vector<std::string> users;
    for (const auto& peer : m_peers)
        if (peer->bytes > 0 && std::find(users.begin(), users.end(), peer->user) == users.end())
            users.push_back(peer->user);
    if (users.empty()) // empty files, or ones resumed whole: the manifests' holders
        for (const auto& file : m_files)
            if (!file.manifest_from.empty() &&
                std::find(users.begin(), users.end(), file.manifest_from) == users.end())
                users.push_back(file.manifest_from);
    return users;
}

double Swarm::seconds() const {
    const auto end = m_state == State::running ? Clock::now() : m_finished;
    return std::chrono::duration<double>(end - m_started).count();
}

double Swarm::rate() const {
    const double elapsed = seconds();
    return elapsed > 0 ? double(verified_bytes() - resumed_bytes()) / elapsed : 0;
}

} // namespace zshare::node
