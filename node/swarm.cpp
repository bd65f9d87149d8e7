#include "swarm.hpp"

#include "file_io.hpp"
#include "peers_file.hpp"
#include "wire.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace zshare::node {

using namespace protocol;

/// One holder as the swarm sees it.
struct Swarm::Peer {
    Source source;
    zmq::socket_t socket;                   ///< DEALER to its file server
    std::deque<std::uint64_t> in_flight;    ///< chunks asked of it, in order (it answers in order)
    bool alive = true;                      ///< still in the swarm
    bool manifest_pending = true;           ///< its ManifestData reply is still to come
    unsigned window = 4;                    ///< requests to keep in flight to it
    unsigned bad_chunks = 0;                ///< chunks that failed verification
    std::uint64_t bytes = 0;                ///< verified bytes it delivered
    std::string reason;                     ///< why it was dropped
    bool may_return = false;                ///< dropped only because it left: may rejoin
    Clock::time_point deadline;             ///< silent past this while owing replies: unreachable
    Clock::time_point rate_mark;            ///< start of the current rate measurement
    std::uint64_t rate_bytes = 0;           ///< bytes since rate_mark
    double rate = 0;                        ///< bytes per second, smoothed
};

namespace {
constexpr const char* state_magic = "zshare-partial 1";
} // namespace

Swarm::Swarm(zmq::context_t& context, SwarmSpec spec, SwarmTuning tuning)
    : m_context(context), m_spec(std::move(spec)), m_tuning(tuning), m_started(Clock::now()),
      m_next_save(m_started + std::chrono::seconds(1)) {
    const auto sources = m_spec.sources;
    m_spec.sources.clear();
    for (const auto& source : sources)
        add_source(source);
    m_starting = false;
    if (m_peers.empty())
        fail("nobody holds " + m_spec.label);
    else if (live_peers() == 0)
        fail_for_want_of_holders();
}

void Swarm::fail_for_want_of_holders() {
    std::string reasons;
    for (const auto& peer : m_peers)
        reasons += (reasons.empty() ? "" : "; ") + peer->reason;
    fail(m_peers.size() == 1 ? reasons : "no holder of " + m_spec.label + " left (" + reasons + ")");
}

Swarm::~Swarm() {
    if (m_state == State::running)
        save_state();
    if (m_fd >= 0)
        ::close(m_fd);
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
    peer->source = source;
    const std::uint64_t chunk = m_content ? m_content->manifest.chunk_size : max_chunk_length;
    peer->socket = make_socket(m_context, zmq::socket_type::dealer,
                               static_cast<std::int64_t>(std::max<std::uint64_t>(chunk, 64u << 20) + (64u << 10)));
    peer->deadline = Clock::now() + m_tuning.timeout;
    peer->rate_mark = Clock::now();
    std::string problem;
    try {
        // The endpoint comes from another node, by way of the tracker: it may be nonsense.
        allow_ipv6_for(peer->socket, source.endpoint);
        peer->socket.connect(source.endpoint);
        // Every holder is asked for the manifest: the first that checks out is used, and
        // asking all of them tells early which ones are reachable.
        if (!send(peer->socket, GetManifest{source.path}))
            problem = "cannot send to " + source.user;
    } catch (const zmq::error_t& e) {
        problem = source.user + " advertises an endpoint that cannot be reached (" + source.endpoint +
                  "): " + e.what();
    }
    std::erase_if(m_spec.sources, [&](const Source& known) { return known.user == source.user; });
    m_spec.sources.push_back(source);
    m_peers.push_back(std::move(peer));
    if (!problem.empty())
        return drop(*m_peers.back(), problem);
    request_chunks();
}

void Swarm::add_poll_items(std::vector<zmq::pollitem_t>& items) {
    m_polled.clear();
    for (auto& peer : m_peers)
        if (peer->alive) {
            items.push_back({peer->socket.handle(), 0, ZMQ_POLLIN, 0});
            m_polled.push_back(peer.get());
        }
}

