#include "cluster.hpp"

#include "curve_socket.hpp"
#include "reactor.hpp"
#include "wire.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace zshare::testing {

namespace fs = std::filesystem;

std::string random_bytes(std::size_t size, unsigned seed) {
    std::mt19937_64 random(seed);
    std::string out(size, '\0');
    for (std::size_t i = 0; i < size; i += 8) {
        const auto value = random();
        for (std::size_t k = 0; k < 8 && i + k < size; ++k)
            out[i + k] = static_cast<char>(value >> (8 * k));
    }
    return out;
}

bool exists(const std::string& path) {
    std::error_code ec;
    return fs::exists(fs::symlink_status(path, ec));
}

TrackerProcess::TrackerProcess(std::vector<std::string> extra_args) {
    const auto has = [&](const char* option) {
        return std::find(extra_args.begin(), extra_args.end(), option) != extra_args.end();
    };
    std::vector<std::string> argv{ZSHARE_TRACKER_BIN};
    if (!has("--listen"))
        argv.insert(argv.end(), {"--listen", "tcp://127.0.0.1:*"});
    if (!has("--insecure")) {
        if (const auto given = std::find(extra_args.begin(), extra_args.end(), "--state-dir");
            given != extra_args.end() && given + 1 != extra_args.end()) {
            m_state_dir = *(given + 1);
        } else {
            m_own_state = std::make_unique<TempDir>();
            m_state_dir = m_own_state->path;
            argv.insert(argv.end(), {"--state-dir", m_state_dir});
        }
    }
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    m_process = std::make_unique<Process>(argv);
    const auto ready = m_process->wait_for(Process::Stream::out, "ready");
    if (!ready)
        throw std::runtime_error("tracker did not start: " + m_process->text(Process::Stream::err));
    // "zshare-tracker key: KEY", then
    // "zshare-tracker ready: requests on tcp://127.0.0.1:P, events on tcp://127.0.0.1:Q; join ..."
    const std::string out = m_process->text(Process::Stream::out);
    if (const auto at = out.find("zshare-tracker key: "); at != std::string::npos)
        m_key = out.substr(at + 20, 40);
    const auto requests = ready->find("requests on ");
    const auto comma = ready->find(',', requests);
    const auto events = ready->find("events on ");
    const auto semicolon = ready->find(';', events);
    m_endpoint = ready->substr(requests + 12, comma - requests - 12);
    m_events = ready->substr(events + 10, semicolon - events - 10);
}

std::vector<std::string> TrackerProcess::client_args() const {
    // "=": a key may start with '-', which would read as an option of its own.
    if (m_key.empty())
        return {"--tracker", m_endpoint, "--insecure"};
    return {"--tracker", m_endpoint, "--tracker-key=" + m_key};
}

zmq::socket_t connect_to_tracker(zmq::context_t& context, const TrackerProcess& tracker,
                                 const protocol::KeyPair* keys) {
    zmq::socket_t socket = protocol::make_socket(context, zmq::socket_type::dealer, 64 << 20);
    if (!tracker.key().empty())
        protocol::make_curve_client(socket, keys ? *keys : protocol::make_key_pair(), tracker.key());
    socket.connect(tracker.endpoint());
    return socket;
}

