#include "node.hpp"

#include "command_line.hpp"
#include "endpoint.hpp"
#include "peers_file.hpp"
#include "stop_signal.hpp"
#include "wire.hpp"

#include <cstdio>
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
  download <user> <remote> [<local>]  fetch a file straight from <user>; <local> defaults to
                                      the downloads directory plus the remote file's name
  download <file>                     the same, from the one user who shares <file>
  help                                this text
  exit, quit                          leave (end of input does the same)
arguments with blanks go in double quotes: register "my file.txt"
)";

const std::vector<std::string> command_names = {"list-users", "list-files", "list", "register",
                                                "unregister", "download",   "help", "exit",
                                                "quit"};

std::string plural(std::size_t count, const char* word) {
    return std::to_string(count) + " " + word + (count == 1 ? "" : "s");
}

std::string basename_of(const std::string& path) { return fs::path(path).filename().string(); }

} // namespace

Node::Node(NodeOptions options) : m_options(std::move(options)) {}

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
    const Collected initial = collect_files(m_options.shares);
    if (!initial.error.empty()) {
        failure(initial.error);
        return exit_status::failed;
    }
    m_shares.add(initial.files);
    try {
        m_server = std::make_unique<FileServer>(m_context, m_options.listen, m_shares);
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
    m_download.reset();
    if (m_connected) {
        // Say goodbye so that peers stop listing us at once; the reply confirms it arrived.
        const Decoded reply = m_tracker->request(Disconnect{});
        if (!reply)
            std::cerr << "zshare-node: leaving without the tracker's acknowledgement: " << reply.error
                      << std::endl;
        m_connected = false;
    }
}