void Swarm::on_poll(const std::vector<zmq::pollitem_t>& items, std::size_t first) {
    // The items follow the peers add_poll_items() saw (some may have been dropped since).
    const std::vector<Peer*> polled = m_polled;
    DecodeLimits limits;
    limits.max_bytes = 64u << 20;
    limits.max_frame = limits.max_bytes + (64u << 10);
    for (std::size_t i = 0; i < polled.size() && first + i < items.size(); ++i) {
        if (!(items[first + i].revents & ZMQ_POLLIN))
            continue;
        Peer& peer = *polled[i];
        while (peer.alive && m_state == State::running) {
            zmq::message_t frame;
            if (!peer.socket.recv(frame, zmq::recv_flags::dontwait))
                break;
            peer.deadline = Clock::now() + m_tuning.timeout;
            if (frame.more()) {
                drain_frames(peer.socket);
                drop(peer, peer.source.user + " sent a malformed reply: a multi-frame message");
                break;
            }
            // Chunks, by far the most frames, are checked and written from where they lie in
            // the frame; the rest is decoded.
            if (auto chunk = view_chunk_data(frame, limits); chunk && !peer.manifest_pending) {
                on_chunk(peer, *chunk);
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
        m_content = std::move(*content);
        m_manifest_from = peer.source.user;
        if (!open_partial())
            return;
    }
    request_chunks();
}

bool Swarm::open_partial() {
    const std::uint64_t chunks = m_content->chunks();
    m_verified.assign(chunks, 0);
    m_requests.assign(chunks, 0);
    m_failed_from.assign(chunks, nullptr);
    std::error_code ec;
    const auto parent = std::filesystem::path(m_spec.local_path).parent_path();
    if (!parent.empty())
        std::filesystem::create_directories(parent, ec);

    // A partial file from an earlier run of the same content: keep what still verifies.
    std::vector<std::uint8_t> claimed;
    {
        std::ifstream in(state_path());
        std::string magic, id, bitmap;
        std::uint64_t size = 0, chunk_size = 0;
        std::getline(in, magic);
        in >> id >> size >> chunk_size >> bitmap;
        if (magic == state_magic && id == m_spec.content_id && size == m_content->manifest.size &&
            chunk_size == m_content->manifest.chunk_size && bitmap.size() == chunks)
            for (const char c : bitmap)
                claimed.push_back(c == '1');
    }
    const int flags = O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | (claimed.empty() ? O_TRUNC : 0);
    m_fd = ::open(part_path().c_str(), flags, 0644);
    if (m_fd < 0) {
        fail("cannot write " + part_path() + ": " + std::strerror(errno));
        return false;
    }
    if (::ftruncate(m_fd, static_cast<off_t>(m_content->manifest.size)) != 0) {
        fail("cannot write " + part_path() + ": " + std::strerror(errno));
        return false;
    }
    std::string buffer;
    for (std::uint64_t index = 0; index < claimed.size(); ++index) {
        if (!claimed[index])
            continue;
        const std::uint64_t length = m_content->chunk_length(index);
        buffer.resize(length);
        if (read_at(m_fd, buffer.data(), length, index * m_content->manifest.chunk_size) == std::ptrdiff_t(length) &&
            m_content->chunk_matches(index, buffer.data(), length)) {
            m_verified[index] = 1;
            ++m_verified_count;
            m_verified_bytes += length;
        }
    }
    m_resumed_bytes = m_verified_bytes;
    save_state();
    if (m_verified_count == chunks)
        finish();
    return m_state == State::running;
}

std::optional<std::uint64_t> Swarm::pick_chunk(const Peer& peer) {
    const std::uint64_t chunks = m_verified.size();
    while (m_first_missing < chunks && (m_verified[m_first_missing] || m_requests[m_first_missing]))
        ++m_first_missing;
    // A chunk that failed verification from this peer goes to another one while there is one.
    const bool choosy = live_peers() > 1;
    for (std::uint64_t index = m_first_missing; index < chunks; ++index)
        if (!m_verified[index] && m_requests[index] == 0 && !(choosy && m_failed_from[index] == &peer))
            return index;
    // End game: every missing chunk is in flight somewhere. Ask for the one asked least, if
    // not of this peer already, so that one slow holder cannot hold up the last chunks.
    std::optional<std::uint64_t> best;
    for (std::uint64_t index = 0; index < chunks; ++index) {
        if (m_verified[index] || m_requests[index] >= 2 ||
            std::find(peer.in_flight.begin(), peer.in_flight.end(), index) != peer.in_flight.end())
            continue;
        if (!best || m_requests[index] < m_requests[*best])
            best = index;
    }
    return best;
}

void Swarm::request_chunks() {
    if (m_state != State::running || !m_content)
        return;
    // Round-robin one request at a time, so that the total window is shared out fairly.
    for (bool progress = true; progress && m_in_flight < m_tuning.total_window;) {
        progress = false;
        for (auto& owned : m_peers) {
            Peer& peer = *owned;
            if (!peer.alive || peer.manifest_pending || peer.in_flight.size() >= peer.window ||
                m_in_flight >= m_tuning.total_window)
                continue;
            const auto index = pick_chunk(peer);
            if (!index)
                continue;
            const std::uint64_t chunk_size = m_content->manifest.chunk_size;
            if (!send(peer.socket, FetchChunk{peer.source.path, *index * chunk_size,
                                               m_content->chunk_length(*index)}))
                continue; // its queue is full: its replies will make room
            if (peer.in_flight.empty())
                peer.deadline = Clock::now() + m_tuning.timeout;
            peer.in_flight.push_back(*index);
            ++m_requests[*index];
            ++m_in_flight;
            progress = true;
        }
    }
}

void Swarm::on_chunk(Peer& peer, const ChunkDataView& chunk) {
    const std::uint64_t chunk_size = m_content->manifest.chunk_size;
    if (peer.in_flight.empty() || chunk.offset != peer.in_flight.front() * chunk_size ||
        chunk.path != peer.source.path)
        return drop(peer, peer.source.user + " sent a chunk that was not asked for");
    const std::uint64_t index = peer.in_flight.front();
    peer.in_flight.pop_front();
    --m_requests[index];
    --m_in_flight;
    if (!m_verified[index]) {
        const std::string_view data(chunk.data, chunk.size);
        if (!m_content->chunk_matches(index, data.data(), data.size())) {
            // Thrown away and asked again, of another holder when there is one.
            m_failed_from[index] = &peer;
            if (index < m_first_missing)
                m_first_missing = index;
            if (++peer.bad_chunks >= m_tuning.max_bad_chunks)
                return drop(peer, peer.source.user + " sent " + std::to_string(peer.bad_chunks) +
                                      " chunks that fail verification");
        } else {
            if (const int error = write_at(m_fd, data.data(), data.size(), chunk.offset); error != 0)
                return fail("cannot write " + part_path() + ": " + std::strerror(error));
            m_verified[index] = 1;
            ++m_verified_count;
            m_verified_bytes += data.size();
            peer.bytes += data.size();
            m_state_dirty = true;
        }
    }
    // The window follows the holder's rate: about 30 ms worth of chunks in flight.
    peer.rate_bytes += chunk.size;
    const auto now = Clock::now();
    const double elapsed = std::chrono::duration<double>(now - peer.rate_mark).count();
    if (elapsed >= 0.1) {
        const double sample = double(peer.rate_bytes) / elapsed;
        peer.rate = peer.rate == 0 ? sample : 0.7 * peer.rate + 0.3 * sample;
        peer.rate_bytes = 0;
        peer.rate_mark = now;
        const double wanted = peer.rate * 0.03 / double(chunk_size) + 2;
        peer.window = static_cast<unsigned>(
            std::clamp(wanted, double(m_tuning.min_window), double(m_tuning.max_window)));
    }
    if (m_verified_count == m_verified.size())
        return finish();
    request_chunks();
}

void Swarm::drop(Peer& peer, std::string reason) {
    if (!peer.alive)
        return;
    peer.alive = false;
    peer.reason = std::move(reason);
    for (const auto index : peer.in_flight) {
        --m_requests[index];
        --m_in_flight;
        m_first_missing = std::min(m_first_missing, index);
    }
    peer.in_flight.clear();
    peer.socket.close();
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

void Swarm::on_time(Clock::time_point now) {
    if (m_state != State::running)
        return;
    for (auto& peer : m_peers)
        if (peer->alive && (peer->manifest_pending || !peer->in_flight.empty()) && now >= peer->deadline)
            drop(*peer, peer->source.user + " (" + peer->source.endpoint +
                            ") is unreachable: no answer within " + seconds_text(m_tuning.timeout));
    if (m_state == State::running && now >= m_next_save) {
        if (m_state_dirty)
            save_state();
        m_next_save = now + std::chrono::seconds(1);
    }
}

Swarm::Clock::time_point Swarm::deadline() const {
    auto next = m_next_save;
    for (const auto& peer : m_peers)
        if (peer->alive && (peer->manifest_pending || !peer->in_flight.empty()))
            next = std::min(next, peer->deadline);
    return next;
}

void Swarm::save_state() {
    if (!m_content || m_fd < 0)
        return;
    std::ostringstream text;
    text << state_magic << "\n"
         << m_spec.content_id << " " << m_content->manifest.size << " " << m_content->manifest.chunk_size << "\n";
    for (const auto verified : m_verified)
        text << (verified ? '1' : '0');
    text << (m_verified.empty() ? "-" : "") << "\n";
    // Data first, then the state that vouches for it.
    ::fdatasync(m_fd);
    (void)write_file_atomically(state_path(), text.str());
    m_state_dirty = false;
}

void Swarm::cancel() {
    if (m_state == State::running) {
        save_state();
        fail("cancelled");
    }
}

void Swarm::finish() {
    if (m_state_dirty)
        save_state(); // should the rename fail, the partial file is known complete
    if (::close(m_fd) != 0) {
        m_fd = -1;
        return fail("cannot write " + part_path() + ": " + std::strerror(errno));
    }
    m_fd = -1;
    // RENAME_NOREPLACE: a file that appeared at the final path meanwhile is never overwritten.
    if (::renameat2(AT_FDCWD, part_path().c_str(), AT_FDCWD, m_spec.local_path.c_str(), RENAME_NOREPLACE) != 0)
        return fail("cannot move " + part_path() + " to " + m_spec.local_path + ": " + std::strerror(errno));
    ::unlink(state_path().c_str());
    m_state = State::done;
    m_finished = Clock::now();
    for (auto& peer : m_peers)
        if (peer->alive) {
            peer->alive = false;
            peer->socket.close();
        }
}

void Swarm::fail(std::string reason) {
    if (m_state != State::running)
        return;
    if (m_state_dirty)
        save_state();
    m_state = State::failed;
    m_error = std::move(reason);
    m_finished = Clock::now();
    if (m_fd >= 0) {
        ::close(m_fd);
        m_fd = -1;
    }
    for (auto& peer : m_peers)
        if (peer->alive) {
            peer->alive = false;
            peer->socket.close();
        }
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
