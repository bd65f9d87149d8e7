#include "node.hpp"

#include "command_line.hpp"
#include "completer.hpp"
#include "endpoint.hpp"
#include "file_io.hpp"
#include "format.hpp"
#include "peers_file.hpp"
#include "share_scan.hpp"
#include "signals.hpp"

#include <iostream>

namespace zshare::node {

using namespace protocol;

Node::Node(NodeOptions options) : m_options(std::move(options)), m_cache(m_options.cache_dir) {}

Node::~Node() {
    // The REPL first: it puts the terminal back as it was.
    m_repl.reset();
    m_downloads.reset();
    m_session.reset();
    m_server.reset();
    m_writer.reset();
    m_hasher.reset();
}

void Node::say(const std::string& line) {
    if (m_repl)
        m_repl->out(line);
    else
        std::cout << line << std::endl;
}

void Node::warn(const std::string& line) {
    if (m_repl)
        m_repl->err(line);
    else
        std::cerr << line << std::endl;
}

Outcome Node::refuse(const std::string& text) {
    warn("error: " + text);
    return Outcome::failed;
}

int Node::run() {
    if (!valid_peer_name(m_options.name)) {
        refuse("invalid name '" + m_options.name + "': use 1-64 letters, digits, '.', '_' or '-', not starting with '-'");
        return exit_status::refused;
    }
    if (!parse_tcp_endpoint(m_options.tracker)) {
        refuse("--tracker must be tcp://HOST:PORT, not '" + m_options.tracker + "'");
        return exit_status::refused;
    }
    if (const int status = prepare_security(); status != exit_status::ok)
        return status;
    try {
        // The gate first: a handshake that finds no ZAP handler is refused.
        if (m_security.curve)
            m_gate = std::make_unique<FileServerGate>(m_context, m_reactor, m_member_keys, std::chrono::seconds(2));
        ServingRules rules{m_options.upload_limit, m_options.requester_in_flight, m_options.total_in_flight,
                           m_security, &m_member_keys};
        m_server = std::make_unique<FileServer>(m_context, m_options.listen, m_shares, rules);
    } catch (const std::exception& e) {
        refuse(e.what());
        return exit_status::failed;
    }
    m_options.tuning.security = m_security;
    m_hasher = std::make_unique<Hasher>(m_context, m_reactor, m_cache);
    m_writer = std::make_unique<ChunkWriter>(m_context, m_reactor);
    SessionConfig config{m_options.tracker, m_options.tracker_timeout, false, m_options.name, m_server->endpoint(),
                         m_security, m_tracker_key};
    m_session = std::make_unique<TrackerSession>(m_context, m_reactor, config, [this] { return m_shares.entries(); });
    m_session->on_notice = [this](bool error, const std::string& text) {
        warn((error ? "error: " : "zshare-node: ") + text);
    };
    if (signal_fd() >= 0)
        m_signals = m_reactor.watch_fd(signal_fd(), [this] { on_signal(); });
    // What --share names is hashed first (on the worker: signals still work meanwhile).
    m_start_job = m_hasher->collect(m_options.shares, {}, [this](Collected found) {
        m_start_job = 0;
        on_initial_shares(std::move(found));
    });
    while (m_phase != Phase::stopped)
        m_reactor.run_once();
    m_repl.reset();
    return m_status;
}

int Node::prepare_security() {
    if (m_options.insecure) {
        m_security.curve = false;
        warn("zshare-node: warning: --insecure: nothing is encrypted, and anyone can pretend to be anyone");
        return exit_status::ok;
    }
    if (m_options.tracker_key.empty()) {
        refuse("the tracker's public key is needed: give --tracker-key KEY (or set ZSHARE_TRACKER_KEY); the "
               "tracker prints it at start, and `zshare-tracker --print-key` shows it");
        return exit_status::refused;
    }
    std::string error;
    const auto tracker_key = protocol::resolve_public_key(m_options.tracker_key, error);
    if (!tracker_key) {
        refuse("--tracker-key: " + error);
        return exit_status::refused;
    }
    m_tracker_key = *tracker_key;
    if (m_options.key_dir.empty()) {
        refuse("no --key-dir, and neither XDG_STATE_HOME nor HOME is set");
        return exit_status::refused;
    }
    bool made = false;
    auto keys = protocol::load_or_make_key_pair(m_options.key_dir, m_options.name, error, &made);
    if (!keys) {
        refuse(error);
        return exit_status::failed;
    }
    if (made)
        warn("zshare-node: made a key pair for " + m_options.name + " in " + m_options.key_dir);
    m_security = {true, *keys};
    return exit_status::ok;
}

void Node::on_initial_shares(Collected found) {
    if (!found.error.empty()) {
        refuse(found.error);
        return stop(exit_status::failed);
    }
    m_shares.add(found.files);
    m_session->start([this](const StartResult& result) { on_started(result); });
}

void Node::on_started(const StartResult& result) {
    if (result.status != exit_status::ok) {
        refuse(result.error);
        // Registered but unable to go on (no table, say): say goodbye rather than linger a TTL.
        return m_session->leave([this, status = result.status] { stop(status); });
    }
    m_phase = Phase::online;
    if (m_gate) // an unknown key waits for the table's next heartbeat or two
        m_gate->set_patience(2 * m_session->heartbeat() + std::chrono::milliseconds(200));
    warn("zshare-node: " + m_options.name + " online, serving on " + m_session->advertised_endpoint() + " (" +
         plural(m_shares.entries().size(), "file") + " shared, " +
         plural(m_session->mirror().peers().size(), "peer") + " online)");
    Repl::Hooks hooks;
    hooks.on_line = [this](const std::string& line) { on_line(line); };
    hooks.on_interrupt = [this] { on_interrupt(); };
    hooks.on_end = [this] { on_input_end(); };
    hooks.complete = [this](const CompletionContext& context) {
        CompletionSources sources{&m_session->mirror().peers(), m_options.name, {}, m_downloads->ids()};
        for (const auto& entry : m_shares.entries())
            sources.shared_paths.push_back(entry.path);
        return complete_words(context, sources);
    };
    m_repl = Repl::open(m_reactor, "zshare> ", std::move(hooks));
    m_downloads = std::make_unique<DownloadManager>(
        m_context, m_reactor, *m_hasher, *m_writer, *m_repl, m_options.tuning,
        [this](const Swarm& swarm, std::size_t index, std::function<void(const std::string&)> done) {
            share_download(swarm, index, std::move(done));
        });
    m_downloads->on_idle = [this] {
        if (m_quit_asked)
            leave_when_idle();
    };
    m_session->feed().on_table_changed = [this] { on_table_changed(); };
    on_table_changed();
}

void Node::on_line(const std::string& line) {
    if (m_phase != Phase::online || m_quit_asked)
        return;
    const Words words = split_words(line);
    Outcome outcome = words.error.empty() ? dispatch(*this, words.words) : refuse(words.error);
    if (outcome == Outcome::failed)
        m_status = exit_status::failed;
    if (outcome == Outcome::quit)
        on_input_end();
}

void Node::on_interrupt() {
    if (m_pending && m_cancel_pending)
        return m_cancel_pending();
    if (m_quit_asked && m_downloads && m_downloads->size() > 0)
        m_downloads->stop_all(); // "Ctrl-C stops them"
}

void Node::on_input_end() {
    m_quit_asked = true;
    leave_when_idle();
}

void Node::on_signal() {
    drain_signal_fd();
    if (take_resized() && m_repl)
        m_repl->on_resize();
    if (!stop_requested())
        return;
    if (m_phase == Phase::starting) {
        if (m_start_job)
            m_hasher->cancel(m_start_job);
        return stop(exit_status::failed);
    }
    // Downloads stop (their partial files stay, to resume), then the node says goodbye.
    if (m_pending && m_cancel_pending)
        m_cancel_pending();
    if (m_downloads)
        m_downloads->stop_all();
    m_quit_asked = true;
    leave_when_idle();
}

void Node::leave_when_idle() {
    if (m_phase != Phase::online || m_pending)
        return;
    if (m_downloads->size() > 0) {
        if (!m_said_waiting)
            warn("zshare-node: waiting for " + plural(m_downloads->size(), "download") +
                 " to finish (Ctrl-C stops them; they can be resumed)");
        m_said_waiting = true;
        m_repl->close();
        return; // on_idle comes back here
    }
    m_phase = Phase::leaving;
    m_repl->close();
    m_session->leave([this] {
        if (m_downloads->any_failed())
            m_status = exit_status::failed;
        stop(m_status);
    });
}

void Node::stop(int status) {
    if (status != exit_status::ok)
        m_status = status;
    m_phase = Phase::stopped;
}

void Node::on_table_changed() {
    m_member_keys.replace(FileServerGate::keys_of(m_session->mirror()));
    if (m_gate)
        m_gate->on_table_changed();
    if (m_downloads)
        m_downloads->table_changed(m_session->mirror(), m_options.name);
    if (m_options.peers_file.empty())
        return;
    if (auto problem = write_file_atomically(m_options.peers_file, peers_file_text(m_session->mirror()));
        !problem.empty())
        warn("zshare-node: " + problem);
}

void Node::share_download(const Swarm& swarm, std::size_t index, std::function<void(const std::string&)> done) {
    std::string error;
    const SwarmFile& file = swarm.files()[index];
    auto saved = share_verified(file.spec.local_path, *file.content, m_cache, error);
    if (!saved)
        return done(error);
    m_shares.add({*saved});
    m_session->announce(std::move(done));
}

} // namespace zshare::node
