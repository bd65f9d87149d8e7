#include "hasher.hpp"

#include "file_io.hpp"
#include "unique_fd.hpp"

#include <chrono>
#include <cstring>
#include <fcntl.h>

namespace zshare::node {

/// A job: its input, its result and its callbacks. The worker runs it and writes the result;
/// the loop's side reads the result and runs the callbacks once the worker says it is done.
struct Hasher::Job {
    JobId id = 0;
    std::atomic<bool> cancelled{false};
    const std::atomic<bool>* stopping = nullptr;
    const ManifestCache* cache = nullptr;
    virtual ~Job() = default;
    /// Runs on the worker. `report` sends progress to the loop.
    virtual void run(const std::function<void(const CollectProgress&)>& report) = 0;
    /// Runs on the loop with the result.
    virtual void finish() = 0;
    /// Runs on the loop with progress.
    virtual void progress(const CollectProgress&) {}
    bool stopped() const { return cancelled || (stopping && *stopping); }
};

namespace {

/// What the worker tells the loop: plain bytes through the inproc pipe.
struct Note {
    enum class Kind { progress, done } kind = Kind::done;
    Hasher::Job* job = nullptr;
    CollectProgress progress;
};

struct CollectJob final : Hasher::Job {
    std::vector<std::string> paths;
    std::function<void(const CollectProgress&)> on_progress;
    std::function<void(Collected)> on_done;
    Collected result;
    void run(const std::function<void(const CollectProgress&)>& report) override {
        auto last = std::chrono::steady_clock::time_point{};
        result = collect_files(paths, *cache, [&](const CollectProgress& progress) {
            if (stopped())
                return false;
            const auto now = std::chrono::steady_clock::now();
            if (now - last >= std::chrono::milliseconds(100)) {
                report(progress);
                last = now;
            }
            return true;
        });
    }
    void progress(const CollectProgress& p) override {
        if (on_progress)
            on_progress(p);
    }
    void finish() override { on_done(std::move(result)); }
};

struct VerifyJob final : Hasher::Job {
    std::string path;
    Content content;
    std::vector<std::uint64_t> chunks;
    std::function<void(std::vector<std::uint64_t>)> on_done;
    std::vector<std::uint64_t> good;
    void run(const std::function<void(const CollectProgress&)>&) override {
        // Its own descriptor: the download may close its own at any time.
        UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
        if (!fd)
            return;
        std::string buffer;
        for (const auto index : chunks) {
            if (stopped())
                return;
            const std::uint64_t length = content.chunk_length(index);
            buffer.resize(length);
            if (read_at(fd.get(), buffer.data(), length, index * content.manifest.chunk_size) ==
                    static_cast<std::ptrdiff_t>(length) &&
                content.chunk_matches(index, buffer.data(), length))
                good.push_back(index);
        }
    }
    void finish() override { on_done(std::move(good)); }
};

void send_note(zmq::socket_t& pipe, const Note& note) {
    pipe.send(zmq::buffer(&note, sizeof note), zmq::send_flags::none);
}

} // namespace

Hasher::Hasher(zmq::context_t& context, Reactor& reactor, ManifestCache cache)
    : m_reactor(reactor), m_cache(std::move(cache)), m_actor(context, [](zmq::socket_t& pipe) {
          for (;;) {
              zmq::message_t frame;
              if (!pipe.recv(frame) || Actor::is_terminate(frame))
                  return;
              if (frame.size() != sizeof(Job*))
                  continue;
              Job* job = nullptr;
              std::memcpy(&job, frame.data(), sizeof job);
              if (!job->stopped())
                  job->run([&](const CollectProgress& progress) {
                      send_note(pipe, Note{Note::Kind::progress, job, progress});
                  });
              send_note(pipe, Note{Note::Kind::done, job, {}});
          }
      }) {
    m_watch = m_reactor.watch(m_actor.pipe(), [this] { on_pipe(); });
}

Hasher::~Hasher() {
    m_watch.reset();
    m_stopping = true; // the job under way stops at its next chunk; the actor then joins
}

Hasher::JobId Hasher::submit(std::unique_ptr<Job> job) {
    const JobId id = m_next++;
    job->id = id;
    job->stopping = &m_stopping;
    job->cache = &m_cache;
    Job* raw = job.get();
    m_jobs.emplace(id, std::move(job));
    m_actor.pipe().send(zmq::buffer(&raw, sizeof raw), zmq::send_flags::none);
    return id;
}

Hasher::JobId Hasher::collect(std::vector<std::string> paths, std::function<void(const CollectProgress&)> progress,
                              std::function<void(Collected)> done) {
    auto job = std::make_unique<CollectJob>();
    job->paths = std::move(paths);
    job->on_progress = std::move(progress);
    job->on_done = std::move(done);
    return submit(std::move(job));
}

Hasher::JobId Hasher::verify(std::string path, Content content, std::vector<std::uint64_t> chunks,
                             std::function<void(std::vector<std::uint64_t>)> done) {
    auto job = std::make_unique<VerifyJob>();
    job->path = std::move(path);
    job->content = std::move(content);
    job->chunks = std::move(chunks);
    job->on_done = std::move(done);
    return submit(std::move(job));
}

void Hasher::cancel(JobId id) {
    if (const auto it = m_jobs.find(id); it != m_jobs.end())
        it->second->cancelled = true; // freed when the worker hands it back
}

void Hasher::on_pipe() {
    for (int handled = 0; handled < 64; ++handled) {
        zmq::message_t frame;
        if (!m_actor.pipe().recv(frame, zmq::recv_flags::dontwait))
            return;
        if (frame.size() != sizeof(Note))
            continue;
        Note note;
        std::memcpy(&note, frame.data(), sizeof note);
        const auto it = m_jobs.find(note.job->id);
        if (it == m_jobs.end())
            continue;
        if (note.kind == Note::Kind::progress) {
            if (!it->second->cancelled)
                it->second->progress(note.progress);
            continue;
        }
        std::unique_ptr<Job> job = std::move(it->second);
        m_jobs.erase(it);
        if (!job->cancelled)
            job->finish();
    }
}

} // namespace zshare::node
