#include "actor.hpp"

#include <atomic>
#include <cstring>

namespace zshare {

namespace {
std::atomic<unsigned> g_pipe_counter{0};
constexpr char terminate_command[] = "$TERM";
} // namespace

Actor::Actor(zmq::context_t& context, Body body)
    : m_front(context, zmq::socket_type::pair), m_back(context, zmq::socket_type::pair) {
    const std::string name = "inproc://zshare-actor-" + std::to_string(g_pipe_counter++);
    m_front.set(zmq::sockopt::linger, 0);
    m_back.set(zmq::sockopt::linger, 0);
    m_back.bind(name);
    m_front.connect(name);
    // The thread owns m_back from here on; handing a socket to a new thread is safe (the
    // thread's start is a full memory barrier).
    m_thread = std::thread([this, body = std::move(body)] { body(m_back); });
}

Actor::~Actor() {
    try {
        m_front.send(zmq::buffer(terminate_command, sizeof terminate_command - 1), zmq::send_flags::none);
    } catch (const zmq::error_t&) {
    }
    if (m_thread.joinable())
        m_thread.join();
}

bool Actor::is_terminate(const zmq::message_t& frame) {
    return frame.size() == sizeof terminate_command - 1 &&
           std::memcmp(frame.data(), terminate_command, frame.size()) == 0;
}

} // namespace zshare
