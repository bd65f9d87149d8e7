// zshare-bench tracker: a load generator for zshare-tracker. It starts a real tracker, and from
// this one process simulates many nodes over real connections speaking the real protocol
// (CURVE by default, --insecure for plain):
//   - registrations: every simulated node opens a connection, sends Connect with its file list,
//     waits for Connected and closes the connection. The tracker runs with a TTL of an hour, so
//     rows outlive their connections: 100,000 nodes fit under the machine's ~20,000 open files
//     per process. The same connections and messages against a bare ROUTER that answers
//     without decoding give the ceiling;
//   - pings: 100 registered connections kept open, each with 32 Pings in flight, against the
//     tracker and against the bare ROUTER;
//   - the snapshot a joining node takes: ListPeers until SnapshotEnd, every part decoded;
//   - fan-out: S subscribers on the event stream, and the time from an UpdateFiles to its
//     UpdatePeer at each of them (median and 99th percentile over 20 changes);
//   - memory: the tracker's resident set before and after the registrations, per file entry.
// It prints a table and, with --csv, writes one row per table size and subscriber count.
#include "codec.hpp"
#include "curve_keys.hpp"
#include "curve_socket.hpp"
#include "reactor.hpp"
#include "wire.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <spawn.h>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>
#include <zmq.hpp>

extern char** environ;

namespace {

using namespace zshare;
using namespace zshare::protocol;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

/// How the simulated nodes and the tracker speak.
struct Mode {
    bool secure = true;
    std::string server_key; ///< the tracker's (or the bare ROUTER's) public key
    KeyPair client_keys;    ///< one pair for every simulated node (names are bound to it)
};

/// Returns: a DEALER to `endpoint`, a CURVE client when the mode is secure.
zmq::socket_t client(zmq::context_t& context, const Mode& mode, const std::string& endpoint) {
    zmq::socket_t socket = make_socket(context, zmq::socket_type::dealer, 1 << 30);
    if (mode.secure)
        make_curve_client(socket, mode.client_keys, mode.server_key);
    socket.connect(endpoint);
    return socket;
}

// ------------------------------------------------------------------------------ the tracker

/// A zshare-tracker started for the run, stopped when this goes.
class TrackerRun {
public:
    TrackerRun(const std::string& binary, bool secure, const std::string& state_dir) {
        int out[2];
        if (pipe(out) != 0)
            throw std::runtime_error("pipe failed");
        std::vector<std::string> args{binary, "--listen", "tcp://127.0.0.1:0", "-q", "--heartbeat-ms", "1800000",
                                      "--peer-ttl-ms", "3600000"};
        if (secure)
            args.insert(args.end(), {"--state-dir", state_dir});
        else
            args.push_back("--insecure");
        std::vector<char*> argv;
        for (auto& arg : args)
            argv.push_back(arg.data());
        argv.push_back(nullptr);
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, out[1], 1);
        posix_spawn_file_actions_addclose(&actions, out[0]);
        if (posix_spawn(&m_pid, binary.c_str(), &actions, nullptr, argv.data(), environ) != 0)
            throw std::runtime_error("cannot start " + binary);
        posix_spawn_file_actions_destroy(&actions);
        close(out[1]);
        // "zshare-tracker key: KEY" (secure), then "zshare-tracker ready: requests on E, events on F; ..."
        std::string text;
        char buffer[4096];
        while (text.find("ready:") == std::string::npos || text.find('\n', text.find("ready:")) == std::string::npos) {
            const ssize_t got = read(out[0], buffer, sizeof buffer);
            if (got <= 0)
                throw std::runtime_error("the tracker did not start");
            text.append(buffer, static_cast<std::size_t>(got));
        }
        close(out[0]);
        if (const auto at = text.find("key: "); at != std::string::npos)
            key = text.substr(at + 5, 40);
        const auto requests = text.find("requests on ") + 12;
        endpoint = text.substr(requests, text.find(',', requests) - requests);
        const auto events_at = text.find("events on ") + 10;
        events = text.substr(events_at, text.find(';', events_at) - events_at);
        events.replace(events.find("://") + 3, events.rfind(':') - events.find("://") - 3, "127.0.0.1");
    }
    ~TrackerRun() {
        kill(m_pid, SIGTERM);
        int status = 0;
        waitpid(m_pid, &status, 0);
    }
    /// Returns: a field of /proc/PID/status in bytes ("VmRSS", "VmHWM").
    std::size_t memory(const std::string& field) const {
        std::ifstream status("/proc/" + std::to_string(m_pid) + "/status");
        std::string line;
        while (std::getline(status, line))
            if (line.rfind(field + ":", 0) == 0)
                return std::stoull(line.substr(field.size() + 1)) * 1024;
        return 0;
    }
    std::string endpoint, events, key;

private:
    pid_t m_pid = -1;
};

