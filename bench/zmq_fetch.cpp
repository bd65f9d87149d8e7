// zshare-bench-zmq-fetch: the ceiling of zshare's transfer design, without zshare.
//
// A bare ZeroMQ DEALER/ROUTER fetch of one file with a credit window of chunk requests: no
// msgpack, no protocol checks, no hashing, no tracker. It moves the bytes the way a zshare
// download does (one DEALER, W requests in flight, replies in request order, pread on the
// server, pwrite on the client), so the gap between it and zshare is the cost of zshare's own
// work.
//
//   zshare-bench-zmq-fetch serve --listen tcp://127.0.0.1:* [--chunk BYTES] [--curve] FILE
//       ROUTER. Prints its bound endpoint on stdout (one line), then serves until SIGINT or
//       SIGTERM. A request is one frame holding an 8-byte offset (little-endian, as memcpy'd on
//       this host); the reply is one frame with min(chunk, size - offset) bytes read with pread.
//       --curve: a CURVE server, as a secure zshare node's file server is one. It makes a key
//       pair (zmq_curve_keypair) and prints the public key (Z85, 40 characters) on a second
//       line of stdout. Its socket has a ZAP domain and ZMQ_ZAP_ENFORCE_DOMAIN set (a handshake
//       that finds no ZAP handler is refused), and the ZAP handler, a ROUTER at
//       inproc://zeromq.zap.01 in the same context, runs in the serving loop and admits every
//       key (status 200, User-Id = the client's key). A request without a User-Id gets an
//       empty reply.
//
//   zshare-bench-zmq-fetch fetch --connect EP --size N [--chunk BYTES] [--window W]
//                                [--curve SERVER_KEY] OUT
//       DEALER. Keeps W requests in flight, pwrites each reply at its offset into OUT (created
//       or truncated), and prints "<bytes> bytes in <s> s, <MB/s> MB/s" on stdout.
//       --curve SERVER_KEY (or --curve=SERVER_KEY): a CURVE client with a key pair of its own,
//       made at start, and the server's public key as `serve --curve` printed it.
//       Exit status 0 on success, 1 on failure (10 s without a reply, short reply, I/O error;
//       a wrong server key shows as no reply: the handshake never completes).
//
// Both ends must use the same --chunk (default 1 MiB). Window default 16, as zshare's most requests in flight to one peer.
#include <zmq.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <iostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <tuple>
#include <utility>
#include <vector>

