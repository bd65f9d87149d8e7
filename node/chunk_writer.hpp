// Verifies received chunks against the manifest and writes the good ones, on a thread of its
// own: hashing (about 2 GB/s with SHA-NI) and writing then overlap with receiving, where the
// download's loop would otherwise do all three in turn. Jobs and results pass through two
// mutex-guarded queues; an eventfd tells the loop that results wait.
#pragma once

#include "content.hpp"

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>
#include <zmq.hpp>

namespace zshare::node {

class ChunkWriter {
public:
    /// One chunk to check and write.
    struct Job {
        std::uint64_t index = 0;   ///< chunk number
        zmq::message_t frame;      ///< the frame holding the bytes (kept alive until written)
        const char* data = nullptr; ///< the bytes, inside `frame`
        std::size_t size = 0;      ///< their number
        std::size_t source = 0;    ///< who sent it (handed back in the result)
    };
    /// What became of a job.
    struct Result {
        enum class Outcome { written, bad, write_failed };
        std::uint64_t index = 0;
        std::size_t size = 0;
        std::size_t source = 0;
        Outcome outcome = Outcome::written;
        int error = 0; ///< errno when write_failed
    };

    /// Checks against `content` and writes to `fd`; both must outlive the writer.
    ChunkWriter(const Content& content, int fd);
    /// Stops the thread; jobs not yet done are dropped.
    ~ChunkWriter();
    ChunkWriter(const ChunkWriter&) = delete;
    ChunkWriter& operator=(const ChunkWriter&) = delete;

    /// Queues a job.
    void submit(Job job);
    /// Returns: a descriptor that polls readable while results wait.
    int fd() const { return m_event_fd; }
    /// Returns: the results so far, in the order they were done.
    std::vector<Result> take_results();

private:
    void run();

    const Content& m_content;
    int m_file;                       ///< where good chunks go
    int m_event_fd = -1;              ///< readable while m_results is not empty
    std::mutex m_mutex;               ///< guards the two queues and m_stop
    std::condition_variable m_wake;   ///< jobs arrived, or stop
    std::deque<Job> m_jobs;
    std::vector<Result> m_results;
    bool m_stop = false;
    std::thread m_thread;
};

} // namespace zshare::node
