// Sending and receiving zshare messages on ZeroMQ sockets, with the options every zshare
// socket carries.
#pragma once

#include "codec.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <zmq.hpp>

namespace zshare::protocol {

/// Returns: a socket of `type` with linger 0 (closing never blocks on unsent messages) and
/// ZMQ_MAXMSGSIZE `max_message` (a peer that sends more is disconnected by libzmq itself).
zmq::socket_t make_socket(zmq::context_t& context, zmq::socket_type type, std::int64_t max_message);

/// Lets `socket` bind or connect to `endpoint` when its host is an IPv6 address, and makes a
/// bind to every interface ("*") take IPv6 as well as IPv4.
void allow_ipv6_for(zmq::socket_ref socket, const std::string& endpoint);

/// Sends `message` as one frame, with `request_id` in its envelope (0: none).
/// Returns: false when the socket would block (full queue, or no connection yet).
/// Throws: zmq::error_t on other errors (EHOSTUNREACH from a ROUTER_MANDATORY socket).
bool send(zmq::socket_ref socket, const Message& message, std::uint64_t request_id = 0);

/// Sends `message` to the peer `routing_id` of a ROUTER socket without blocking.
/// Returns: false when the peer is gone or its queue is full; the reply is then dropped.
bool send_to(zmq::socket_ref router, const zmq::message_t& routing_id, const Message& message,
             std::uint64_t request_id = 0);

/// The same with a frame already encoded.
bool send_to(zmq::socket_ref router, const zmq::message_t& routing_id, zmq::message_t frame);

/// What became of a frame offered to a ROUTER_MANDATORY socket.
enum class RouteOutcome {
    sent, ///< queued for the peer
    full, ///< the peer's queue is at its high-water mark: the frame is still the caller's
    gone, ///< the peer disconnected
};

/// Sends `frame` to the peer `routing_id` without blocking; `frame` is taken only when sent.
RouteOutcome route(zmq::socket_ref router, const zmq::message_t& routing_id, zmq::message_t& frame);

/// Receives one message without blocking. Returns: nothing when none is waiting; otherwise the
/// decoded message or the reason it is malformed (a multi-frame message is malformed too).
std::optional<Decoded> receive(zmq::socket_ref socket, const DecodeLimits& limits = {});

/// A request as a ROUTER receives it.
struct RoutedRequest {
    zmq::message_t link;      ///< the sender's routing id, to address the reply
    Decoded request;          ///< the message, or why it is malformed
    std::string peer_address; ///< the sender's IP address (ZeroMQ's Peer-Address), if TCP
    std::string user_id;      ///< the sender's key as the ZAP handler admitted it ("" when plain)
};

/// Receives one request from a ROUTER without blocking. Returns: nothing when none is waiting.
std::optional<RoutedRequest> receive_request(zmq::socket_ref router, const DecodeLimits& limits = {});

/// Reads the rest of a multi-frame message so that the next receive starts at a boundary.
void drain_frames(zmq::socket_ref socket);

/// Returns: `duration` for people, as "2.5 s".
std::string seconds_text(std::chrono::milliseconds duration);

} // namespace zshare::protocol
