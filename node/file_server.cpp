#include "file_server.hpp"

#include "endpoint.hpp"
#include "file_io.hpp"
#include "reactor.hpp"
#include "reply_budget.hpp"
#include "unique_fd.hpp"
#include "wire.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace zshare::node {

using namespace protocol;

namespace {

/// Requests are small: a path and two numbers.
constexpr std::int64_t max_request_bytes = 64 << 10;

Error refuse(std::string_view code, std::string message) {
    return Error{std::string(code), std::move(message)};
}

/// Opens `path` if and only if it is still the registered file. Returns: an error or nothing.
std::optional<Error> open_registered(const SharedFiles& shares, const std::string& path, UniqueFd& file,
                                     std::uint64_t& size) {
    const auto shared = shares.find(path);
    if (!shared)
        return refuse(error_code::not_shared, path + " is not shared");
    // O_NOFOLLOW and the identity check: a registered path replaced by a link, or by another
    // file, is not the file that was shared.
    // O_NONBLOCK: a fifo put in its place must not stall the server (the checks refuse it).
    file.reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
    if (!file && errno == ELOOP)
        return refuse(error_code::not_shared, path + " is no longer the file that was shared");
    if (!file)
        return refuse(error_code::io_error, "cannot open " + path + ": " + std::strerror(errno));
    struct stat info {};
    if (::fstat(file.get(), &info) != 0 || !S_ISREG(info.st_mode) || info.st_dev != shared->device ||
        info.st_ino != shared->inode)
        return refuse(error_code::not_shared, path + " is no longer the file that was shared");
    size = static_cast<std::uint64_t>(info.st_size);
    return std::nullopt;
}

Message on_stat_file(const SharedFiles& shares, const StatFile& request) {
    UniqueFd file;
    std::uint64_t size = 0;
    if (auto refused = open_registered(shares, request.path, file, size))
        return *refused;
    return FileStat{request.path, size};
}

Message on_get_manifest(const SharedFiles& shares, const GetManifest& request) {
    UniqueFd file;
    std::uint64_t size = 0;
    if (auto refused = open_registered(shares, request.path, file, size))
        return *refused;
    const auto shared = shares.find(request.path);
    if (!shared)
        return refuse(error_code::not_shared, request.path + " is not shared");
    return ManifestData{request.path, shared->content.id, Bytes{*shared->content.encoded}};
}

/// Returns: the frame answering `request`: the chunk, read straight into the frame, or an Error.
zmq::message_t on_fetch_chunk(const SharedFiles& shares, const FetchChunk& request, std::uint64_t id) {
    UniqueFd file;
    std::uint64_t size = 0;
    if (auto refused = open_registered(shares, request.path, file, size))
        return encode_zmq(*refused, id);
    if (request.length == 0 || request.length > max_chunk_length)
        return encode_zmq(refuse(error_code::bad_range,
                                 "chunk length must be 1 to " + std::to_string(max_chunk_length) + " bytes"),
                          id);
    if (request.offset > size)
        return encode_zmq(refuse(error_code::bad_range, "offset " + std::to_string(request.offset) +
                                                            " is past the end of " + request.path),
                          id);
    const std::uint64_t wanted = std::min<std::uint64_t>(request.length, size - request.offset);
    int read_errno = 0;
    // A short read means the file shrank meanwhile: the short chunk tells the downloader.
    auto frame = encode_chunk_data(
        request.path, request.offset, wanted,
        [&](char* into, std::size_t length) {
            const std::ptrdiff_t got = read_at(file.get(), into, length, request.offset);
            read_errno = errno;
            return got;
        },
        id);
    if (!frame)
        return encode_zmq(refuse(error_code::io_error, "cannot read " + request.path + ": " + std::strerror(read_errno)),
                          id);
    return std::move(*frame);
}

} // namespace

zmq::message_t FileServer::reply_frame(const SharedFiles& shares, const Decoded& request) {
    // Every reply carries its request's id: a downloader may match replies by it.
    const std::uint64_t id = request.request_id;
    if (!request)
        return encode_zmq(refuse(error_code::bad_message, request.error), id);
    if (const auto* stat = std::get_if<StatFile>(&*request.message))
        return encode_zmq(on_stat_file(shares, *stat), id);
    if (const auto* fetch = std::get_if<FetchChunk>(&*request.message))
        return on_fetch_chunk(shares, *fetch, id);
    if (const auto* manifest = std::get_if<GetManifest>(&*request.message))
        return encode_zmq(on_get_manifest(shares, *manifest), id);
    return encode_zmq(refuse(error_code::unexpected, "a file server does not take " +
                                                         std::string(type_name(*request.message)) + " messages"),
                      id);
}

Message FileServer::answer(const SharedFiles& shares, const Decoded& request) {
    return *decode(reply_frame(shares, request)).message;
}

