#include "node.hpp"

#include "command_line.hpp"
#include "endpoint.hpp"
#include "peers_file.hpp"
#include "stop_signal.hpp"
#include "wire.hpp"

#include <algorithm>
#include <cstdio>
#include <set>
#include <filesystem>
#include <iostream>
#include <unistd.h>

namespace zshare::node {

using namespace protocol;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

const char* const help_text =
    R"(commands:
  list-users                          who is online: <name> - <host>:<port>
  list-files                          what is shared: <name> : <path>  (also: list)
  register <path>...                  share files; a directory is shared recursively
  unregister <path>...                stop sharing files (or everything under a directory)
  list-files -l                       also size, content id and how many users hold it
  download <user> <remote> [<local>]  fetch a file from <user> and every other holder of the
                                      same content; <local> defaults to the downloads
                                      directory plus the remote file's name
  download <file or content id>       the same, when all files of that name are one content
  download ... &                      in the background: commands go on meanwhile
  downloads                           the downloads under way
  status                              tracker state, mirror, shares, transfers
  cancel <id>                         stop one (its partial file stays: download it again to
                                      resume)
  help                                this text
  exit, quit                          leave (end of input does the same)
arguments with blanks go in double quotes: register "my file.txt"
)";

const std::vector<std::string> command_names = {"list-users", "list-files", "list",   "register",
                                                "unregister", "download",   "downloads", "cancel",
                                                "status",     "help",       "exit",      "quit"};

std::string plural(std::size_t count, const char* word) {
    return std::to_string(count) + " " + word + (count == 1 ? "" : "s");
}

std::string basename_of(const std::string& path) { return fs::path(path).filename().string(); }

/// Returns: true when `word` names `file`: its path, its file name, or (8 hex digits or more)
/// the start of its content id.
bool names_file(const std::string& word, const FileEntry& file) {
    return file.path == word || basename_of(file.path) == word ||
           (word.size() >= 8 && file.content_id.compare(0, word.size(), word) == 0);
}

std::string human_bytes(std::uint64_t bytes) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double value = double(bytes);
    int unit = 0;
    while (value >= 1024 && unit < 4) {
        value /= 1024;
        ++unit;
    }
    char text[32];
    std::snprintf(text, sizeof text, unit == 0 ? "%.0f %s" : "%.1f %s", value, units[unit]);
    return text;
}

/// Returns: "45% 480.0 MiB of 1.0 GiB, 912.3 MB/s, ETA 0:01, 3 peers".
std::string progress_text(const Swarm& swarm) {
    const std::uint64_t size = swarm.size(), done = swarm.verified_bytes();
    const double rate = swarm.rate();
    char text[160];
    const double eta = rate > 0 ? double(size - done) / rate : 0;
    std::snprintf(text, sizeof text, "%3.0f%% %s of %s, %.1f MB/s, ETA %d:%02d, %zu peer%s",
                  size ? 100.0 * double(done) / double(size) : 100.0, human_bytes(done).c_str(),
                  human_bytes(size).c_str(), rate / 1e6, int(eta) / 60, int(eta) % 60, swarm.live_peers(),
                  swarm.live_peers() == 1 ? "" : "s");
    return text;
}

} // namespace

Node::Node(NodeOptions options) : m_options(std::move(options)), m_cache(m_options.cache_dir) {
    // Hashing what `register` names can take seconds: keep the tracker's TTL from running out.
    m_cache.tick = [this] {
        if (!m_connected || Clock::now() < m_next_ping)
            return;
        (void)m_tracker->ping();
        m_tracker->drain_replies();
        m_next_ping = Clock::now() + m_heartbeat;
    };
}

Node::~Node() = default;

Node::Outcome Node::failure(const std::string& reason) {
    std::cerr << "error: " << reason << std::endl;
    return Outcome::failed;
}

int Node::run() {
    if (const int status = start(); status != exit_status::ok)
        return status;
    loop();
    leave();
    return m_any_failed ? exit_status::failed : exit_status::ok;
}

