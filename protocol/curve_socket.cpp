#include "curve_socket.hpp"

#include <stdexcept>

namespace zshare::protocol {

namespace {
/// ZMQ_ZAP_ENFORCE_DOMAIN: in Debian's libzmq, though its header names it for draft builds only.
constexpr int zap_enforce_domain = 93;
} // namespace

void make_curve_server(zmq::socket_ref socket, const KeyPair& keys, const std::string& domain) {
    socket.set(zmq::sockopt::curve_server, 1);
    socket.set(zmq::sockopt::curve_secretkey, keys.secret_key);
    socket.set(zmq::sockopt::zap_domain, domain);
    const int enforce = 1;
    if (zmq_setsockopt(socket.handle(), zap_enforce_domain, &enforce, sizeof enforce) != 0)
        throw std::runtime_error("this libzmq cannot enforce ZAP (option 93): it would let strangers in");
}

void make_curve_client(zmq::socket_ref socket, const KeyPair& keys, const std::string& server_key) {
    socket.set(zmq::sockopt::curve_serverkey, server_key);
    socket.set(zmq::sockopt::curve_publickey, keys.public_key);
    socket.set(zmq::sockopt::curve_secretkey, keys.secret_key);
}

std::string user_id_of(const zmq::message_t& message) {
    const char* value = zmq_msg_gets(const_cast<zmq_msg_t*>(message.handle()), "User-Id");
    return value ? std::string(value) : std::string();
}

} // namespace zshare::protocol
