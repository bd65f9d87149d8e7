#include "download_manager.hpp"

#include "format.hpp"

#include <algorithm>
#include <filesystem>

namespace zshare::node {

namespace {
constexpr auto progress_interval = std::chrono::milliseconds(250);
/// How long table changes are gathered before the downloads follow them.
constexpr auto follow_delay = std::chrono::milliseconds(100);

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
    if (swarm.spec().folder) {
        f.folder = true;
        f.files_done = swarm.files_done();
        f.files = swarm.files().size();
    }
    return f;
}

/// Returns: "[<id>] " for a background download (its lines say which it is), else "".
std::string tag_of(unsigned id, bool background) { return background ? "[" + std::to_string(id) + "] " : ""; }

std::string parent_of(const std::string& relative) {
    const auto slash = relative.rfind('/');
    return slash == std::string::npos ? std::string() : relative.substr(0, slash);
}
} // namespace

DownloadManager::DownloadManager(zmq::context_t& context, Reactor& reactor, Hasher& hasher, ChunkWriter& writer,
                                 Repl& repl, SwarmTuning tuning, Share share)
    : m_context(context), m_reactor(reactor), m_hasher(hasher), m_writer(writer), m_repl(repl), m_tuning(tuning),
      m_share(std::move(share)) {
    m_progress = Reactor::Timer(m_reactor, [this] { show_progress(); });
    m_reaper = Reactor::Timer(m_reactor, [this] { reap(); });
    m_follow = Reactor::Timer(m_reactor, [this] {
        if (m_mirror)
            follow(*m_mirror, m_self);
    });
}

void DownloadManager::table_changed(const Mirror& mirror, const std::string& self) {
    m_mirror = &mirror;
    m_self = self;
    if (m_transfers.empty())
        return;
    m_follow.arm_no_later_than(Reactor::Clock::now() + follow_delay);
}

std::optional<SwarmFileSpec> DownloadManager::place_folder_file(Transfer& transfer, const PlannedFile& file) {
    transfer.relatives.insert(file.relative);
    // The folders on the way are made here, none of them followed if it is a link: what the
    // holder names lands inside the folder, or nowhere.
    if (auto problem = make_folders(transfer.local, parent_of(file.relative)); !problem.empty()) {
        m_repl.err("error: " + problem);
        transfer.misplaced = true;
        return std::nullopt;
    }
    return SwarmFileSpec{file.content_id, file.size, transfer.local + "/" + file.relative, file.remote, file.sources};
}

unsigned DownloadManager::start(const DownloadPlan& plan, const std::string& local, bool background,
                                std::uint64_t epoch, std::function<void(bool)> done) {
    const unsigned id = m_next++;
    std::error_code ec;
    Transfer& transfer = m_transfers[id];
    transfer.background = background;
    transfer.epoch = epoch;
    transfer.done = std::move(done);
    transfer.local = local;
    SwarmSpec spec;
    if (plan.folder) {
        // (The node made the folder before: one with nothing in it has nothing to resume.)
        if (std::filesystem::is_directory(local, ec) && !std::filesystem::is_empty(local, ec))
            m_repl.err("zshare-node: resuming into " + local + ": files already there are checked, not fetched");
        transfer.owner = plan.owner;
        transfer.remote = plan.remote;
        spec.folder = true;
        spec.label = plan.remote;
        for (const auto& path : plan.skipped)
            m_repl.err("warning: skipping " + path);
        for (const auto& file : plan.files)
            if (auto placed = place_folder_file(transfer, file))
                spec.files.push_back(std::move(*placed));
    } else {
        if (std::filesystem::exists(local + ".part.state", ec))
            m_repl.err("zshare-node: resuming " + local + " from its partial file");
        spec = SwarmSpec::one(plan.content_id, plan.sources, local, plan.remote, plan.size);
    }
    if (background)
        m_repl.out("[" + std::to_string(id) + "] downloading " + plan.remote + " to " + local);
    transfer.swarm = std::make_unique<Swarm>(m_context, m_reactor, m_hasher, m_writer, std::move(spec), m_tuning,
                                             [this, id] { on_end(id); });
    transfer.swarm->on_file_done = [this, id](std::size_t index) { on_file_done(id, index); };
    if (!background && m_repl.interactive())
        m_progress.arm_after(progress_interval);
    return id;
}

void DownloadManager::on_file_done(unsigned id, std::size_t index) {
    const auto it = m_transfers.find(id);
    if (it == m_transfers.end())
        return;
    // Holding the file now, this node shares it too (seed 004: register the saved file).
    ++it->second.sharing;
    m_share(*it->second.swarm, index, [this, id](const std::string& error) {
        const auto found = m_transfers.find(id);
        if (found == m_transfers.end())
            return;
        --found->second.sharing;
        if (!error.empty() && found->second.share_error.empty())
            found->second.share_error = error;
        settle_if_shared(id);
    });
}