int Node::start() {
    if (!valid_peer_name(m_options.name)) {
        failure("invalid name '" + m_options.name +
                "': use 1-64 letters, digits, '.', '_' or '-', not starting with '-'");
        return exit_status::name_taken;
    }
    if (!parse_tcp_endpoint(m_options.tracker)) {
        failure("--tracker must be tcp://HOST:PORT, not '" + m_options.tracker + "'");
        return exit_status::name_taken;
    }
    const Collected initial = collect_files(m_options.shares, m_cache);
    if (!initial.error.empty()) {
        failure(initial.error);
        return exit_status::failed;
    }
    m_shares.add(initial.files);
    try {
        m_server = std::make_unique<FileServer>(m_context, m_options.listen, m_shares, m_options.upload_limit);
    } catch (const std::exception& e) {
        failure(e.what());
        return exit_status::failed;
    }
    m_tracker = std::make_unique<TrackerLink>(m_context, m_options.tracker, m_options.tracker_timeout);
    const Decoded reply = m_tracker->request(Connect{m_options.name, m_server->endpoint(), m_shares.entries()});
    if (!reply) {
        failure(reply.error);
        return exit_status::failed;
    }
    if (const auto* refused = std::get_if<Error>(&*reply.message)) {
        failure("the tracker refused '" + m_options.name + "': " + refused->message);
        return refused->code == error_code::name_taken ? exit_status::name_taken : exit_status::failed;
    }
    const auto* connected = std::get_if<Connected>(&*reply.message);
    if (!connected) {
        failure("the tracker answered Connect with " + std::string(type_name(*reply.message)));
        return exit_status::failed;
    }
    m_connected = true;
    m_registered_epoch = connected->epoch;
    adopt_timing(*connected);
    m_next_ping = Clock::now() + m_heartbeat;
    m_tracker->on_pong = [this](const Pong& pong) {
        if (!pong.registered || pong.epoch != m_registered_epoch)
            m_need_register = true;
    };
    std::string problem = m_tracker->subscribe(connected->publish);
    if (problem.empty())
        problem = m_tracker->wait_for(connected->seq);
    if (!problem.empty()) {
        failure("cannot mirror the peer table: " + problem);
        leave();
        return exit_status::failed;
    }
    on_mirror_changed();
    std::cerr << "zshare-node: " << m_options.name << " online, serving on " << connected->endpoint
              << " (" << plural(m_shares.entries().size(), "file") << " shared, "
              << plural(m_tracker->mirror().peers().size(), "peer") << " online)" << std::endl;
    m_input = LineInput::open_stdin("zshare> ", [this](const auto& before, const auto& prefix) {
        return complete(before, prefix);
    });
    return exit_status::ok;
}

void Node::leave() {
    for (auto& [id, transfer] : m_transfers) {
        transfer.swarm->cancel(); // the partial files stay, to resume
        on_transfer_finished(id, transfer);
    }
    m_transfers.clear();
    if (m_connected && m_tracker_reachable) {
        // Say goodbye so that peers stop listing us at once; the reply confirms it arrived.
        // (A tracker already gone would only keep us waiting: its TTL does the same.)
        const Decoded reply = m_tracker->request(Disconnect{});
        if (!reply)
            std::cerr << "zshare-node: leaving without the tracker's acknowledgement: " << reply.error
                      << std::endl;
        m_connected = false;
    }
}

bool Node::foreground_busy() const {
    return std::any_of(m_transfers.begin(), m_transfers.end(),
                       [](const auto& entry) { return !entry.second.background; });
}

