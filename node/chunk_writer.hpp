// The far end of the data path: an actor (a thread and an inproc pipe) that checks received
// chunks against their hashes and writes them into their partial files, while the node's loop
// goes on receiving. A chunk's frame travels to it and back by ownership, never copied: the
// bytes are hashed and written from where they arrived.
//
// It can also only write (the loop having checked the chunk already): the two ways of
// splitting the work that bench/throughput.sh compares (see docs/benchmarks.md).
#pragma once

#include "actor.hpp"
#include "content.hpp"
#include "partial_file.hpp"
#include "reactor.hpp"

#include <functional>
#include <map>
#include <string>
#include <memory>
#include <zmq.hpp>

namespace zshare::node {

class ChunkWriter {
public:
    /// What became of a chunk.
    enum class Outcome {
        written, ///< it matched its hash and is in the file
        bad,     ///< it did not match: nothing was written
        failed,  ///< it could not be written (the error says why)
    };
    /// Runs in the loop with the outcome and, for `failed`, the errno.
    using Done = std::function<void(Outcome outcome, int error)>;

    ChunkWriter(zmq::context_t& context, Reactor& reactor);
    ~ChunkWriter();
    ChunkWriter(const ChunkWriter&) = delete;
    ChunkWriter& operator=(const ChunkWriter&) = delete;

    /// Takes `frame`, whose bytes `data` / `size` are chunk `index` of `content`: checks them
    /// (unless `checked`) and writes them into `file`. `done` runs in the loop unless `owner`
    /// has expired by then (a download that ended meanwhile).
    void submit(std::shared_ptr<PartialFile> file, std::shared_ptr<const Content> content, std::uint64_t index,
                zmq::message_t frame, const char* data, std::size_t size, bool checked, std::weak_ptr<void> owner,
                Done done);

    /// Moves `file`, complete, into place (PartialFile::finish) on the worker, after every
    /// chunk submitted before: the sync and the rename never hold up the loop. `done` runs in
    /// the loop with "" or why it failed, unless `owner` has expired by then.
    void finish(std::shared_ptr<PartialFile> file, std::weak_ptr<void> owner,
                std::function<void(const std::string& problem)> done);

    /// A chunk (or a finish) on its way through the worker.
    struct Job;

private:
    void on_pipe();
    void send(std::unique_ptr<Job> job);

    std::uint64_t m_next = 1;
    std::map<std::uint64_t, std::unique_ptr<Job>> m_jobs; ///< submitted, not yet back
    Actor m_actor;
    Reactor::Watch m_watch;
};

} // namespace zshare::node