namespace {

volatile std::sig_atomic_t g_stop = 0;

void on_signal(int) { g_stop = 1; }

[[noreturn]] void usage() {
    std::cerr << "usage:\n"
                 "  zshare-bench-zmq-fetch serve --listen EP [--chunk BYTES] [--curve] FILE\n"
                 "  zshare-bench-zmq-fetch fetch --connect EP --size N [--chunk BYTES] "
                 "[--window W] [--curve SERVER_KEY] OUT\n";
    std::exit(2);
}

std::uint64_t parse_u64(std::string_view name, const std::string& text, std::uint64_t min,
                        std::uint64_t max) {
    std::size_t used = 0;
    unsigned long long value = 0;
    try {
        value = std::stoull(text, &used, 10);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != text.size() || text.empty() || text[0] == '-' || value < min || value > max) {
        std::cerr << "error: " << name << " must be an integer in " << min << ".." << max << "\n";
        std::exit(2);
    }
    return value;
}

struct Args {
    std::string mode;
    std::string endpoint;
    std::string path;
    std::uint64_t size = 0;
    bool have_size = false;
    std::uint64_t chunk = 1 << 20;
    std::uint64_t window = 16;
    bool curve = false;
    std::string server_key;  // fetch --curve: the server's public key, Z85
};

// ZMQ_ZAP_ENFORCE_DOMAIN: in Debian's libzmq 4.3, though its header names it for draft builds
// only (zshare's own servers set it the same way).
constexpr int zap_enforce_domain = 93;
constexpr const char* zap_domain = "zshare-bench";

bool valid_z85_key(const std::string& key) {
    std::array<std::uint8_t, 32> decoded{};
    return key.size() == 40 && zmq_z85_decode(decoded.data(), key.c_str()) != nullptr;
}

// A fresh CURVE key pair, Z85.
std::pair<std::string, std::string> curve_keypair() {
    std::array<char, 41> public_key{}, secret_key{};
    if (zmq_curve_keypair(public_key.data(), secret_key.data()) != 0)
        throw std::runtime_error("zmq_curve_keypair: " + std::string(zmq_strerror(zmq_errno())));
    return {public_key.data(), secret_key.data()};
}

Args parse(int argc, char** argv) {
    if (argc < 2) usage();
    Args a;
    a.mode = argv[1];
    if (a.mode != "serve" && a.mode != "fetch") usage();
    for (int i = 2; i < argc; ++i) {
        std::string arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) usage();
            return argv[++i];
        };
        if ((arg == "--listen" && a.mode == "serve") || (arg == "--connect" && a.mode == "fetch")) {
            a.endpoint = value();
        } else if (arg == "--chunk") {
            a.chunk = parse_u64("--chunk", value(), 1, std::uint64_t{256} << 20);
        } else if (arg == "--size" && a.mode == "fetch") {
            a.size = parse_u64("--size", value(), 0, UINT64_MAX);
            a.have_size = true;
        } else if (arg == "--window" && a.mode == "fetch") {
            a.window = parse_u64("--window", value(), 1, 1000);
        } else if (arg == "--curve" && a.mode == "serve") {
            a.curve = true;
        } else if ((arg == "--curve" || arg.rfind("--curve=", 0) == 0) && a.mode == "fetch") {
            // The key as a separate word may start with '-' (Z85): taken as it is.
            a.server_key = arg == "--curve" ? value() : arg.substr(8);
            if (!valid_z85_key(a.server_key)) {
                std::cerr << "error: --curve needs the server's public key (40 Z85 characters)\n";
                std::exit(2);
            }
            a.curve = true;
        } else if (!arg.empty() && arg[0] == '-') {
            usage();
        } else if (a.path.empty()) {
            a.path = arg;
        } else {
            usage();
        }
    }
    if (a.endpoint.empty() || a.path.empty() || (a.mode == "fetch" && !a.have_size)) usage();
    if (a.curve && !zmq_has("curve")) {
        std::cerr << "error: this libzmq has no CURVE\n";
        std::exit(1);
    }
    return a;
}

std::system_error sys_error(const std::string& what) {
    return std::system_error(errno, std::generic_category(), what);
}

// Reads exactly `length` bytes at `offset` unless the file ends first; returns the count read.
std::size_t pread_full(int fd, char* buffer, std::size_t length, std::uint64_t offset) {
    std::size_t done = 0;
    while (done < length) {
        ssize_t n = ::pread(fd, buffer + done, length - done, static_cast<off_t>(offset + done));
        if (n < 0) {
            if (errno == EINTR) continue;
            throw sys_error("pread");
        }
        if (n == 0) break;
        done += static_cast<std::size_t>(n);
    }
    return done;
}

void pwrite_full(int fd, const char* buffer, std::size_t length, std::uint64_t offset) {
    std::size_t done = 0;
    while (done < length) {
        ssize_t n = ::pwrite(fd, buffer + done, length - done, static_cast<off_t>(offset + done));
        if (n < 0) {
            if (errno == EINTR) continue;
            throw sys_error("pwrite");
        }
        done += static_cast<std::size_t>(n);
    }
}

// Polls one socket for input; false on timeout or when a signal asked us to stop.
bool wait_readable(zmq::socket_t& socket, std::chrono::milliseconds timeout) {
    std::array<zmq::pollitem_t, 1> items{{{socket.handle(), 0, ZMQ_POLLIN, 0}}};
    try {
        zmq::poll(items, timeout);
    } catch (const zmq::error_t& e) {
        if (e.num() == EINTR) return false;
        throw;
    }
    return (items[0].revents & ZMQ_POLLIN) != 0;
}