void Node::loop() {
    bool quit = false;
    bool said_waiting = false;
    while (!stop_requested()) {
        while (!foreground_busy() && !quit) {
            auto line = m_input->next_line();
            if (!line)
                break;
            switch (execute(*line)) {
            case Outcome::failed:
                m_any_failed = true;
                break;
            case Outcome::quit:
                quit = true;
                break;
            case Outcome::ok:
            case Outcome::pending:
                break;
            }
        }
        const bool input_done = quit || m_input->finished();
        if (input_done && m_transfers.empty())
            break;
        if (input_done && !said_waiting) {
            std::cerr << "zshare-node: waiting for " << plural(m_transfers.size(), "download")
                      << " to finish (Ctrl-C stops them; they can be resumed)" << std::endl;
            said_waiting = true;
        }
        const bool read_input = !foreground_busy() && !input_done;
        if (read_input)
            m_input->ready();

        std::vector<zmq::pollitem_t> items{{m_tracker->events().handle(), 0, ZMQ_POLLIN, 0},
                                           {nullptr, stop_fd(), ZMQ_POLLIN, 0},
                                           {nullptr, STDIN_FILENO, read_input ? short(ZMQ_POLLIN) : short(0), 0},
                                           {m_tracker->requests().handle(), 0, ZMQ_POLLIN, 0}};
        std::vector<std::size_t> firsts;
        auto wake = m_next_ping;
        for (auto& [id, transfer] : m_transfers) {
            firsts.push_back(items.size());
            transfer.swarm->add_poll_items(items);
            wake = std::min({wake, transfer.swarm->deadline(), transfer.next_report});
        }
        try {
            zmq::poll(items, until(wake));
        } catch (const zmq::error_t& e) {
            if (e.num() == EINTR)
                continue;
            throw;
        }
        if ((items[0].revents & ZMQ_POLLIN) && m_tracker->drain_events())
            on_mirror_changed();
        if (items[3].revents & ZMQ_POLLIN)
            m_tracker->drain_replies();
        keep_alive(Clock::now());
        // A pipe whose writer closed polls as POLLHUP, which zmq_poll reports as ZMQ_POLLERR.
        if (read_input && (items[2].revents & (ZMQ_POLLIN | ZMQ_POLLERR)))
            m_input->on_readable();
        step_transfers(items, firsts);
    }
}

void Node::step_transfers(const std::vector<zmq::pollitem_t>& items, const std::vector<std::size_t>& firsts) {
    const auto now = Clock::now();
    std::size_t k = 0;
    for (auto it = m_transfers.begin(); it != m_transfers.end(); ++k) {
        Transfer& transfer = it->second;
        transfer.swarm->on_poll(items, firsts.at(k));
        transfer.swarm->on_time(now);
        if (transfer.swarm->state() != Swarm::State::running) {
            on_transfer_finished(it->first, transfer);
            it = m_transfers.erase(it);
            continue;
        }
        if (now >= transfer.next_report) {
            show_progress(it->first, transfer);
            transfer.next_report = now + std::chrono::milliseconds(250);
        }
        ++it;
    }
}

Node::Outcome Node::execute(const std::string& line) {
    const Words parsed = split_words(line);
    if (!parsed.error.empty())
        return failure(parsed.error + ": " + line);
    if (parsed.words.empty())
        return Outcome::ok;
    const std::string& command = parsed.words.front();
    std::vector<std::string> args(parsed.words.begin() + 1, parsed.words.end());
    if (command == "list-users")
        return list_users();
    if (command == "list-files" || command == "list")
        return list_files(args);
    if (command == "register")
        return register_paths(without_commas(args));
    if (command == "unregister")
        return unregister_paths(without_commas(args));
    if (command == "download")
        return download(args);
    if (command == "downloads")
        return list_downloads();
    if (command == "status")
        return status();
    if (command == "cancel")
        return cancel(args);
    if (command == "help" || command == "?")
        return help();
    if (command == "exit" || command == "quit")
        return Outcome::quit;
    if (command == "register-user")
        return failure("the user name is fixed when the node starts (--name); this node is '" +
                       m_options.name + "'");
    return failure("unknown command '" + command + "' (try help)");
}

Node::Outcome Node::help() {
    std::cout << help_text << std::flush;
    return Outcome::ok;
}

Node::Outcome Node::list_users() {
    for (const auto& [name, peer] : m_tracker->mirror().peers())
        std::cout << name << " - " << host_port(peer.endpoint) << "\n";
    std::cout << std::flush;
    return Outcome::ok;
}

Node::Outcome Node::list_files(const std::vector<std::string>& args) {
    const bool long_form = !args.empty() && args[0] == "-l";
    if (args.size() > (long_form ? 1u : 0u))
        return failure("usage: list-files [-l]");
    const auto& peers = m_tracker->mirror().peers();
    std::map<std::string, std::size_t> holders; // content id -> users holding it
    if (long_form)
        for (const auto& [name, peer] : peers) {
            std::set<std::string> ids;
            for (const auto& file : peer.files)
                ids.insert(file.content_id);
            for (const auto& id : ids)
                ++holders[id];
        }
    for (const auto& [name, peer] : peers)
        for (const auto& file : peer.files) {
            std::cout << name << " : " << file.path;
            if (long_form)
                std::cout << "  " << human_bytes(file.size) << "  " << file.content_id.substr(0, 12) << "  "
                          << plural(holders[file.content_id], "holder");
            std::cout << "\n";
        }
    std::cout << std::flush;
    return Outcome::ok;
}

