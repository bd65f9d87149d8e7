#include "chunk_writer.hpp"

#include <cstring>

namespace zshare::node {

struct ChunkWriter::Job {
    std::uint64_t id = 0;
    std::shared_ptr<PartialFile> file;
    std::shared_ptr<const Content> content;
    std::uint64_t index = 0;
    zmq::message_t frame; ///< owns the bytes
    const char* data = nullptr;
    std::size_t size = 0;
    bool checked = false;
    std::weak_ptr<void> owner;
    Done done;
    std::function<void(const std::string&)> finished; ///< set for a finish: no chunk then
    // Written by the worker, read by the loop once the job is back.
    Outcome outcome = Outcome::written;
    int error = 0;
    std::string problem; ///< a finish's result

    void run() {
        if (finished) {
            problem = file->finish();
            return;
        }
        if (!checked && !content->chunk_matches(index, data, size)) {
            outcome = Outcome::bad;
            return;
        }
        error = file->write(index, data, size);
        outcome = error == 0 ? Outcome::written : Outcome::failed;
    }
};

ChunkWriter::ChunkWriter(zmq::context_t& context, Reactor& reactor)
    : m_actor(context, [](zmq::socket_t& pipe) {
          for (;;) {
              zmq::message_t frame;
              if (!pipe.recv(frame) || Actor::is_terminate(frame))
                  return;
              if (frame.size() != sizeof(Job*))
                  continue;
              Job* job = nullptr;
              std::memcpy(&job, frame.data(), sizeof job);
              job->run();
              // The frame goes back with the job: it is freed on the loop's side, where it came from.
              pipe.send(zmq::buffer(&job, sizeof job), zmq::send_flags::none);
          }
      }) {
    m_watch = reactor.watch(m_actor.pipe(), [this] { on_pipe(); });
}

ChunkWriter::~ChunkWriter() { m_watch.reset(); }

void ChunkWriter::submit(std::shared_ptr<PartialFile> file, std::shared_ptr<const Content> content,
                         std::uint64_t index, zmq::message_t frame, const char* data, std::size_t size, bool checked,
                         std::weak_ptr<void> owner, Done done) {
    auto job = std::make_unique<Job>();
    job->file = std::move(file);
    job->content = std::move(content);
    job->index = index;
    job->frame = std::move(frame); // moving a zmq message keeps its bytes where they are
    job->data = data;
    job->size = size;
    job->checked = checked;
    job->owner = std::move(owner);
    job->done = std::move(done);
    send(std::move(job));
}

void ChunkWriter::finish(std::shared_ptr<PartialFile> file, std::weak_ptr<void> owner,
                         std::function<void(const std::string&)> done) {
    auto job = std::make_unique<Job>();
    job->file = std::move(file);
    job->owner = std::move(owner);
    job->finished = std::move(done);
    send(std::move(job));
}

void ChunkWriter::send(std::unique_ptr<Job> job) {
    job->id = m_next++;
    Job* raw = job.get();
    m_jobs.emplace(job->id, std::move(job));
    m_actor.pipe().send(zmq::buffer(&raw, sizeof raw), zmq::send_flags::none);
}

void ChunkWriter::on_pipe() {
    for (int handled = 0; handled < 256; ++handled) {
        zmq::message_t frame;
        if (!m_actor.pipe().recv(frame, zmq::recv_flags::dontwait))
            return;
        if (frame.size() != sizeof(Job*))
            continue;
        Job* raw = nullptr;
        std::memcpy(&raw, frame.data(), sizeof raw);
        const auto it = m_jobs.find(raw->id);
        if (it == m_jobs.end())
            continue;
        std::unique_ptr<Job> job = std::move(it->second);
        m_jobs.erase(it);
        if (job->owner.expired())
            continue;
        if (job->finished)
            job->finished(job->problem);
        else
            job->done(job->outcome, job->error);
    }
}

} // namespace zshare::node