// Answers every ZAP request queued on `zap` (RFC 27) with 200, the client's key as User-Id.
void admit_all(zmq::socket_t& zap) {
    while (true) {
        // [routing id][empty][version][request id][domain][address][identity][mechanism][key]
        std::vector<zmq::message_t> frames;
        zmq::message_t frame;
        if (!zap.recv(frame, zmq::recv_flags::dontwait)) return;
        frames.push_back(std::move(frame));
        while (frames.back().more()) {
            zmq::message_t more;
            (void)zap.recv(more);
            frames.push_back(std::move(more));
        }
        if (frames.size() < 8) continue;  // not a ZAP request
        std::string user_id;
        if (frames.size() >= 9 && frames[8].size() == 32) {
            std::array<char, 41> key{};
            zmq_z85_encode(key.data(), static_cast<const std::uint8_t*>(frames[8].data()), 32);
            user_id = key.data();
        }
        const bool admit = frames[7].to_string_view() == "CURVE" && !user_id.empty();
        const auto more = zmq::send_flags::sndmore;
        zap.send(frames[0], more);
        zap.send(zmq::message_t(), more);
        zap.send(zmq::str_buffer("1.0"), more);
        zap.send(frames[3], more);  // the request id
        zap.send(admit ? zmq::str_buffer("200") : zmq::str_buffer("400"), more);
        zap.send(admit ? zmq::str_buffer("OK") : zmq::str_buffer("not CURVE"), more);
        zap.send(zmq::buffer(user_id), more);
        zap.send(zmq::message_t(), zmq::send_flags::none);  // no metadata
        std::cerr << "zap: " << (admit ? "admitted " + user_id : std::string("refused")) << " from "
                  << frames[5].to_string_view() << std::endl;
    }
}