std::string Node::drop_own_name(std::vector<std::string>& args) const {
    // The original description writes `register <user> <file>...`; a node only ever speaks for
    // itself, so its own name is accepted there and any other user's name is refused.
    if (args.size() < 2 || fs::exists(args.front()))
        return {};
    if (args.front() == m_options.name) {
        args.erase(args.begin());
        return {};
    }
    if (m_tracker->mirror().find(args.front()))
        return "this node is '" + m_options.name + "'; it cannot change what '" + args.front() +
               "' shares";
    return {};
}

std::string Node::announce_shares() {
    const Decoded reply = m_tracker->request(UpdateFiles{m_shares.entries()});
    if (!reply)
        return reply.error;
    if (const auto* refused = std::get_if<Error>(&*reply.message)) {
        // The tracker lost us (it restarted, or we were silent past the TTL, say while hashing
        // a large file): registering again carries the whole list.
        if (refused->code == error_code::not_connected && register_again())
            return {};
        return "the tracker refused the update: " + refused->message;
    }
    const auto* ack = std::get_if<Ack>(&*reply.message);
    if (!ack)
        return "the tracker answered UpdateFiles with " + std::string(type_name(*reply.message));
    // Wait until our own mirror shows the change, so that a following list-files does too.
    // The tracker has taken the change by now, so a late mirror is only worth a warning.
    if (auto late = m_tracker->wait_for(ack->seq); !late.empty())
        std::cerr << "zshare-node: warning: " << late << std::endl;
    on_mirror_changed();
    return {};
}

Node::Outcome Node::register_paths(std::vector<std::string> args) {
    if (auto problem = drop_own_name(args); !problem.empty())
        return failure(problem);
    if (args.empty())
        return failure("usage: register <path>...");
    const Collected found = collect_files(args, m_cache);
    if (!found.error.empty())
        return failure(found.error);
    std::vector<std::string> added;
    for (const auto& file : found.files)
        if (!m_shares.find(file.path))
            added.push_back(file.path);
    m_shares.add(found.files);
    if (auto problem = announce_shares(); !problem.empty()) {
        m_shares.remove_under(added); // the tracker did not take it: keep the old state
        return failure(problem);
    }
    for (const auto& given : args) {
        const std::string path = absolute_path(given);
        std::cout << "registered " << path << " (" << plural(m_shares.count_under(path), "file")
                  << ")\n";
    }
    std::cout << std::flush;
    return Outcome::ok;
}

Node::Outcome Node::unregister_paths(std::vector<std::string> args) {
    if (auto problem = drop_own_name(args); !problem.empty())
        return failure(problem);
    if (args.empty())
        return failure("usage: unregister <path>...");
    std::vector<std::string> paths;
    for (const auto& given : args) {
        paths.push_back(absolute_path(given));
        if (m_shares.count_under(paths.back()) == 0)
            return failure(paths.back() + " is not registered");
    }
    const auto removed = m_shares.remove_under(paths);
    if (auto problem = announce_shares(); !problem.empty()) {
        m_shares.add(removed);
        return failure(problem);
    }
    std::cout << "unregistered " << plural(removed.size(), "file") << std::endl;
    return Outcome::ok;
}

std::vector<Source> Node::holders_of(const std::string& content_id) const {
    std::vector<Source> sources;
    if (content_id.empty())
        return sources;
    for (const auto& [name, peer] : m_tracker->mirror().peers()) {
        if (name == m_options.name)
            continue;
        for (const auto& file : peer.files)
            if (file.content_id == content_id) {
                sources.push_back({name, peer.endpoint, file.path});
                break;
            }
    }
    return sources;
}

