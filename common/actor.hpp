// czmq's actor: a thread with a loop of its own, reached only through an inproc PAIR pipe.
// The constructor returns once the thread is running; the destructor tells it to stop (the
// frame "$TERM" on the pipe, as czmq does) and joins it. Nothing else is shared implicitly:
// what the two sides exchange travels on the pipe.
#pragma once

#include <functional>
#include <string>
#include <thread>
#include <zmq.hpp>

namespace zshare {

class Actor {
public:
    /// Runs on the thread with its end of the pipe. It must return once it receives "$TERM"
    /// (see is_terminate()).
    using Body = std::function<void(zmq::socket_t& pipe)>;

    Actor(zmq::context_t& context, Body body);
    ~Actor();
    Actor(const Actor&) = delete;
    Actor& operator=(const Actor&) = delete;

    /// Returns: the owner's end of the pipe (send work, poll for results).
    zmq::socket_t& pipe() { return m_front; }

    /// Returns: true when `frame` is the stop command.
    static bool is_terminate(const zmq::message_t& frame);

private:
    zmq::socket_t m_front; ///< the owner's end
    zmq::socket_t m_back;  ///< the thread's end
    std::thread m_thread;
};

} // namespace zshare