// --------------------------------------------------------------------------- the bare ROUTER

/// A ROUTER in a thread of its own that answers every request with the same frame, decoding
/// nothing: what the tracker's request path would cost if it did no work.
class BareRouter {
public:
    BareRouter(zmq::context_t& context, bool secure)
        : m_socket(make_socket(context, zmq::socket_type::router, 1 << 30)),
          m_zap(make_socket(context, zmq::socket_type::router, 1 << 20)) {
        if (secure) {
            // Admission as the tracker does it, through ZAP, but admitting every key.
            m_zap.bind("inproc://zeromq.zap.01");
            m_keys = make_key_pair();
            make_curve_server(m_socket, m_keys, "bench");
        }
        m_socket.set(zmq::sockopt::router_mandatory, 1);
        m_socket.bind("tcp://127.0.0.1:0");
        endpoint = m_socket.get(zmq::sockopt::last_endpoint);
        m_thread = std::thread([this] { serve(); });
    }
    ~BareRouter() {
        m_stop = true;
        m_thread.join();
    }
    const KeyPair& keys() const { return m_keys; }
    std::string endpoint;

private:
    void serve() {
        const std::string reply = encode(Ack{1}, 1);
        while (!m_stop) {
            zmq::pollitem_t items[] = {{m_socket.handle(), 0, ZMQ_POLLIN, 0}, {m_zap.handle(), 0, ZMQ_POLLIN, 0}};
            if (poll_items(items, 2, std::chrono::milliseconds(100)) == 0)
                continue;
            if (items[1].revents & ZMQ_POLLIN)
                admit();
            for (int i = 0; i < 1000; ++i) {
                zmq::message_t id, body;
                if (!m_socket.recv(id, zmq::recv_flags::dontwait))
                    break;
                (void)m_socket.recv(body, zmq::recv_flags::dontwait);
                // The request id is the last byte of these benchmark frames: echo the frame's own.
                zmq::message_t out(reply.data(), reply.size());
                try {
                    (void)m_socket.send(id, zmq::send_flags::sndmore | zmq::send_flags::dontwait);
                    (void)m_socket.send(out, zmq::send_flags::dontwait);
                } catch (const zmq::error_t&) {
                }
            }
        }
    }
    /// Answers one ZAP request (RFC 27): [id, "", version, request id, domain, address,
    /// identity, mechanism, key] with [id, "", version, request id, "200", "OK", user id, ""].
    void admit() {
        std::vector<zmq::message_t> request;
        do {
            request.emplace_back();
            (void)m_zap.recv(request.back(), zmq::recv_flags::dontwait);
        } while (request.back().more());
        if (request.size() < 4)
            return;
        std::vector<zmq::message_t> reply;
        reply.emplace_back(request[0].data(), request[0].size());
        reply.emplace_back();
        reply.emplace_back(request[2].data(), request[2].size());
        reply.emplace_back(request[3].data(), request[3].size());
        reply.emplace_back("200", 3);
        reply.emplace_back("OK", 2);
        reply.emplace_back("bench", 5);
        reply.emplace_back();
        for (std::size_t i = 0; i < reply.size(); ++i)
            (void)m_zap.send(reply[i], i + 1 < reply.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
    }
    zmq::socket_t m_socket;
    zmq::socket_t m_zap; ///< the ZAP handler's socket (bound only when secure)
    KeyPair m_keys;
    std::atomic<bool> m_stop{false};
    std::thread m_thread;
};

// ------------------------------------------------------------------------------- the load

/// The Connect of simulated node `i`: `files` entries with 46-byte paths and random ids.
std::string connect_frame(int i, int files, std::mt19937_64& random) {
    Connect connect;
    char name[32];
    std::snprintf(name, sizeof name, "node%06d", i);
    connect.name = name;
    connect.endpoint = "tcp://10." + std::to_string(i / 65536 % 256) + "." + std::to_string(i / 256 % 256) + "." +
                       std::to_string(i % 256) + ":7000";
    connect.instance = "bench-" + std::to_string(i);
    for (int f = 0; f < files; ++f) {
        char path[96];
        std::snprintf(path, sizeof path, "/home/%s/shared/documents/file-%05d.dat", name, f);
        std::string id(64, '0');
        for (auto& digit : id)
            digit = "0123456789abcdef"[random() % 16];
        connect.files.push_back({path, random() % (1u << 30), id});
    }
    return encode(connect, 1);
}

/// Registers `frames.size()` nodes, at most `window` connections at a time; keeps the first
/// `keep` connections open (in `kept`). Returns: registrations per second (0 when one failed).
double register_all(zmq::context_t& context, const Mode& mode, const std::string& endpoint,
                    const std::vector<std::string>& frames, std::size_t window, std::size_t keep,
                    std::vector<zmq::socket_t>& kept, std::size_t& failures) {
    struct InFlight {
        zmq::socket_t socket;
        std::size_t index;
    };
    std::vector<InFlight> flying;
    std::size_t next = 0, done = 0;
    const auto start = Clock::now();
    while (done < frames.size()) {
        while (flying.size() < window && next < frames.size()) {
            InFlight f{client(context, mode, endpoint), next};
            (void)f.socket.send(zmq::buffer(frames[next]), zmq::send_flags::none);
            flying.push_back(std::move(f));
            ++next;
        }
        std::vector<zmq::pollitem_t> items;
        for (auto& f : flying)
            items.push_back({f.socket.handle(), 0, ZMQ_POLLIN, 0});
        if (poll_items(items.data(), items.size(), std::chrono::milliseconds(30000)) == 0)
            throw std::runtime_error("no reply to a registration for 30 s (" + std::to_string(done) + " of " +
                                     std::to_string(frames.size()) + " answered)");
        for (std::size_t i = items.size(); i-- > 0;) {
            if (!(items[i].revents & ZMQ_POLLIN))
                continue;
            zmq::message_t reply;
            (void)flying[i].socket.recv(reply);
            const Decoded decoded = decode(reply);
            if (!decoded || std::holds_alternative<Error>(*decoded.message))
                ++failures;
            if (flying[i].index < keep)
                kept.push_back(std::move(flying[i].socket));
            flying.erase(flying.begin() + static_cast<std::ptrdiff_t>(i));
            ++done;
        }
    }
    return static_cast<double>(frames.size()) / seconds_since(start);
}

/// Sends `total` Pings over `sockets`, `depth` in flight on each. Returns: Pings per second.
double ping_all(std::vector<zmq::socket_t>& sockets, std::size_t total, std::size_t depth) {
    const std::string ping = encode(Ping{}, 1);
    std::size_t sent = 0, answered = 0;
    std::vector<zmq::pollitem_t> items;
    for (auto& socket : sockets) {
        for (std::size_t d = 0; d < depth && sent < total; ++d, ++sent)
            (void)socket.send(zmq::buffer(ping), zmq::send_flags::none);
        items.push_back({socket.handle(), 0, ZMQ_POLLIN, 0});
    }
    const auto start = Clock::now();
    while (answered < total) {
        if (poll_items(items.data(), items.size(), std::chrono::milliseconds(30000)) == 0)
            throw std::runtime_error("no Pong for 30 s (" + std::to_string(answered) + " of " + std::to_string(total) +
                                     " answered)");
        for (std::size_t i = 0; i < items.size(); ++i) {
            if (!(items[i].revents & ZMQ_POLLIN))
                continue;
            zmq::message_t reply;
            while (sockets[i].recv(reply, zmq::recv_flags::dontwait)) {
                ++answered;
                if (sent < total) {
                    (void)sockets[i].send(zmq::buffer(ping), zmq::send_flags::none);
                    ++sent;
                }
            }
        }
    }
    return static_cast<double>(total) / seconds_since(start);
}

struct SnapshotFigures {
    double seconds = 0;
    std::size_t bytes = 0, parts = 0, rows = 0;
};

/// Takes the snapshot a joining node takes, decoding every part.
SnapshotFigures take_snapshot(zmq::context_t& context, const Mode& mode, const std::string& endpoint) {
    zmq::socket_t socket = client(context, mode, endpoint);
    SnapshotFigures figures;
    const auto start = Clock::now();
    (void)socket.send(encode_zmq(ListPeers{}, 7), zmq::send_flags::none);
    for (;;) {
        zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
        if (poll_items(&item, 1, std::chrono::milliseconds(60000)) == 0)
            throw std::runtime_error("the snapshot stalled for 60 s");
        zmq::message_t frame;
        (void)socket.recv(frame);
        figures.bytes += frame.size();
        const Decoded decoded = decode(frame, table_limits());
        if (!decoded)
            throw std::runtime_error("a snapshot part did not decode: " + decoded.error);
        if (const auto* part = std::get_if<PeerList>(&*decoded.message)) {
            ++figures.parts;
            figures.rows += part->peers.size();
        } else if (std::holds_alternative<SnapshotEnd>(*decoded.message)) {
            break;
        }
    }
    figures.seconds = seconds_since(start);
    return figures;
}

struct FanOut {
    double median_ms = 0, p99_ms = 0;
};

/// Measures how long an UpdatePeer takes to reach each of `count` subscribers.
FanOut fan_out(zmq::context_t& context, const Mode& mode, const std::string& events, zmq::socket_t& changer,
               const std::vector<FileEntry>& registered, std::size_t count, int rounds) {
    std::vector<zmq::socket_t> subscribers;
    for (std::size_t i = 0; i < count; ++i) {
        zmq::socket_t sub = make_socket(context, zmq::socket_type::sub, 1 << 30);
        if (mode.secure)
            make_curve_client(sub, mode.client_keys, mode.server_key);
        sub.set(zmq::sockopt::subscribe, "");
        sub.connect(events);
        subscribers.push_back(std::move(sub));
    }
    std::vector<zmq::pollitem_t> items;
    for (auto& sub : subscribers)
        items.push_back({sub.handle(), 0, ZMQ_POLLIN, 0});
    // Every subscriber is greeted by a Heartbeat once its subscription is in place.
    std::vector<bool> greeted(count, false);
    std::size_t ready = 0;
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    while (ready < count && Clock::now() < deadline) {
        poll_items(items.data(), items.size(), std::chrono::milliseconds(1000));
        for (std::size_t i = 0; i < count; ++i) {
            zmq::message_t frame;
            while (subscribers[i].recv(frame, zmq::recv_flags::dontwait))
                if (!greeted[i]) {
                    greeted[i] = true;
                    ++ready;
                }
        }
    }
    if (ready < count)
        throw std::runtime_error("only " + std::to_string(ready) + " subscribers were greeted");
    std::this_thread::sleep_for(std::chrono::milliseconds(300)); // the last greetings pass
    for (auto& sub : subscribers) {
        zmq::message_t frame;
        while (sub.recv(frame, zmq::recv_flags::dontwait)) {
        }
    }
    std::vector<double> samples;
    std::mt19937_64 random(99);
    for (int round = 0; round < rounds; ++round) {
        // The node's list with one file more, then as registered: each event carries one entry.
        std::vector<FileEntry> list = registered;
        if (round % 2 == 0)
            list.push_back({"/home/zz-added-by-the-benchmark", 1, std::string(64, 'a')});
        const auto sent = Clock::now();
        (void)changer.send(encode_zmq(UpdateFiles{list}, 100 + round), zmq::send_flags::none);
        std::vector<bool> got(count, false);
        std::size_t arrived = 0;
        while (arrived < count) {
            if (poll_items(items.data(), items.size(), std::chrono::milliseconds(10000)) == 0)
                throw std::runtime_error("an UpdatePeer did not reach every subscriber");
            const auto now = Clock::now();
            for (std::size_t i = 0; i < count; ++i) {
                if (!(items[i].revents & ZMQ_POLLIN))
                    continue;
                zmq::message_t frame;
                while (subscribers[i].recv(frame, zmq::recv_flags::dontwait))
                    if (!got[i]) {
                        got[i] = true;
                        ++arrived;
                        samples.push_back(std::chrono::duration<double, std::milli>(now - sent).count());
                    }
            }
        }
        zmq::message_t ack;
        (void)changer.recv(ack);
    }
    std::sort(samples.begin(), samples.end());
    FanOut result;
    result.median_ms = samples[samples.size() / 2];
    result.p99_ms = samples[std::min(samples.size() - 1, samples.size() * 99 / 100)];
    return result;
}

std::vector<std::size_t> parse_list(const std::string& text) {
    std::vector<std::size_t> out;
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, ','))
        out.push_back(std::stoull(item));
    return out;
}

} // namespace