Node::Outcome Node::download(std::vector<std::string> args) {
    const bool background = !args.empty() && args.back() == "&";
    if (background)
        args.pop_back();
    if (args.empty() || args.size() > 3)
        return failure("usage: download <user> <remote_path> [<local_path>], or download <file or content id>");
    const Mirror& mirror = m_tracker->mirror();
    std::string content_id, remote, first_user;
    // "download <content> <local>" when the first word is no user's name but names content.
    const auto names_content = [&](const std::string& word) {
        for (const auto& [name, peer] : mirror.peers())
            for (const auto& file : peer.files)
                if (names_file(word, file))
                    return true;
        return false;
    };
    const bool by_content =
        args.size() == 1 || (args.size() == 2 && !mirror.find(args[0]) && names_content(args[0]));
    if (by_content) {
        // By content id (or a prefix of one), or by a file's name or path: whoever holds it.
        const std::string& wanted = args[0];
        std::map<std::string, std::vector<std::string>> by_id; // content id -> "user path"
        for (const auto& [name, peer] : mirror.peers())
            for (const auto& file : peer.files) {
                if (name != m_options.name && names_file(wanted, file)) {
                    by_id[file.content_id].push_back(name + " " + quote_word(file.path));
                    if (remote.empty())
                        remote = file.path; // what to call it: the first holder's path
                }
            }
        if (by_id.empty() && mirror.find(wanted))
            return failure("nobody shares a file named '" + wanted + "' (to fetch from user " + wanted +
                           ": download " + wanted + " <remote_path>)");
        if (by_id.empty())
            return failure("nobody shares '" + wanted + "'");
        if (by_id.size() > 1) {
            std::string list;
            for (const auto& [id, holders] : by_id)
                for (const auto& holder : holders)
                    list += "\n  " + id.substr(0, 12) + "  download " + holder;
            return failure("'" + wanted + "' names different contents; pick one:" + list);
        }
        content_id = by_id.begin()->first;
    } else {
        first_user = args[0];
        remote = args[1];
        const PeerInfo* peer = mirror.find(first_user);
        if (!peer)
            return failure("unknown user '" + first_user + "' (see list-users)");
        std::vector<const FileEntry*> matches;
        for (const auto& file : peer->files)
            if (file.path == remote || (!remote.empty() && remote.front() != '/' && basename_of(file.path) == remote))
                matches.push_back(&file);
        if (matches.empty())
            return failure(first_user + " does not share " + remote);
        if (matches.size() > 1)
            return failure("'" + remote + "' names several files of " + first_user + "; give the absolute path");
        remote = matches[0]->path;
        content_id = matches[0]->content_id;
    }
    std::vector<Source> sources = holders_of(content_id);
    if (!first_user.empty()) {
        // The named user first; every other holder of the same content helps.
        const PeerInfo* peer = mirror.find(first_user);
        std::erase_if(sources, [&](const Source& s) { return s.user == first_user; });
        sources.insert(sources.begin(), Source{first_user, peer->endpoint, remote});
    }
    const std::size_t local_arg = by_content ? 1 : 2;
    std::string local = args.size() > local_arg ? args[local_arg]
                                                : (fs::path(m_options.downloads) / basename_of(remote)).string();
    std::error_code ec;
    if (fs::is_directory(local, ec))
        local = (fs::path(local) / basename_of(remote)).string();
    local = fs::absolute(local, ec).lexically_normal().string();
    if (fs::exists(fs::symlink_status(local, ec)))
        return failure(local + " already exists; choose another local path");
    for (const auto& [id, transfer] : m_transfers)
        if (transfer.swarm->spec().local_path == local)
            return failure("download " + std::to_string(id) + " is already writing " + local);
    const bool resuming = fs::exists(local + ".part.state", ec);
    const unsigned id = m_next_transfer++;
    Transfer transfer;
    transfer.swarm = std::make_unique<Swarm>(m_context, SwarmSpec{content_id, sources, local, remote}, m_options.tuning);
    transfer.background = background;
    transfer.epoch = mirror.epoch();
    transfer.next_report = Clock::now() + std::chrono::milliseconds(250);
    if (resuming)
        std::cerr << "zshare-node: resuming " << local << " from its partial file" << std::endl;
    if (background)
        std::cout << "[" << id << "] downloading " << remote << " to " << local << std::endl;
    m_transfers.emplace(id, std::move(transfer));
    return Outcome::pending;
}