FileServer::FileServer(zmq::context_t& context, const std::string& listen, const SharedFiles& shares,
                       ServingRules rules)
    : m_shares(shares), m_rules(std::move(rules)),
      m_router(make_socket(context, zmq::socket_type::router, max_request_bytes)) {
    if (!parse_tcp_endpoint(listen, true))
        throw std::runtime_error("--listen must be tcp://HOST:PORT, not '" + listen + "'");
    m_router.set(zmq::sockopt::router_mandatory, 1);
    if (m_rules.security.curve)
        make_curve_server(m_router, m_rules.security.keys, "zshare-files");
    try {
        allow_ipv6_for(m_router, listen);
        m_router.bind(listen);
    } catch (const zmq::error_t& e) {
        throw std::runtime_error("cannot listen on " + listen + ": " + e.what());
    }
    m_endpoint = m_router.get(zmq::sockopt::last_endpoint);
    m_actor = std::make_unique<Actor>(context, [this](zmq::socket_t& pipe) { run(pipe); });
}

FileServer::~FileServer() { m_actor.reset(); }

void FileServer::run(zmq::socket_t& pipe) {
    using Clock = std::chrono::steady_clock;
    Reactor reactor;
    bool stop = false;
    ReplyBudget budget(m_rules.requester_in_flight, m_rules.total_in_flight);
    // Requests that wait for their requester's replies to drain, by requester, in order.
    constexpr std::size_t max_waiting = 1024;
    std::map<std::string, std::deque<RoutedRequest>> waiting;
    // With an upload limit, replies leave at the pace it allows: each is due once the ones
    // before it have had their share of time.
    struct Paced {
        zmq::message_t link;
        zmq::message_t frame;
    };
    std::deque<Paced> paced;
    auto next_due = Clock::now();
    Reactor::Timer pace, retry;
    const auto send_due = [&] {
        while (!paced.empty() && Clock::now() >= next_due) {
            const auto bytes = paced.front().frame.size();
            (void)send_to(m_router, paced.front().link, std::move(paced.front().frame));
            paced.pop_front();
            next_due = std::max(next_due, Clock::now() - std::chrono::milliseconds(50)) +
                       std::chrono::microseconds(bytes * 1000000 / m_rules.upload_limit);
        }
        if (!paced.empty())
            pace.arm_at(next_due);
    };
    const auto serve = [&](const std::string& requester, RoutedRequest& in) {
        zmq::message_t frame = budget.charge(requester, reply_frame_for(in));
        if (m_rules.upload_limit == 0) {
            // A downloader that left takes its replies with it (ROUTER_MANDATORY says so).
            (void)send_to(m_router, in.link, std::move(frame));
            return;
        }
        paced.push_back({std::move(in.link), std::move(frame)});
    };
    const auto serve_waiting = [&] {
        // Round robin over the requesters whose replies drained.
        for (bool progress = true; progress;) {
            progress = false;
            for (auto it = waiting.begin(); it != waiting.end();) {
                if (!it->second.empty() && budget.open(it->first)) {
                    serve(it->first, it->second.front());
                    it->second.pop_front();
                    progress = true;
                }
                it = it->second.empty() ? waiting.erase(it) : std::next(it);
            }
        }
        budget.forget_idle();
        if (!waiting.empty())
            retry.arm_after(std::chrono::milliseconds(2));
        if (m_rules.upload_limit != 0)
            send_due();
    };
    pace = Reactor::Timer(reactor, send_due);
    retry = Reactor::Timer(reactor, serve_waiting);
    auto control = reactor.watch(pipe, [&] { stop = true; }); // the only command is stop
    auto requests = reactor.watch(m_router, [&] {
        for (int handled = 0; handled < 64; ++handled) {
            auto in = receive_request(m_router);
            if (!in)
                break;
            // Who asks: the key the handshake proved, else (plain) the connection. A secure server
            // drops what comes without a key: nothing should, ZAP gives every connection one.
            if (m_rules.security.curve && in->user_id.empty())
                continue;
            const std::string requester = in->user_id.empty() ? in->link.to_string() : in->user_id;
            auto& queue = waiting[requester];
            if (queue.empty() && budget.open(requester)) {
                serve(requester, *in);
            } else if (queue.size() < max_waiting) {
                queue.push_back(std::move(*in));
            } // else: one who asks that far ahead without reading loses the excess
            if (queue.empty())
                waiting.erase(requester);
        }
        if (!waiting.empty())
            retry.arm_no_later_than(Clock::now() + std::chrono::milliseconds(2));
        if (m_rules.upload_limit != 0)
            send_due();
    });
    while (!stop)
        reactor.run_once();
}

zmq::message_t FileServer::reply_frame_for(const RoutedRequest& in) const {
    // Secure: the key must be in the table now, not only at the handshake.
    if (m_rules.security.curve && m_rules.members && !m_rules.members->name_of(in.user_id))
        return encode_zmq(refuse(error_code::not_member,
                                 "your key is in nobody's row of this node's table: register first (401)"),
                          in.request.request_id);
    return reply_frame(m_shares, in.request);
}

} // namespace zshare::node
