#include "download_manager.hpp"

#include "format.hpp"

#include <filesystem>

namespace zshare::node {

namespace {
constexpr auto progress_interval = std::chrono::milliseconds(250);

ProgressFigures figures_of(unsigned id, const Swarm& swarm) {
    ProgressFigures f;
    f.id = id;
    f.name = std::filesystem::path(swarm.spec().label).filename().string();
    f.have_manifest = swarm.have_manifest();
    f.checking = swarm.checking();
    f.done = swarm.verified_bytes();
    f.size = swarm.size();
    f.rate = swarm.rate();
    f.peers = swarm.live_peers();
    return f;
}
} // namespace

DownloadManager::DownloadManager(zmq::context_t& context, Reactor& reactor, Hasher& hasher, ChunkWriter& writer,
                                 Repl& repl, SwarmTuning tuning, Share share)
    : m_context(context), m_reactor(reactor), m_hasher(hasher), m_writer(writer), m_repl(repl), m_tuning(tuning),
      m_share(std::move(share)) {
    m_progress = Reactor::Timer(m_reactor, [this] { show_progress(); });
    m_reaper = Reactor::Timer(m_reactor, [this] { reap(); });
}

unsigned DownloadManager::start(const DownloadPlan& plan, const std::string& local, bool background,
                                std::uint64_t epoch, std::function<void(bool)> done) {
    const unsigned id = m_next++;
    std::error_code ec;
    if (std::filesystem::exists(local + ".part.state", ec))
        m_repl.err("zshare-node: resuming " + local + " from its partial file");
    if (background)
        m_repl.out("[" + std::to_string(id) + "] downloading " + plan.remote + " to " + local);
    Transfer& transfer = m_transfers[id];
    transfer.background = background;
    transfer.epoch = epoch;
    transfer.done = std::move(done);
    transfer.swarm = std::make_unique<Swarm>(m_context, m_reactor, m_hasher, m_writer,
                                             SwarmSpec{plan.content_id, plan.sources, local, plan.remote}, m_tuning,
                                             [this, id] { on_end(id); });
    if (!background && m_repl.interactive())
        m_progress.arm_after(progress_interval);
    return id;
}

void DownloadManager::on_end(unsigned id) {
    const auto it = m_transfers.find(id);
    if (it == m_transfers.end())
        return;
    Transfer& transfer = it->second;
    const Swarm& swarm = *transfer.swarm;
    if (!transfer.background)
        m_repl.status("");
    const std::string tag = transfer.background ? "[" + std::to_string(id) + "] " : "";
    if (swarm.state() == Swarm::State::failed) {
        std::error_code ec;
        const std::string& local = swarm.spec().local_path;
        const std::string kept = std::filesystem::exists(local + ".part.state", ec)
                                     ? " (the partial file " + local + ".part stays: run the same download to resume)"
                                     : "";
        if (transfer.stopped) {
            m_repl.out(tag + "stopped " + swarm.spec().label + kept);
            return finish(id, false);
        }
        if (transfer.cancelled) {
            m_repl.out(tag + "cancelled " + swarm.spec().label + kept);
            return finish(id, true);
        }
        m_repl.err("error: " + tag + swarm.error() + kept);
        return finish(id, false);
    }
    m_repl.out(tag + download_summary({swarm.spec().label, swarm.contributors(), swarm.spec().local_path,
                                        swarm.size(), swarm.resumed_bytes(), swarm.seconds()}));
    // Holding the file now, this node shares it too (seed 004: register the saved file).
    transfer.saving = true;
    m_share(swarm, [this, id, tag](const std::string& error) {
        if (!error.empty())
            m_repl.err("error: " + tag + "downloaded, but could not register it: " + error);
        finish(id, error.empty());
    });
}

void DownloadManager::finish(unsigned id, bool ok) {
    const auto it = m_transfers.find(id);
    if (it == m_transfers.end() || it->second.over)
        return;
    it->second.over = true;
    if (!ok)
        m_any_failed = true;
    m_reaper.arm_at(Reactor::Clock::now());
    if (auto done = std::move(it->second.done))
        done(ok);
}

void DownloadManager::reap() {
    std::erase_if(m_transfers, [](const auto& entry) { return entry.second.over; });
    if (m_transfers.empty() && on_idle)
        on_idle();
}

bool DownloadManager::cancel(unsigned id) {
    const auto it = m_transfers.find(id);
    if (it == m_transfers.end() || it->second.over || it->second.saving)
        return false;
    it->second.cancelled = true;
    it->second.swarm->cancel();
    return true;
}

void DownloadManager::cancel_foreground() {
    for (auto& [id, transfer] : m_transfers)
        if (!transfer.background && !transfer.over && !transfer.saving) {
            transfer.cancelled = true;
            transfer.swarm->cancel();
        }
}

void DownloadManager::stop_all() {
    for (auto& [id, transfer] : m_transfers)
        if (!transfer.over && !transfer.saving) {
            transfer.stopped = true;
            transfer.swarm->cancel();
        }
}

void DownloadManager::follow(const Mirror& mirror, const std::string& self) {
    for (auto& [id, transfer] : m_transfers) {
        Swarm& swarm = *transfer.swarm;
        if (swarm.state() != Swarm::State::running)
            continue;
        const auto holders = holders_of(swarm.spec().content_id, mirror.peers(), self);
        // Holders are matched by user: one that shares the content under another path, too,
        // is still a holder. After a tracker restart the table fills again only as holders
        // register again, so there an absent holder proves nothing: the swarm's own timeouts
        // find the ones really gone.
        const bool same_run = mirror.epoch() == transfer.epoch;
        for (const auto& source : std::vector<Source>(swarm.spec().sources)) {
            const auto holder = std::find_if(holders.begin(), holders.end(),
                                             [&](const Source& h) { return h.user == source.user; });
            if (holder == holders.end() && same_run)
                swarm.drop_source(source.user, source.user + " no longer shares " + source.path);
            else if (holder != holders.end() && holder->endpoint != source.endpoint)
                swarm.drop_source(source.user, source.user + " moved to " + holder->endpoint);
            else if (holder != holders.end() && holder->key != source.key)
                swarm.drop_source(source.user, source.user + " has a new key");
        }
        for (const auto& holder : holders)
            swarm.add_source(holder);
    }
}

void DownloadManager::show_progress() {
    // A live line only where a person watches a foreground download; pipes get the summary.
    for (const auto& [id, transfer] : m_transfers)
        if (!transfer.background && !transfer.over && !transfer.saving) {
            if (transfer.swarm->have_manifest())
                m_repl.status(progress_line(figures_of(id, *transfer.swarm), m_repl.width()));
            m_progress.arm_after(progress_interval);
        }
}

std::vector<std::string> DownloadManager::lines() const {
    std::vector<std::string> out;
    for (const auto& [id, transfer] : m_transfers) {
        if (transfer.over)
            continue;
        const Swarm& swarm = *transfer.swarm;
        const std::string progress = transfer.saving ? "saved, being registered" : progress_figures(figures_of(id, swarm));
        out.push_back("[" + std::to_string(id) + "] " + swarm.spec().label + " " + progress + " -> " +
                      swarm.spec().local_path);
    }
    return out;
}

std::vector<unsigned> DownloadManager::ids() const {
    std::vector<unsigned> out;
    for (const auto& [id, transfer] : m_transfers)
        if (!transfer.over)
            out.push_back(id);
    return out;
}

bool DownloadManager::writing(const std::string& local) const {
    for (const auto& [id, transfer] : m_transfers)
        if (!transfer.over && transfer.swarm->spec().local_path == local)
            return true;
    return false;
}

} // namespace zshare::node
