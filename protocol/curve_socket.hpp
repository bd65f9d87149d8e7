// CURVE on a socket: the options that make it a server or a client, and what ZeroMQ tells of
// the peer. Every zshare socket uses these unless the process runs --insecure.
#pragma once

#include "curve_keys.hpp"

#include <string>
#include <zmq.hpp>

namespace zshare::protocol {

/// How a process speaks on the wire.
struct Security {
    bool curve = true; ///< false: plain (--insecure): no encryption, no authentication
    KeyPair keys;      ///< this process's own pair (when curve)
};

/// Makes `socket` (before it binds) a CURVE server with `keys`. Its clients are authenticated
/// by the ZAP handler of its context under `domain`; without a handler they are refused
/// (ZMQ_ZAP_ENFORCE_DOMAIN), so a missing handler can never mean "everyone in".
void make_curve_server(zmq::socket_ref socket, const KeyPair& keys, const std::string& domain);

/// Makes `socket` (before it connects) a CURVE client of the server whose public key is
/// `server_key`, presenting `keys`.
void make_curve_client(zmq::socket_ref socket, const KeyPair& keys, const std::string& server_key);

/// Returns: the User-Id ZeroMQ reports for a received message (the sender's key as the ZAP
/// handler admitted it), or "" when there is none (a plain connection).
std::string user_id_of(const zmq::message_t& message);

} // namespace zshare::protocol