int serve(const Args& a) {
    int fd = ::open(a.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw sys_error("open " + a.path);
    struct stat st {};
    if (::fstat(fd, &st) != 0) throw sys_error("fstat " + a.path);
    const auto size = static_cast<std::uint64_t>(st.st_size);

    zmq::context_t context(1);
    // The ZAP handler is bound before the server socket, as in a zshare node: with the domain
    // enforced, a handshake that finds no handler is refused.
    zmq::socket_t zap(context, zmq::socket_type::router);
    zap.set(zmq::sockopt::linger, 0);
    if (a.curve) zap.bind("inproc://zeromq.zap.01");
    zmq::socket_t router(context, zmq::socket_type::router);
    router.set(zmq::sockopt::linger, 0);
    std::string public_key;
    if (a.curve) {
        std::string secret_key;
        std::tie(public_key, secret_key) = curve_keypair();
        router.set(zmq::sockopt::curve_server, 1);
        router.set(zmq::sockopt::curve_secretkey, secret_key);
        router.set(zmq::sockopt::zap_domain, zap_domain);
        const int enforce = 1;
        if (zmq_setsockopt(router.handle(), zap_enforce_domain, &enforce, sizeof enforce) != 0)
            throw std::runtime_error("ZMQ_ZAP_ENFORCE_DOMAIN: " +
                                     std::string(zmq_strerror(zmq_errno())));
    }
    router.bind(a.endpoint);
    std::cout << router.get(zmq::sockopt::last_endpoint) << std::endl;
    if (a.curve) std::cout << public_key << std::endl;

    std::array<zmq::pollitem_t, 2> items{{{router.handle(), 0, ZMQ_POLLIN, 0},
                                          {zap.handle(), 0, ZMQ_POLLIN, 0}}};
    while (!g_stop) {
        try {
            zmq::poll(items.data(), a.curve ? 2 : 1, std::chrono::milliseconds(200));
        } catch (const zmq::error_t& e) {
            if (e.num() == EINTR) continue;
            throw;
        }
        if (a.curve && (items[1].revents & ZMQ_POLLIN)) admit_all(zap);
        if (!(items[0].revents & ZMQ_POLLIN)) continue;
        // Drain what is queued before polling again.
        while (!g_stop) {
            zmq::message_t id;
            if (!router.recv(id, zmq::recv_flags::dontwait)) break;
            zmq::message_t request;
            if (!router.recv(request, zmq::recv_flags::dontwait)) break;
            // A secure server checks each request against its sender's key: here, that it has one.
            const bool authenticated =
                !a.curve || zmq_msg_gets(request.handle(), "User-Id") != nullptr;
            while (request.more()) (void)router.recv(request);  // tolerate junk frames
            std::uint64_t offset = size;
            if (request.size() == sizeof offset && authenticated)
                std::memcpy(&offset, request.data(), sizeof offset);
            const std::uint64_t length = offset < size ? std::min(a.chunk, size - offset) : 0;
            zmq::message_t reply(static_cast<std::size_t>(length));
            const std::size_t got =
                pread_full(fd, static_cast<char*>(reply.data()), reply.size(), offset);
            if (got != reply.size()) reply = zmq::message_t(reply.data(), got);  // file shrank
            router.send(id, zmq::send_flags::sndmore);
            router.send(reply, zmq::send_flags::none);
        }
    }
    ::close(fd);
    return 0;
}

int fetch(const Args& a) {
    const auto start = std::chrono::steady_clock::now();
    int fd = ::open(a.path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throw sys_error("open " + a.path);

    zmq::context_t context(1);
    zmq::socket_t dealer(context, zmq::socket_type::dealer);
    dealer.set(zmq::sockopt::linger, 0);
    if (a.curve) {
        const auto [public_key, secret_key] = curve_keypair();
        dealer.set(zmq::sockopt::curve_serverkey, a.server_key);
        dealer.set(zmq::sockopt::curve_publickey, public_key);
        dealer.set(zmq::sockopt::curve_secretkey, secret_key);
    }
    dealer.connect(a.endpoint);

    std::deque<std::uint64_t> in_flight;  // offsets, oldest first: replies come in order
    std::uint64_t next = 0;
    std::uint64_t received = 0;
    auto request_more = [&] {
        while (in_flight.size() < a.window && next < a.size) {
            zmq::message_t request(&next, sizeof next);
            dealer.send(request, zmq::send_flags::none);
            in_flight.push_back(next);
            next += std::min(a.chunk, a.size - next);
        }
    };
    request_more();
    while (received < a.size) {
        if (!wait_readable(dealer, std::chrono::seconds(10))) {
            std::cerr << "error: " << (g_stop ? "interrupted" : "no reply for 10 s") << "\n";
            ::close(fd);
            return 1;
        }
        zmq::message_t reply;
        while (!in_flight.empty() && dealer.recv(reply, zmq::recv_flags::dontwait)) {
            const std::uint64_t offset = in_flight.front();
            in_flight.pop_front();
            const std::uint64_t expected = std::min(a.chunk, a.size - offset);
            if (reply.size() != expected) {
                std::cerr << "error: chunk at " << offset << " has " << reply.size()
                          << " bytes, expected " << expected << "\n";
                ::close(fd);
                return 1;
            }
            pwrite_full(fd, static_cast<const char*>(reply.data()), reply.size(), offset);
            received += reply.size();
            request_more();
        }
    }
    if (::close(fd) != 0) throw sys_error("close " + a.path);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("%llu bytes in %.3f s, %.1f MB/s\n", static_cast<unsigned long long>(received),
                seconds, seconds > 0 ? static_cast<double>(received) / seconds / 1e6 : 0.0);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    const Args args = parse(argc, argv);
    struct sigaction action {};
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
    try {
        return args.mode == "serve" ? serve(args) : fetch(args);
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << "\n";
        return 1;
    }
}
