#include "wire.hpp"

#include "curve_socket.hpp"
#include "endpoint.hpp"

namespace zshare::protocol {

zmq::socket_t make_socket(zmq::context_t& context, zmq::socket_type type, std::int64_t max_message) {
    zmq::socket_t socket(context, type);
    socket.set(zmq::sockopt::linger, 0);
    socket.set(zmq::sockopt::maxmsgsize, max_message);
    return socket;
}

void allow_ipv6_for(zmq::socket_ref socket, const std::string& endpoint) {
    // IPv6 hosts need it, and a wildcard bind takes both families with it. Not for IPv4
    // hosts: there it would make addresses read back as "::ffff:a.b.c.d".
    const auto parsed = parse_tcp_endpoint(endpoint, true);
    if (parsed && (parsed->host.find(':') != std::string::npos || parsed->host == "*"))
        socket.set(zmq::sockopt::ipv6, 1);
}

bool send(zmq::socket_ref socket, const Message& message, std::uint64_t request_id) {
    return socket.send(encode_zmq(message, request_id), zmq::send_flags::dontwait).has_value();
}

bool send_to(zmq::socket_ref router, const zmq::message_t& routing_id, const Message& message,
             std::uint64_t request_id) {
    return send_to(router, routing_id, encode_zmq(message, request_id));
}

bool send_to(zmq::socket_ref router, const zmq::message_t& routing_id, zmq::message_t frame) {
    return route(router, routing_id, frame) == RouteOutcome::sent;
}

RouteOutcome route(zmq::socket_ref router, const zmq::message_t& routing_id, zmq::message_t& frame) {
    try {
        // A ROUTER checks the peer's queue on the first frame: once that is taken, so is the body.
        zmq::message_t id(routing_id.data(), routing_id.size());
        if (!router.send(id, zmq::send_flags::sndmore | zmq::send_flags::dontwait))
            return RouteOutcome::full;
        return router.send(frame, zmq::send_flags::dontwait) ? RouteOutcome::sent : RouteOutcome::full;
    } catch (const zmq::error_t& e) {
        if (e.num() == EHOSTUNREACH) // ROUTER_MANDATORY: the peer disconnected meanwhile
            return RouteOutcome::gone;
        throw;
    }
}

void drain_frames(zmq::socket_ref socket) {
    while (socket.get(zmq::sockopt::rcvmore)) {
        zmq::message_t rest;
        (void)socket.recv(rest, zmq::recv_flags::dontwait);
    }
}

std::optional<Decoded> receive(zmq::socket_ref socket, const DecodeLimits& limits) {
    zmq::message_t frame;
    if (!socket.recv(frame, zmq::recv_flags::dontwait))
        return std::nullopt;
    if (frame.more()) {
        drain_frames(socket);
        Decoded bad;
        bad.error = "unexpected multi-frame message";
        return bad;
    }
    return decode(frame, limits);
}

std::optional<RoutedRequest> receive_request(zmq::socket_ref router, const DecodeLimits& limits) {
    RoutedRequest in;
    if (!router.recv(in.link, zmq::recv_flags::dontwait))
        return std::nullopt;
    zmq::message_t body;
    if (!in.link.more() || !router.recv(body, zmq::recv_flags::dontwait)) {
        in.request.error = "empty message";
        return in;
    }
    try {
        in.peer_address = body.gets("Peer-Address");
    } catch (const zmq::error_t&) {
        // not a TCP connection: there is no address
    }
    in.user_id = user_id_of(body);
    if (body.more()) {
        drain_frames(router);
        in.request.error = "unexpected multi-frame message";
    } else {
        in.request = decode(body, limits);
    }
    return in;
}

std::string seconds_text(std::chrono::milliseconds duration) {
    const auto tenths = (duration.count() + 50) / 100;
    return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + " s";
}

} // namespace zshare::protocol