Node::Outcome Node::list_downloads() {
    for (const auto& [id, transfer] : m_transfers) {
        const Swarm& swarm = *transfer.swarm;
        std::cout << "[" << id << "] " << swarm.spec().label << " ";
        if (swarm.have_manifest())
            std::cout << progress_text(swarm);
        else
            std::cout << "asking for the manifest";
        std::cout << " -> " << swarm.spec().local_path << "\n";
    }
    std::cout << std::flush;
    return Outcome::ok;
}

Node::Outcome Node::cancel(const std::vector<std::string>& args) {
    if (args.size() != 1)
        return failure("usage: cancel <id> (see downloads)");
    const std::string id_text = args[0].front() == '[' ? args[0].substr(1, args[0].find(']') - 1) : args[0];
    char* end = nullptr;
    const unsigned long id = std::strtoul(id_text.c_str(), &end, 10);
    const auto it = (end && *end == '\0') ? m_transfers.find(static_cast<unsigned>(id)) : m_transfers.end();
    if (it == m_transfers.end())
        return failure("no download " + args[0] + " (see downloads)");
    it->second.swarm->cancel();
    on_transfer_finished(it->first, it->second);
    m_transfers.erase(it);
    return Outcome::ok;
}

void Node::show_progress(unsigned id, const Transfer& transfer) {
    // A live line only where a person watches a foreground download; pipes get the summary.
    if (!m_input->interactive() || transfer.background || !transfer.swarm->have_manifest())
        return;
    std::cout << "\r\x1b[K[" << id << "] " << basename_of(transfer.swarm->spec().label) << " "
              << progress_text(*transfer.swarm) << std::flush;
}

void Node::on_transfer_finished(unsigned id, Transfer& transfer) {
    const Swarm& swarm = *transfer.swarm;
    if (m_input->interactive() && !transfer.background)
        std::cout << "\r\x1b[K" << std::flush;
    const std::string tag = transfer.background ? "[" + std::to_string(id) + "] " : "";
    if (swarm.state() == Swarm::State::failed) {
        std::error_code ec;
        const bool kept = fs::exists(swarm.spec().local_path + ".part.state", ec);
        failure(tag + swarm.error() +
                (kept ? " (the partial file " + swarm.spec().local_path + ".part stays: run the same download to resume)"
                      : ""));
        m_any_failed = true;
        return;
    }
    const double seconds = std::max(swarm.seconds(), 1e-6);
    std::string users;
    for (const auto& user : swarm.contributors())
        users += (users.empty() ? "" : ", ") + user;
    char rate[96];
    std::snprintf(rate, sizeof rate, "%.3f s, %.1f MB/s", seconds,
                  double(swarm.size() - swarm.resumed_bytes()) / seconds / 1e6);
    std::cout << tag << "downloaded " << swarm.spec().label << " from " << (users.empty() ? "nobody" : users)
              << " to " << swarm.spec().local_path << " (" << swarm.size() << " bytes, " << rate << ", "
              << plural(swarm.contributors().size(), "peer");
    if (swarm.resumed_bytes() > 0)
        std::cout << ", " << swarm.resumed_bytes() << " bytes resumed";
    std::cout << ")" << std::endl;
    // Holding the file now, we share it too (seed 004: register the saved file).
    std::string error;
    auto saved = share_verified(swarm.spec().local_path, *swarm.content(), m_cache, error);
    if (!saved) {
        failure(error);
        m_any_failed = true;
        return;
    }
    m_shares.add({*saved});
    if (auto problem = announce_shares(); !problem.empty()) {
        failure("downloaded, but could not register it: " + problem);
        m_any_failed = true;
    }
}

void Node::sync_transfer_sources() {
    const Mirror& mirror = m_tracker->mirror();
    for (auto& [id, transfer] : m_transfers) {
        Swarm& swarm = *transfer.swarm;
        const auto holders = holders_of(swarm.spec().content_id);
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
        }
        for (const auto& holder : holders)
            swarm.add_source(holder);
    }
}

