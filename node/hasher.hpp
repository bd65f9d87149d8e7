// The hashing worker: an actor (a thread and an inproc pipe, as in czmq) that reads and hashes
// files so that the node's loop never does: the manifests of what `register` names, and the
// chunks of a partial file that a resumed download must check again. The REPL, the file
// server and downloads go on meanwhile; progress and results come back through the pipe and
// are delivered by the owner's Reactor.
//
// A job is owned by this object from submission to its end; the worker only borrows it. Jobs
// run one at a time, in order. A cancelled job's callbacks never run.
#pragma once

#include "actor.hpp"
#include "content.hpp"
#include "manifest_cache.hpp"
#include "reactor.hpp"
#include "share_scan.hpp"

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>
#include <zmq.hpp>

namespace zshare::node {

class Hasher {
public:
    using JobId = std::uint64_t;

    Hasher(zmq::context_t& context, Reactor& reactor, ManifestCache cache);
    ~Hasher();
    Hasher(const Hasher&) = delete;
    Hasher& operator=(const Hasher&) = delete;

    /// Collects and hashes what `paths` name (see collect_files()); `progress` runs now and
    /// then (at most ten times a second), `done` once with the result. Returns: the job's id.
    JobId collect(std::vector<std::string> paths, std::function<void(const CollectProgress&)> progress,
                  std::function<void(Collected)> done);

    /// Checks `chunks` of the file at `path` against `content`; `done` gets the ones that
    /// match (a file that cannot be read matches nothing). Returns: the job's id.
    JobId verify(std::string path, Content content, std::vector<std::uint64_t> chunks,
                 std::function<void(std::vector<std::uint64_t>)> done);

    /// Stops job `id` as soon as the worker notices; its callbacks will not run.
    void cancel(JobId id);

    /// A job as the worker sees it.
    struct Job;

private:
    JobId submit(std::unique_ptr<Job> job);
    void on_pipe();

    Reactor& m_reactor;
    ManifestCache m_cache;
    std::atomic<bool> m_stopping{false}; ///< set by the destructor: jobs stop at once
    std::map<JobId, std::unique_ptr<Job>> m_jobs; ///< submitted, not yet finished
    JobId m_next = 1;
    Actor m_actor;                       ///< after everything the worker uses
    Reactor::Watch m_watch;
};

} // namespace zshare::node
