// The downloads under way, by id, of a file or a whole folder: started in the foreground (the
// REPL waits, a live progress line shows at a terminal) or in the background; each ends with
// one line (the summary, or why it failed). Each file, once saved, is handed to the owner to be
// shared. Holders that appear in or leave the mirrored table join or leave the downloads, and
// files that appear in a folder being downloaded join it.
#pragma once

#include "download_plan.hpp"
#include "hasher.hpp"
#include "mirror.hpp"
#include "reactor.hpp"
#include "repl.hpp"
#include "swarm.hpp"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>
#include <zmq.hpp>

namespace zshare::node {

class DownloadManager {
public:
    /// Shares file `index` of `swarm`, saved; runs `done("")` once it is, or `done(reason)`.
    using Share = std::function<void(const Swarm& swarm, std::size_t index,
                                     std::function<void(const std::string& error)> done)>;

    DownloadManager(zmq::context_t& context, Reactor& reactor, Hasher& hasher, ChunkWriter& writer, Repl& repl,
                    SwarmTuning tuning, Share share);

    /// Starts fetching `plan` into `local` (checked by local_target(), or for a folder by
    /// local_folder_target()), under tracker run `epoch`; `done(ok)` runs when it is over and
    /// its files shared, or it failed or was cancelled (then ok is false only for a failure).
    /// Returns: its id.
    unsigned start(const DownloadPlan& plan, const std::string& local, bool background, std::uint64_t epoch,
                   std::function<void(bool ok)> done);

    /// Cancels download `id` at the user's request (its partial file stays). Returns: false
    /// when there is no such download.
    bool cancel(unsigned id);
    /// Cancels the foreground download, if there is one (Ctrl-C).
    void cancel_foreground();
    /// Stops every download, keeping the partial files (the node is stopping).
    void stop_all();

    /// Makes the holders of every download follow the table: users who share the content
    /// join; those who stopped sharing it in the same tracker run, or moved, leave; files
    /// that appeared in a folder being downloaded join it.
    void follow(const Mirror& mirror, const std::string& self);
    /// The table changed: follow() it soon. Changes come in bursts (a folder's files being
    /// announced one by one), and following costs a pass over the table, so one pass serves
    /// every change of the last few milliseconds.
    void table_changed(const Mirror& mirror, const std::string& self);

    /// Returns: "[<id>] <remote> <progress> -> <local>" for each download.
    std::vector<std::string> lines() const;
    /// Returns: the ids under way.
    std::vector<unsigned> ids() const;
    /// Returns: true when a download writes `local` already.
    bool writing(const std::string& local) const;
    std::size_t size() const { return m_transfers.size(); }
    /// Returns: true once a download failed (the exit status will be 1).
    bool any_failed() const { return m_any_failed; }

    /// Called when the last download has ended.
    std::function<void()> on_idle;

private:
    struct Transfer {
        std::unique_ptr<Swarm> swarm;
        bool background = false;
        bool cancelled = false;       ///< by the user: said plainly, not an error
        bool stopped = false;         ///< by the node stopping: said plainly, but unfinished
        bool saving = false;          ///< complete; being shared
        bool over = false;            ///< ended: removed at the next turn
        std::uint64_t epoch = 0;      ///< tracker run it started under
        std::function<void(bool)> done;
        std::string local;            ///< the file, or the folder
        std::string owner;            ///< a folder's user
        std::string remote;           ///< a folder's path there
        std::set<std::string> relatives; ///< a folder's files, by path inside it
        unsigned sharing = 0;         ///< saved files being registered
        std::string share_error;      ///< the first file that could not be registered
        bool misplaced = false;       ///< a folder's file could not be given its place
    };
    void on_end(unsigned id);
    void on_file_done(unsigned id, std::size_t index);
    void settle_if_shared(unsigned id);
    /// Gives a folder's file its place under the folder (its folders made). Returns: what the
    /// swarm is to fetch, or nothing (said, and the download marked incomplete).
    std::optional<SwarmFileSpec> place_folder_file(Transfer& transfer, const PlannedFile& file);
    void finish(unsigned id, bool ok);
    void show_progress();
    void reap();

    zmq::context_t& m_context;
    Reactor& m_reactor;
    Hasher& m_hasher;
    ChunkWriter& m_writer;
    Repl& m_repl;
    SwarmTuning m_tuning;
    Share m_share;
    std::map<unsigned, Transfer> m_transfers;
    unsigned m_next = 1;
    bool m_any_failed = false;
    Reactor::Timer m_progress; ///< the live line, every 250 ms
    Reactor::Timer m_reaper;   ///< removes ended downloads, from the loop
    Reactor::Timer m_follow;   ///< follows the table after a burst of changes
    const Mirror* m_mirror = nullptr; ///< the table to follow, and this node's name in it
    std::string m_self;
};

} // namespace zshare::node
