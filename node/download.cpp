#include "download.hpp"

#include "wire.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

namespace zshare::node {

using namespace protocol;
using Clock = std::chrono::steady_clock;

Download::Download(zmq::context_t& context, DownloadSpec spec, DownloadTuning tuning)
    : m_spec(std::move(spec)), m_tuning(tuning),
      m_socket(make_socket(context, zmq::socket_type::dealer,
                           static_cast<std::int64_t>(tuning.chunk_bytes + (64u << 10)))),
      m_part_path(m_spec.local_path + ".part"), m_started(Clock::now()),
      m_deadline(m_started + tuning.timeout) {
    allow_ipv6_for(m_socket, m_spec.endpoint);
    m_socket.connect(m_spec.endpoint);
    if (!send(m_socket, StatFile{m_spec.remote_path}))
        fail("cannot send to " + m_spec.user);
}

Download::~Download() {
    if (m_fd >= 0)
        ::close(m_fd);
    if (m_state != State::done && m_wrote_part)
        ::unlink(m_part_path.c_str()); // never leave a partial file behind
}

double Download::seconds() const {
    const auto end = m_state == State::running ? Clock::now() : m_finished;
    return std::chrono::duration<double>(end - m_started).count();
}

void Download::on_readable() {
    DecodeLimits limits;
    limits.max_bytes = m_tuning.chunk_bytes;
    limits.max_frame = m_tuning.chunk_bytes + (64u << 10);
    while (m_state == State::running) {
        auto reply = receive(m_socket, limits);
        if (!reply)
            return;
        if (!*reply)
            return fail(m_spec.user + " sent a malformed reply: " + reply->error);
        m_deadline = Clock::now() + m_tuning.timeout;
        on_reply(*reply->message);
    }
}

void Download::on_time(Clock::time_point now) {
    if (m_state == State::running && now >= m_deadline)
        fail(m_spec.user + " (" + m_spec.endpoint + ") is unreachable: no answer within " +
             seconds_text(m_tuning.timeout));
}

void Download::on_reply(const Message& reply) {
    if (const auto* error = std::get_if<Error>(&reply)) {
        if (error->code == error_code::not_shared)
            return fail(m_spec.user + " does not share " + m_spec.remote_path);
        return fail(m_spec.user + " refused: " + error->message);
    }
    if (const auto* stat = std::get_if<FileStat>(&reply); stat && !m_have_size && stat->path == m_spec.remote_path)
        return on_file_stat(*stat);
    if (const auto* chunk = std::get_if<ChunkData>(&reply); chunk && m_have_size)
        return on_chunk(*chunk);
    fail(m_spec.user + " sent an unexpected " + std::string(type_name(reply)));
}

void Download::on_file_stat(const FileStat& stat) {
    m_have_size = true;
    m_size = stat.size;
    std::error_code ec;
    const auto parent = std::filesystem::path(m_spec.local_path).parent_path();
    if (!parent.empty())
        std::filesystem::create_directories(parent, ec);
    // O_NOFOLLOW: a link planted at the partial file's name must not redirect the bytes.
    m_fd = ::open(m_part_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (m_fd < 0)
        return fail("cannot write " + m_part_path + ": " + std::strerror(errno));
    m_wrote_part = true;
    if (m_size == 0)
        return finish();
    request_more();
}

void Download::request_more() {
    while (m_in_flight.size() < m_tuning.window && m_next_offset < m_size) {
        const std::uint64_t length = std::min(m_tuning.chunk_bytes, m_size - m_next_offset);
        if (!send(m_socket, FetchChunk{m_spec.remote_path, m_next_offset, length}))
            return; // queue full: the replies to what is in flight will make room
        m_in_flight.push_back(m_next_offset);
        m_next_offset += length;
    }
}

void Download::on_chunk(const ChunkData& chunk) {
    // One peer answers in order, so a reply is always for the oldest request in flight.
    if (m_in_flight.empty() || chunk.offset != m_in_flight.front() || chunk.path != m_spec.remote_path)
        return fail(m_spec.user + " sent a chunk that was not asked for");
    const std::uint64_t expected = std::min(m_tuning.chunk_bytes, m_size - chunk.offset);
    if (chunk.data.data.size() != expected)
        return fail(m_spec.remote_path + " changed on " + m_spec.user + " during the transfer");
    m_in_flight.pop_front();
    std::uint64_t done = 0;
    while (done < expected) {
        const ssize_t n = ::pwrite(m_fd, chunk.data.data.data() + done, expected - done,
                                   static_cast<off_t>(chunk.offset + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return fail("cannot write " + m_part_path + ": " + std::strerror(errno));
        done += static_cast<std::uint64_t>(n);
    }
    m_received += expected;
    if (m_received == m_size)
        return finish();
    request_more();
}

void Download::finish() {
    if (::close(m_fd) != 0) {
        m_fd = -1;
        return fail("cannot write " + m_part_path + ": " + std::strerror(errno));
    }
    m_fd = -1;
    // RENAME_NOREPLACE: a file that appeared at the final path meanwhile is never overwritten.
    if (::renameat2(AT_FDCWD, m_part_path.c_str(), AT_FDCWD, m_spec.local_path.c_str(),
                    RENAME_NOREPLACE) != 0)
        return fail("cannot move " + m_part_path + " to " + m_spec.local_path + ": " +
                    std::strerror(errno));
    m_state = State::done;
    m_finished = Clock::now();
    m_socket.close();
}

void Download::fail(std::string reason) {
    if (m_state != State::running)
        return;
    m_state = State::failed;
    m_error = std::move(reason);
    m_finished = Clock::now();
    if (m_fd >= 0) {
        ::close(m_fd);
        m_fd = -1;
    }
    if (m_wrote_part)
        ::unlink(m_part_path.c_str());
}

} // namespace zshare::node