int main(int argc, char** argv) {
    CLI::App app("zshare-bench: load generators for zshare");
    app.require_subcommand(1);
    auto* tracker_command = app.add_subcommand("tracker", "many simulated nodes against one zshare-tracker");
    std::string nodes_text = "1000,10000,100000", subscribers_text = "10,100,1000", csv, tracker_bin, modes = "secure";
    int files = 100;
    std::size_t window = 64, baseline_cap = 20000; // a window over the listen backlog (100) costs reconnects
    tracker_command->add_option("--nodes", nodes_text, "table sizes, comma-separated");
    tracker_command->add_option("--files", files, "files per node");
    tracker_command->add_option("--subscribers", subscribers_text, "subscriber counts for the fan-out");
    tracker_command->add_option("--modes", modes, "secure, insecure or both");
    tracker_command->add_option("--window", window, "registrations in flight at once");
    tracker_command->add_option("--baseline-nodes", baseline_cap, "registrations against the bare ROUTER, at most");
    tracker_command->add_option("--csv", csv, "write the figures to this CSV file");
    tracker_command->add_option("--tracker-bin", tracker_bin, "the zshare-tracker to run")->required();
    CLI11_PARSE(app, argc, argv);

    std::vector<bool> secure_modes;
    if (modes == "secure" || modes == "both")
        secure_modes.push_back(true);
    if (modes == "insecure" || modes == "both")
        secure_modes.push_back(false);
    std::ofstream csv_out;
    if (!csv.empty()) {
        csv_out.open(csv);
        csv_out << "mode,nodes,files_per_node,reg_per_s,bare_reg_per_s,reg_ratio,ping_per_s,bare_ping_per_s,ping_ratio,"
                   "snapshot_s,snapshot_mb,snapshot_parts,rss_mb,bytes_per_entry,subscribers,fanout_median_ms,"
                   "fanout_p99_ms\n";
    }
    std::printf("%-8s %7s %9s %6s %9s %6s %8s %8s %8s %7s %5s %8s %8s\n", "mode", "nodes", "reg/s", "÷bare",
                "ping/s", "÷bare", "snap s", "snap MB", "RSS MB", "B/entry", "subs", "med ms", "p99 ms");
    try {
        for (const bool secure : secure_modes) {
            for (const std::size_t nodes : parse_list(nodes_text)) {
                zmq::context_t context(1);
                context.set(zmq::ctxopt::max_sockets, 16384);
                char state_template[] = "/tmp/zshare-bench-tracker-XXXXXX";
                const std::string state_dir = mkdtemp(state_template);
                std::mt19937_64 random(nodes);
                std::vector<std::string> frames;
                frames.reserve(nodes);
                for (std::size_t i = 0; i < nodes; ++i)
                    frames.push_back(connect_frame(static_cast<int>(i), files, random));

                Mode mode;
                mode.secure = secure;
                mode.client_keys = make_key_pair();
                // The ceiling first, with the same messages and connections.
                double bare_reg = 0, bare_ping = 0;
                {
                    BareRouter bare(context, secure);
                    Mode bare_mode = mode;
                    bare_mode.server_key = bare.keys().public_key;
                    std::vector<zmq::socket_t> kept;
                    std::size_t failures = 0;
                    const std::vector<std::string> some(frames.begin(),
                                                        frames.begin() + static_cast<std::ptrdiff_t>(std::min(nodes, baseline_cap)));
                    bare_reg = register_all(context, bare_mode, bare.endpoint, some, window, 100, kept, failures);
                    bare_ping = ping_all(kept, 200000, 32);
                }
                TrackerRun tracker(tracker_bin, secure, state_dir);
                mode.server_key = tracker.key;
                std::this_thread::sleep_for(std::chrono::milliseconds(200));
                const std::size_t rss_before = tracker.memory("VmRSS");
                std::vector<zmq::socket_t> kept;
                std::size_t failures = 0;
                const double reg = register_all(context, mode, tracker.endpoint, frames, window, 100, kept, failures);
                if (failures > 0)
                    throw std::runtime_error(std::to_string(failures) + " registrations were refused");
                std::this_thread::sleep_for(std::chrono::milliseconds(500)); // closed connections are freed
                const std::size_t rss_after = tracker.memory("VmRSS");
                const double ping = ping_all(kept, 200000, 32);
                const SnapshotFigures snapshot = take_snapshot(context, mode, tracker.endpoint);
                if (snapshot.rows != nodes)
                    throw std::runtime_error("the snapshot held " + std::to_string(snapshot.rows) + " rows");
                const double entries = static_cast<double>(nodes) * files;
                const double per_entry = (static_cast<double>(rss_after) - static_cast<double>(rss_before)) / entries;
                for (const std::size_t subscribers : parse_list(subscribers_text)) {
                    const FanOut fan = fan_out(context, mode, tracker.events, kept[0],
                                               std::get<Connect>(*decode(frames[0]).message).files, subscribers, 20);
                    std::printf("%-8s %7zu %9.0f %6.2f %9.0f %6.2f %8.2f %8.1f %8.1f %7.1f %5zu %8.2f %8.2f\n",
                                secure ? "secure" : "insecure", nodes, reg, reg / bare_reg, ping, ping / bare_ping,
                                snapshot.seconds, static_cast<double>(snapshot.bytes) / 1e6, static_cast<double>(rss_after) / 1e6, per_entry, subscribers,
                                fan.median_ms, fan.p99_ms);
                    std::fflush(stdout);
                    if (csv_out)
                        csv_out << (secure ? "secure" : "insecure") << "," << nodes << "," << files << "," << reg << ","
                                << bare_reg << "," << reg / bare_reg << "," << ping << "," << bare_ping << ","
                                << ping / bare_ping << "," << snapshot.seconds << "," << static_cast<double>(snapshot.bytes) / 1e6 << ","
                                << snapshot.parts << "," << static_cast<double>(rss_after) / 1e6 << "," << per_entry << "," << subscribers
                                << "," << fan.median_ms << "," << fan.p99_ms << std::endl;
                }
                kept.clear();
                std::filesystem::remove_all(state_dir);
            }
        }
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << std::endl;
        return 1;
    }
    return 0;
}
