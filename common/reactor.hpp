// The one event loop of a thread, in the manner of czmq's zloop: sockets and descriptors with
// a handler each, and timers, served by a single zmq::poll whose timeout is the next deadline.
// No handler may block; each runs to completion and returns to the loop.
//
// Watches and timers are RAII handles: destroying one (even from inside a handler, even its
// own) takes it out of the loop, and a handler that was taken out is never called again.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <vector>
#include <zmq.hpp>

namespace zshare {

class Reactor {
public:
    using Clock = std::chrono::steady_clock;
    using Handler = std::function<void()>;

    Reactor() = default;
    Reactor(const Reactor&) = delete;
    Reactor& operator=(const Reactor&) = delete;

    struct Entry;

    /// A socket or descriptor in the loop; its handler runs whenever it polls ready.
    class Watch {
    public:
        Watch() = default;
        Watch(Watch&&) noexcept = default;
        Watch& operator=(Watch&& other) noexcept;
        ~Watch() { reset(); }
        /// Takes it out of the loop.
        void reset();
        /// Returns: true while in a loop.
        explicit operator bool() const { return m_entry != nullptr; }

    private:
        friend class Reactor;
        explicit Watch(std::shared_ptr<Entry> entry) : m_entry(std::move(entry)) {}
        std::shared_ptr<Entry> m_entry;
    };

    /// A deadline in the loop: its handler runs once when the time comes, unless re-armed or
    /// disarmed first. Made disarmed.
    class Timer {
    public:
        Timer() = default;
        Timer(Reactor& reactor, Handler handler);
        Timer(Timer&&) noexcept = default;
        Timer& operator=(Timer&& other) noexcept;
        ~Timer() { reset(); }
        /// Runs the handler at `when` (replacing an earlier time).
        void arm_at(Clock::time_point when);
        /// Runs the handler after `delay`.
        void arm_after(Clock::duration delay) { arm_at(Clock::now() + delay); }
        /// Runs the handler at `when` unless it is already due earlier.
        void arm_no_later_than(Clock::time_point when);
        /// Cancels the coming run.
        void disarm();
        /// Returns: true while a run is due.
        bool armed() const;
        /// Takes it out of the loop for good.
        void reset();

    private:
        std::shared_ptr<Entry> m_entry;
    };

    /// Watches `socket` for `events` (ZMQ_POLLIN, ZMQ_POLLOUT). Returns: the watch.
    [[nodiscard]] Watch watch(zmq::socket_ref socket, Handler handler, short events = ZMQ_POLLIN);
    /// Watches the descriptor `fd` (a pipe, a terminal) for `events`. Returns: the watch.
    [[nodiscard]] Watch watch_fd(int fd, Handler handler, short events = ZMQ_POLLIN);

    /// Runs `handler` at the next turn of the loop, after the current handler returns.
    void defer(Handler handler);

    /// Polls once, until the first deadline or event but no longer than `most`, then runs the
    /// handlers of what is ready and of the timers that are due. A signal that interrupts the
    /// poll ends the turn early (the signal's own descriptor tells what happened).
    void run_once(Clock::duration most = std::chrono::hours(1));

    /// Returns: the time of the first armed timer, or nothing.
    std::optional<Clock::time_point> next_deadline() const;

private:
    std::shared_ptr<Entry> add(Entry entry);
    void prune();

    std::vector<std::shared_ptr<Entry>> m_entries; ///< watches and timers, live or withdrawn
    std::vector<Handler> m_deferred;               ///< run at the next turn
};

/// The poll primitive under Reactor::run_once, for the few places that must poll without a
/// loop of their own (tests, benchmarks): zmq::poll with an interrupted call taken as "nothing
/// ready". Returns: the number of ready items.
int poll_items(zmq::pollitem_t* items, std::size_t count, std::chrono::milliseconds timeout);

/// Returns: the number of milliseconds until `deadline`, at least 0 (a zmq::poll timeout).
std::chrono::milliseconds until(std::chrono::steady_clock::time_point deadline);

} // namespace zshare
