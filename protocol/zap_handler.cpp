#include "zap_handler.hpp"

#include <vector>
#include <zmq.h>

namespace zshare::protocol {

ZapHandler::ZapHandler(zmq::context_t& context, Reactor& reactor, Decide decide)
    : m_socket(context, zmq::socket_type::router), m_decide(std::move(decide)),
      m_alive(std::make_shared<bool>(true)) {
    m_socket.set(zmq::sockopt::linger, 0);
    m_socket.bind("inproc://zeromq.zap.01");
    m_watch = reactor.watch(m_socket, [this] { on_readable(); });
}

ZapHandler::~ZapHandler() {
    *m_alive = false;
    m_watch.reset();
}

void ZapHandler::on_readable() {
    for (int handled = 0; handled < 256; ++handled) {
        // [routing id][empty][version][request id][domain][address][identity][mechanism][credentials...]
        std::vector<zmq::message_t> frames;
        zmq::message_t frame;
        if (!m_socket.recv(frame, zmq::recv_flags::dontwait))
            return;
        frames.push_back(std::move(frame));
        while (frames.back().more() && frames.size() < 16) {
            zmq::message_t more;
            if (!m_socket.recv(more, zmq::recv_flags::dontwait))
                break;
            frames.push_back(std::move(more));
        }
        if (frames.size() < 8)
            continue; // not a ZAP request: libzmq sends nothing else here
        // The reply goes back to where the request came from, whenever it is given.
        auto envelope = std::make_shared<std::vector<zmq::message_t>>();
        envelope->emplace_back(frames[0].data(), frames[0].size());
        envelope->emplace_back(frames[3].data(), frames[3].size()); // the request id
        auto answer = [this, alive = m_alive, envelope](bool admit, const std::string& user_id) {
            if (!*alive)
                return;
            const auto more = zmq::send_flags::sndmore | zmq::send_flags::dontwait;
            (void)m_socket.send((*envelope)[0], more);
            (void)m_socket.send(zmq::message_t(), more);
            (void)m_socket.send(zmq::str_buffer("1.0"), more);
            (void)m_socket.send((*envelope)[1], more);
            (void)m_socket.send(admit ? zmq::str_buffer("200") : zmq::str_buffer("400"), more);
            (void)m_socket.send(admit ? zmq::str_buffer("OK") : zmq::str_buffer("not a member"), more);
            (void)m_socket.send(zmq::buffer(admit ? user_id : std::string()), more);
            (void)m_socket.send(zmq::message_t(), zmq::send_flags::dontwait);
        };
        Request request;
        request.domain = frames[4].to_string();
        request.address = frames[5].to_string();
        request.mechanism = frames[7].to_string();
        if (request.mechanism != "CURVE" || frames.size() < 9 || frames[8].size() != 32) {
            answer(false, {});
            continue;
        }
        char key[41] = {};
        zmq_z85_encode(key, static_cast<const std::uint8_t*>(frames[8].data()), 32);
        request.key = key;
        m_decide(request, std::move(answer));
    }
}

} // namespace zshare::protocol