void DownloadManager::on_end(unsigned id) {
    const auto it = m_transfers.find(id);
    if (it == m_transfers.end())
        return;
    Transfer& transfer = it->second;
    const Swarm& swarm = *transfer.swarm;
    if (!transfer.background)
        m_repl.status("");
    const std::string tag = tag_of(id, transfer.background);
    if (swarm.state() == Swarm::State::failed) {
        std::error_code ec;
        const std::string& local = transfer.local;
        std::string kept;
        if (swarm.spec().folder)
            kept = " (what is in " + local + " stays: run the same download to resume)";
        else if (std::filesystem::exists(local + ".part.state", ec))
            kept = " (the partial file " + local + ".part stays: run the same download to resume)";
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
    DownloadSummary summary{swarm.spec().label, swarm.contributors(), transfer.local, swarm.size(),
                            swarm.resumed_bytes(), swarm.seconds()};
    if (swarm.spec().folder) {
        summary.folder = true;
        summary.files = swarm.files().size();
    }
    m_repl.out(tag + download_summary(summary));
    transfer.saving = true;
    settle_if_shared(id);
}

void DownloadManager::settle_if_shared(unsigned id) {
    const auto it = m_transfers.find(id);
    if (it == m_transfers.end())
        return;
    Transfer& transfer = it->second;
    if (!transfer.saving || transfer.sharing > 0 || transfer.over)
        return;
    const std::string tag = tag_of(id, transfer.background);
    if (!transfer.share_error.empty())
        m_repl.err("error: " + tag + "downloaded, but could not register it: " + transfer.share_error);
    finish(id, transfer.share_error.empty() && !transfer.misplaced);
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
    const auto& peers = mirror.peers();
    const auto running = [](const Transfer& transfer) {
        return transfer.swarm && transfer.swarm->state() == Swarm::State::running;
    };
    // Files that appeared in a folder meanwhile join it first, so that they are followed too.
    for (auto& [id, transfer] : m_transfers) {
        if (!running(transfer) || transfer.owner.empty())
            continue;
        if (const auto owner = peers.find(transfer.owner); owner != peers.end())
            for (const auto& file : files_under(transfer.owner, owner->second, transfer.remote, nullptr))
                if (!transfer.relatives.count(file.relative))
                    if (auto placed = place_folder_file(transfer, file))
                        transfer.swarm->add_file(std::move(*placed));
    }
    // The holders of what the downloads fetch, and nothing else: a pass over the table, but no
    // copy of it.
    std::unordered_set<std::string> wanted;
    for (const auto& [id, transfer] : m_transfers)
        if (running(transfer))
            for (const auto& file : transfer.swarm->files())
                if (!file.over())
                    wanted.insert(file.spec.content_id);
    const auto holders = holders_by_content(peers, self, &wanted);
    const std::vector<Source> none;
    for (auto& [id, transfer] : m_transfers) {
        if (!running(transfer))
            continue;
        Swarm& swarm = *transfer.swarm;
        // A holder that moved, or came back with a new key, is dropped: it joins again below
        // at its new place, on a fresh socket.
        for (const auto& holder : swarm.live_holders()) {
            const auto row = peers.find(holder.user);
            if (row == peers.end())
                continue;
            if (row->second.endpoint != holder.endpoint)
                swarm.drop_source(holder.user, holder.user + " moved to " + row->second.endpoint);
            else if (row->second.key != holder.key)
                swarm.drop_source(holder.user, holder.user + " has a new key");
        }
        // Holders are matched by user: one that shares the content under another path, too,
        // is still a holder. After a tracker restart the table fills again only as holders
        // register again, so there an absent holder proves nothing: the swarm's own timeouts
        // find the ones really gone.
        const bool same_run = mirror.epoch() == transfer.epoch;
        for (std::size_t index = 0; index < swarm.files().size(); ++index) {
            if (swarm.files()[index].over())
                continue;
            const auto found = holders.find(swarm.files()[index].spec.content_id);
            const auto& now = found != holders.end() ? found->second : none;
            for (const auto& source : std::vector<Source>(swarm.files()[index].spec.sources))
                if (same_run && std::none_of(now.begin(), now.end(),
                                             [&](const Source& holder) { return holder.user == source.user; }))
                    swarm.withdraw(index, source.user, source.user + " no longer shares " + source.path);
            for (const auto& holder : now)
                swarm.add_source(index, holder);
        }
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
                      transfer.local);
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
        if (!transfer.over && transfer.local == local)
            return true;
    return false;
}

} // namespace zshare::node