std::optional<Snapshot> fetch_snapshot(zmq::socket_t& dealer, std::string& error, std::chrono::milliseconds timeout) {
    static std::uint64_t next_id = 1000000; // apart from the ids the tests use by hand
    const std::uint64_t id = next_id++;
    if (!protocol::send(dealer, protocol::ListPeers{}, id)) {
        error = "cannot send ListPeers";
        return std::nullopt;
    }
    Snapshot snapshot;
    for (;;) {
        zmq::pollitem_t item{dealer.handle(), 0, ZMQ_POLLIN, 0};
        if (poll_items(&item, 1, timeout) == 0) {
            error = "no reply within the timeout after " + std::to_string(snapshot.parts) + " parts";
            return std::nullopt;
        }
        auto reply = protocol::receive(dealer, protocol::table_limits());
        if (!reply || !*reply) {
            error = reply ? reply->error : "nothing received";
            return std::nullopt;
        }
        if (reply->request_id != id)
            continue; // a late reply to something else
        if (auto* part = std::get_if<protocol::PeerList>(&*reply->message)) {
            if (snapshot.parts > 0 && (part->epoch != snapshot.epoch || part->seq != snapshot.seq)) {
                error = "parts disagree on epoch or seq";
                return std::nullopt;
            }
            snapshot.epoch = part->epoch;
            snapshot.seq = part->seq;
            ++snapshot.parts;
            for (auto& peer : part->peers)
                snapshot.peers.push_back(std::move(peer));
            continue;
        }
        const auto* end = std::get_if<protocol::SnapshotEnd>(&*reply->message);
        if (!end) {
            error = "unexpected reply " + std::string(protocol::type_name(*reply->message));
            return std::nullopt;
        }
        if (snapshot.parts > 0 && (end->epoch != snapshot.epoch || end->seq != snapshot.seq)) {
            error = "end disagrees with the parts";
            return std::nullopt;
        }
        if (end->peers != snapshot.peers.size()) {
            error = "end counts " + std::to_string(end->peers) + " rows, the parts held " +
                    std::to_string(snapshot.peers.size());
            return std::nullopt;
        }
        snapshot.epoch = end->epoch;
        snapshot.seq = end->seq;
        return snapshot;
    }
}

std::unique_ptr<Process> start_tap(const TrackerProcess& tracker, std::vector<std::string> extra_args) {
    std::vector<std::string> argv{ZSHARE_TAP_BIN};
    for (auto& arg : tracker.client_args())
        argv.push_back(std::move(arg));
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    return std::make_unique<Process>(argv);
}

std::unique_ptr<Process> start_node(const TrackerProcess& tracker, const std::string& name,
                                    const std::string& cwd, std::vector<std::string> extra_args,
                                    bool wait_online) {
    // The keys and the manifest cache go with the node's files, into the test's directory.
    std::vector<std::string> argv{ZSHARE_NODE_BIN, "--name", name, "--listen", "tcp://127.0.0.1:*",
                                  "--cache-dir", cwd + "/.zshare-cache"};
    for (auto& arg : tracker.client_args())
        argv.push_back(std::move(arg));
    if (!tracker.key().empty())
        argv.insert(argv.end(), {"--key-dir", cwd + "/.zshare-keys"});
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    auto node = std::make_unique<Process>(argv, cwd);
    if (wait_online && !node->wait_for(Process::Stream::err, name + " online"))
        FAIL("node " << name << " did not come online: " << node->text(Process::Stream::err));
    return node;
}

bool eventually_shows(Process& node, const std::string& command, const std::string& expect,
                      std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        node.write(command + "\n");
        if (node.wait_for(Process::Stream::out, expect, 200ms))
            return true;
    }
    return false;
}

ScriptRun run_script(const TrackerProcess& tracker, const std::string& name, const std::string& cwd,
                     const std::string& script, std::vector<std::string> extra_args) {
    auto node = start_node(tracker, name, cwd, std::move(extra_args), false);
    node->write(script);
    node->close_stdin();
    ScriptRun run;
    run.status = node->wait_exit(60s).value_or(-1);
    if (run.status < 0)
        run.status = node->stop();
    run.out = node->text(Process::Stream::out);
    run.err = node->text(Process::Stream::err);
    return run;
}

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!condition()) {
        if (std::chrono::steady_clock::now() >= deadline)
            return false;
        std::this_thread::sleep_for(10ms);
    }
    return true;
}

std::size_t count_lines(const std::string& text, const std::string& line) {
    std::size_t count = 0;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);)
        count += l == line ? 1 : 0;
    return count;
}

} // namespace zshare::testing

namespace zshare::testing {

void skip_test(const std::string& reason) {
    std::cout << "SKIPPED: " << reason << std::endl;
    std::_Exit(skipped_status);
}

std::size_t verified_in_state(const std::string& state_path) {
    // The last line is the bitmap: one '1' per verified chunk.
    const std::string text = read_file(state_path);
    if (text.size() < 2)
        return 0;
    const auto last_line = text.rfind('\n', text.size() - 2);
    return last_line == std::string::npos ? 0 : std::size_t(std::count(text.begin() + long(last_line), text.end(), '1'));
}

} // namespace zshare::testing
