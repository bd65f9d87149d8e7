#include "chunk_writer.hpp"

#include <cerrno>
#include <stdexcept>
#include <sys/eventfd.h>
#include <unistd.h>
#include <utility>

namespace zshare::node {

ChunkWriter::ChunkWriter(const Content& content, int fd) : m_content(content), m_file(fd) {
    m_event_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (m_event_fd < 0)
        throw std::runtime_error("eventfd failed");
    m_thread = std::thread([this] { run(); });
}

ChunkWriter::~ChunkWriter() {
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_wake.notify_one();
    m_thread.join();
    ::close(m_event_fd);
}

void ChunkWriter::submit(Job job) {
    {
        std::lock_guard lock(m_mutex);
        m_jobs.push_back(std::move(job));
    }
    m_wake.notify_one();
}

std::vector<ChunkWriter::Result> ChunkWriter::take_results() {
    std::uint64_t count = 0;
    (void)!::read(m_event_fd, &count, sizeof count); // reset the readiness
    std::lock_guard lock(m_mutex);
    return std::exchange(m_results, {});
}

void ChunkWriter::run() {
    for (;;) {
        Job job;
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait(lock, [&] { return m_stop || !m_jobs.empty(); });
            if (m_stop)
                return;
            job = std::move(m_jobs.front());
            m_jobs.pop_front();
        }
        Result result{job.index, job.size, job.source, Result::Outcome::written, 0};
        if (!m_content.chunk_matches(job.index, job.data, job.size)) {
            result.outcome = Result::Outcome::bad;
        } else {
            const std::uint64_t offset = job.index * m_content.manifest.chunk_size;
            std::size_t done = 0;
            while (done < job.size) {
                const ssize_t n = ::pwrite(m_file, job.data + done, job.size - done, static_cast<off_t>(offset + done));
                if (n < 0 && errno == EINTR)
                    continue;
                if (n <= 0) {
                    result.outcome = Result::Outcome::write_failed;
                    result.error = n < 0 ? errno : EIO;
                    break;
                }
                done += static_cast<std::size_t>(n);
            }
        }
        {
            std::lock_guard lock(m_mutex);
            m_results.push_back(result);
        }
        const std::uint64_t one = 1;
        (void)!::write(m_event_fd, &one, sizeof one);
    }
}

} // namespace zshare::node