void Node::loop() {
    bool quit = false;
    while (!quit && !stop_requested()) {
        while (!m_download && !quit) {
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
        if (quit || (!m_download && m_input->finished()))
            break;
        if (!m_download)
            m_input->ready();

        std::vector<zmq::pollitem_t> items{{m_tracker->events().handle(), 0, ZMQ_POLLIN, 0},
                                           {nullptr, stop_fd(), ZMQ_POLLIN, 0}};
        const bool read_input = !m_download && !m_input->finished();
        if (read_input)
            items.push_back({nullptr, STDIN_FILENO, ZMQ_POLLIN, 0});
        if (m_download)
            items.push_back({m_download->socket().handle(), 0, ZMQ_POLLIN, 0});
        const auto timeout = m_download ? until(m_download->deadline()) : std::chrono::milliseconds(-1);
        try {
            zmq::poll(items, timeout);
        } catch (const zmq::error_t& e) {
            if (e.num() == EINTR)
                continue;
            throw;
        }
        if ((items[0].revents & ZMQ_POLLIN) && m_tracker->drain_events())
            on_mirror_changed();
        // A pipe whose writer closed polls as POLLHUP, which zmq_poll reports as ZMQ_POLLERR.
        if (read_input && (items[2].revents & (ZMQ_POLLIN | ZMQ_POLLERR)))
            m_input->on_readable();
        if (m_download) {
            if (items.back().revents & ZMQ_POLLIN)
                m_download->on_readable();
            m_download->on_time(Clock::now());
            if (m_download->state() != Download::State::running)
                on_download_finished();
        }
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
        return list_files();
    if (command == "register")
        return register_paths(without_commas(args));
    if (command == "unregister")
        return unregister_paths(without_commas(args));
    if (command == "download")
        return download(args);
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

Node::Outcome Node::list_files() {
    for (const auto& [name, peer] : m_tracker->mirror().peers())
        for (const auto& file : peer.files)
            std::cout << name << " : " << file.path << "\n";
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
    if (const auto* refused = std::get_if<Error>(&*reply.message))
        return "the tracker refused the update: " + refused->message;
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
    const Collected found = collect_files(args);
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

Node::Outcome Node::download(const std::vector<std::string>& args) {
    if (args.empty() || args.size() > 3)
        return failure("usage: download <user> <remote_path> [<local_path>], or download <file>");
    const Mirror& mirror = m_tracker->mirror();
    std::string user, remote;
    if (args.size() == 1) {
        // The one-argument form: find who shares a file by that path or that name.
        std::vector<std::pair<std::string, std::string>> holders;
        for (const auto& [name, peer] : mirror.peers())
            for (const auto& file : peer.files)
                if (name != m_options.name &&
                    (file.path == args[0] || basename_of(file.path) == args[0]))
                    holders.emplace_back(name, file.path);
        if (holders.empty() && mirror.find(args[0]))
            return failure("nobody shares a file named '" + args[0] + "' (to fetch from user " +
                           args[0] + ": download " + args[0] + " <remote_path>)");
        if (holders.empty())
            return failure("nobody shares '" + args[0] + "'");
        if (holders.size() > 1) {
            std::string list;
            for (const auto& [name, path] : holders)
                list += "\n  download " + name + " " + quote_word(path);
            return failure("'" + args[0] + "' is shared by several users; pick one:" + list);
        }
        user = holders[0].first;
        remote = holders[0].second;
    } else {
        user = args[0];
        remote = args[1];
    }
    const PeerInfo* peer = mirror.find(user);
    if (!peer)
        return failure("unknown user '" + user + "' (see list-users)");
    if (remote.empty() || remote.front() != '/') {
        // A bare name: the one file of that user with that name.
        std::vector<std::string> matches;
        for (const auto& file : peer->files)
            if (basename_of(file.path) == remote)
                matches.push_back(file.path);
        if (matches.size() != 1)
            return failure(matches.empty() ? user + " shares no file named '" + remote + "'"
                                           : "'" + remote + "' names several files of " + user +
                                                 "; give the absolute path");
        remote = matches[0];
    }
    std::string local = args.size() == 3 ? args[2] : (fs::path(m_options.downloads) / basename_of(remote)).string();
    std::error_code ec;
    if (fs::is_directory(local, ec))
        local = (fs::path(local) / basename_of(remote)).string();
    local = fs::absolute(local, ec).lexically_normal().string();
    if (basename_of(remote).empty())
        return failure("'" + remote + "' is not a file path");
    if (fs::exists(fs::symlink_status(local, ec)))
        return failure(local + " already exists; choose another local path");
    m_download = std::make_unique<Download>(m_context, DownloadSpec{user, peer->endpoint, remote, local},
                                            m_options.tuning);
    return Outcome::pending;
}

void Node::on_download_finished() {
    const std::unique_ptr<Download> done = std::move(m_download);
    if (done->state() == Download::State::failed) {
        failure(done->error());
        m_any_failed = true;
        return;
    }
    const double seconds = std::max(done->seconds(), 1e-6);
    char rate[64];
    std::snprintf(rate, sizeof rate, "%.3f s, %.1f MB/s", seconds, double(done->size()) / seconds / 1e6);
    std::cout << "downloaded " << done->spec().remote_path << " from " << done->spec().user << " to "
              << done->spec().local_path << " (" << done->size() << " bytes, " << rate << ")"
              << std::endl;
    // Holding the file now, we share it too (seed 004: register the saved file).
    const Collected saved = collect_files({done->spec().local_path});
    if (!saved.error.empty()) {
        failure(saved.error);
        m_any_failed = true;
        return;
    }
    m_shares.add(saved.files);
    if (auto problem = announce_shares(); !problem.empty()) {
        failure("downloaded, but could not register it: " + problem);
        m_any_failed = true;
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

void Node::on_mirror_changed() {
    if (m_options.peers_file.empty())
        return;
    if (auto problem = write_file_atomically(m_options.peers_file, peers_file_text(m_tracker->mirror()));
        !problem.empty())
        std::cerr << "zshare-node: " << problem << std::endl;
}

} // namespace zshare::node