std::optional<std::vector<std::string>> Node::complete(const std::vector<std::string>& before,
                                                       const std::string&) const {
    if (before.empty())
        return command_names;
    const Mirror& mirror = m_tracker->mirror();
    if (before[0] == "download" && before.size() == 1) {
        std::vector<std::string> names;
        for (const auto& [name, peer] : mirror.peers())
            names.push_back(name);
        return names;
    }
    if (before[0] == "download" && before.size() == 2) {
        std::vector<std::string> paths;
        if (const PeerInfo* peer = mirror.find(before[1]))
            for (const auto& file : peer->files)
                paths.push_back(file.path);
        return paths;
    }
    if (before[0] == "list-users" || before[0] == "list-files" || before[0] == "list" ||
        before[0] == "help" || before[0] == "exit" || before[0] == "quit")
        return std::vector<std::string>{};
    return std::nullopt; // file names
}

void Node::keep_alive(Clock::time_point now) {
    if (!m_connected)
        return;
    const Mirror& mirror = m_tracker->mirror();
    if (mirror.synced() && mirror.epoch() != m_registered_epoch)
        m_need_register = true; // events of a new tracker run: it does not know us
    if (now >= m_next_ping) {
        (void)m_tracker->ping(); // no connection: nothing to do but wait for one
        m_next_ping = now + m_heartbeat;
    }
    const bool reachable = now - m_tracker->last_heard() < m_ttl;
    if (reachable != m_tracker_reachable) {
        m_tracker_reachable = reachable;
        std::cerr << "zshare-node: tracker " << m_tracker->tracker()
                  << (reachable ? " is back" : " is unreachable; still serving files, reconnecting")
                  << std::endl;
    }
    if (m_need_register && reachable && now >= m_next_register) {
        m_next_register = now + m_heartbeat;
        if (register_again())
            on_mirror_changed();
    }
}

void Node::adopt_timing(const Connected& connected) {
    if (connected.heartbeat_ms > 0)
        m_heartbeat = std::chrono::milliseconds(connected.heartbeat_ms);
    if (connected.ttl_ms > 0)
        m_ttl = std::chrono::milliseconds(connected.ttl_ms);
}

bool Node::register_again() {
    const Decoded reply = m_tracker->request(Connect{m_options.name, m_server->endpoint(), m_shares.entries()});
    if (!reply)
        return false; // again at the next heartbeat
    if (const auto* refused = std::get_if<Error>(&*reply.message)) {
        // Said once; the node keeps trying, and gets its name back once it is free again.
        if (!m_refused_again)
            std::cerr << "error: the tracker refused '" << m_options.name << "' again: " << refused->message
                      << std::endl;
        m_refused_again = true;
        return false;
    }
    m_refused_again = false;
    const auto* connected = std::get_if<Connected>(&*reply.message);
    if (!connected)
        return false;
    m_registered_epoch = connected->epoch;
    m_need_register = false;
    adopt_timing(*connected); // the new run may keep other times than the old one did
    if (m_tracker->mirror().epoch() != connected->epoch)
        (void)m_tracker->resync();
    (void)m_tracker->wait_for(connected->seq);
    std::cerr << "zshare-node: registered again as " << m_options.name << " ("
              << plural(m_shares.entries().size(), "file") << " shared)" << std::endl;
    return true;
}

Node::Outcome Node::status() {
    const auto now = Clock::now();
    const double silent = std::chrono::duration<double>(now - m_tracker->last_heard()).count();
    char heard[64];
    std::snprintf(heard, sizeof heard, "%.1f s ago", silent);
    const Mirror& mirror = m_tracker->mirror();
    std::cout << "tracker: " << m_tracker->tracker() << " "
              << (m_tracker_reachable ? (m_need_register ? "reachable, registering again" : "reachable")
                                      : "unreachable")
              << " (last heard " << heard << ")\n"
              << "name: " << m_options.name << ", serving on " << m_server->endpoint() << "\n"
              << "mirror: seq " << mirror.seq() << ", epoch " << mirror.epoch() << ", "
              << plural(mirror.peers().size(), "peer") << "\n"
              << "shares: " << plural(m_shares.entries().size(), "file") << "\n"
              << "transfers: " << m_transfers.size() << " under way" << std::endl;
    return Outcome::ok;
}

void Node::on_mirror_changed() {
    sync_transfer_sources();
    if (m_options.peers_file.empty())
        return;
    if (auto problem = write_file_atomically(m_options.peers_file, peers_file_text(m_tracker->mirror()));
        !problem.empty())
        std::cerr << "zshare-node: " << problem << std::endl;
}

} // namespace zshare::node
