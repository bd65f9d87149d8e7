#include <catch2/catch.hpp>

#include "reactor.hpp"
#include "unique_fd.hpp"

#include <atomic>
#include <chrono>
#include <csignal>
#include <optional>
#include <pthread.h>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>
#include <zmq.hpp>

using namespace zshare;
using namespace std::chrono_literals;
using Clock = Reactor::Clock;

namespace {

/// A connected inproc PAIR pair; each test gets its own address.
struct SocketPair {
    zmq::context_t context;
    zmq::socket_t a{context, zmq::socket_type::pair};
    zmq::socket_t b{context, zmq::socket_type::pair};

    SocketPair() {
        static int serial = 0;
        const std::string address = "inproc://reactor-test-" + std::to_string(++serial);
        a.set(zmq::sockopt::linger, 0);
        b.set(zmq::sockopt::linger, 0);
        a.bind(address);
        b.connect(address);
    }
};

/// A pipe, both ends closed at the end.
struct Pipe {
    UniqueFd read_end;
    UniqueFd write_end;

    Pipe() {
        int fds[2];
        REQUIRE(::pipe(fds) == 0);
        read_end.reset(fds[0]);
        write_end.reset(fds[1]);
    }
};

/// Receives one message from `socket` without waiting. Returns: its text, or "" when none.
std::string take(zmq::socket_t &socket) {
    zmq::message_t message;
    if (!socket.recv(message, zmq::recv_flags::dontwait))
        return "";
    return message.to_string();
}

/// Runs turns of `reactor` until `done()` or 5 s. Returns: done().
template <class Done> bool run_until(Reactor &reactor, Done done) {
    const auto deadline = Clock::now() + 5s;
    while (!done() && Clock::now() < deadline)
        reactor.run_once(100ms);
    return done();
}

/// Sends SIGUSR1 (with a handler that does nothing and no SA_RESTART) to this thread until
/// stopped, so that a blocking poll is interrupted; puts the old handler back at the end.
class Interrupter {
public:
    Interrupter() : m_target(::pthread_self()) {
        struct sigaction action {};
        action.sa_handler = [](int) {};
        sigemptyset(&action.sa_mask);
        action.sa_flags = 0;
        ::sigaction(SIGUSR1, &action, &m_old);
        m_thread = std::thread([this] {
            while (!m_stop) {
                ::pthread_kill(m_target, SIGUSR1);
                std::this_thread::sleep_for(5ms);
            }
        });
    }
    ~Interrupter() {
        m_stop = true;
        m_thread.join();
        ::sigaction(SIGUSR1, &m_old, nullptr);
    }
    Interrupter(const Interrupter &) = delete;
    Interrupter &operator=(const Interrupter &) = delete;

private:
    pthread_t m_target;              ///< the thread whose poll is interrupted
    std::atomic<bool> m_stop{false}; ///< set to end the signals
    struct sigaction m_old {};       ///< the handler to put back
    std::thread m_thread;            ///< sends the signals
};

} // namespace

TEST_CASE("a watch on a pair socket runs when a message arrives", "[reactor]") {
    SocketPair pair;
    Reactor reactor;
    std::vector<std::string> received;
    Reactor::Watch watch = reactor.watch(pair.a, [&] { received.push_back(take(pair.a)); });
    CHECK(watch);

    reactor.run_once(0ms);
    CHECK(received.empty());

    pair.b.send(zmq::str_buffer("hello"), zmq::send_flags::none);
    CHECK(run_until(reactor, [&] { return !received.empty(); }));
    CHECK(received == std::vector<std::string>{"hello"});

    // Nothing more to read: not called again.
    reactor.run_once(0ms);
    CHECK(received.size() == 1);

    pair.b.send(zmq::str_buffer("again"), zmq::send_flags::none);
    CHECK(run_until(reactor, [&] { return received.size() == 2; }));
    CHECK(received.back() == "again");
}

TEST_CASE("a watch for writing runs while the socket can send", "[reactor]") {
    SocketPair pair;
    Reactor reactor;
    int writable = 0;
    const Reactor::Watch watch = reactor.watch(
        pair.b, [&] { ++writable; }, ZMQ_POLLOUT);
    CHECK(run_until(reactor, [&] { return writable > 0; }));
}

TEST_CASE("a watch taken out of the loop is not called", "[reactor]") {
    SocketPair pair;
    Reactor reactor;
    int called = 0;
    Reactor::Watch watch = reactor.watch(pair.a, [&] { ++called; });
    watch.reset();
    CHECK_FALSE(watch);
    pair.b.send(zmq::str_buffer("x"), zmq::send_flags::none);
    for (int i = 0; i < 3; ++i)
        reactor.run_once(10ms);
    CHECK(called == 0);

    // Moving a watch keeps it in the loop; assigning over one takes the old one out.
    int second = 0;
    Reactor::Watch moved = reactor.watch(pair.a, [&] {
        ++second;
        take(pair.a);
    });
    Reactor::Watch target(std::move(moved));
    CHECK(target);
    CHECK(run_until(reactor, [&] { return second == 1; }));
    int third = 0;
    target = reactor.watch(pair.a, [&] {
        ++third;
        take(pair.a);
    });
    pair.b.send(zmq::str_buffer("y"), zmq::send_flags::none);
    CHECK(run_until(reactor, [&] { return third == 1; }));
    CHECK(second == 1);
}

TEST_CASE("a watch on a pipe runs when it is readable", "[reactor]") {
    Pipe pipe;
    Reactor reactor;
    std::string read;
    const Reactor::Watch watch = reactor.watch_fd(pipe.read_end.get(), [&] {
        char buffer[16];
        const ssize_t n = ::read(pipe.read_end.get(), buffer, sizeof buffer);
        if (n > 0)
            read.append(buffer, static_cast<std::size_t>(n));
    });
    reactor.run_once(0ms);
    CHECK(read.empty());

    REQUIRE(::write(pipe.write_end.get(), "ab", 2) == 2);
    CHECK(run_until(reactor, [&] { return read == "ab"; }));
}

TEST_CASE("a pipe whose writer is gone runs its handler", "[reactor]") {
    Pipe pipe;
    Reactor reactor;
    int called = 0;
    const Reactor::Watch watch = reactor.watch_fd(pipe.read_end.get(), [&] { ++called; });
    pipe.write_end.reset();
    CHECK(run_until(reactor, [&] { return called > 0; }));
}

TEST_CASE("timers fire in the order of their deadlines", "[reactor]") {
    Reactor reactor;
    std::vector<int> fired;
    Reactor::Timer first(reactor, [&] { fired.push_back(1); });
    Reactor::Timer second(reactor, [&] { fired.push_back(2); });
    Reactor::Timer third(reactor, [&] { fired.push_back(3); });
    CHECK_FALSE(first.armed()); // made disarmed

    // All due in the same turn: earliest first.
    const auto now = Clock::now();
    first.arm_at(now - 3ms);
    second.arm_at(now - 1ms);
    third.arm_at(now - 2ms);
    CHECK(first.armed());
    reactor.run_once(0ms);
    CHECK(fired == std::vector<int>{1, 3, 2});
    CHECK_FALSE(first.armed());
    CHECK_FALSE(second.armed());

    // Once only.
    reactor.run_once(0ms);
    CHECK(fired.size() == 3);

    // Due over several turns.
    fired.clear();
    first.arm_after(30ms);
    second.arm_after(10ms);
    third.arm_after(20ms);
    CHECK(run_until(reactor, [&] { return fired.size() == 3; }));
    CHECK(fired == std::vector<int>{2, 3, 1});
}

TEST_CASE("a timer is not called before its time", "[reactor]") {
    Reactor reactor;
    int called = 0;
    Reactor::Timer timer(reactor, [&] { ++called; });
    const auto start = Clock::now();
    timer.arm_at(start + 40ms);
    CHECK(run_until(reactor, [&] { return called == 1; }));
    CHECK(Clock::now() - start >= 40ms);
}

TEST_CASE("a timer re-armed from its handler runs again at the next turn", "[reactor]") {
    Reactor reactor;
    int called = 0;
    std::optional<Reactor::Timer> timer;
    timer.emplace(reactor, [&] {
        ++called;
        if (called < 3)
            timer->arm_after(0ms);
    });
    timer->arm_after(0ms);
    reactor.run_once(0ms);
    CHECK(called == 1);
    CHECK(timer->armed());
    reactor.run_once(0ms);
    CHECK(called == 2);
    reactor.run_once(0ms);
    CHECK(called == 3);
    CHECK_FALSE(timer->armed());
    reactor.run_once(0ms);
    CHECK(called == 3);
}

TEST_CASE("re-arming replaces the earlier time", "[reactor]") {
    Reactor reactor;
    int called = 0;
    Reactor::Timer timer(reactor, [&] { ++called; });
    timer.arm_at(Clock::now() - 1ms);
    timer.arm_after(1h);
    reactor.run_once(0ms);
    CHECK(called == 0);
    CHECK(timer.armed());
    timer.arm_at(Clock::now() - 1ms);
    reactor.run_once(0ms);
    CHECK(called == 1);
}

TEST_CASE("a disarmed timer is not called", "[reactor]") {
    Reactor reactor;
    int called = 0;
    Reactor::Timer timer(reactor, [&] { ++called; });
    timer.arm_at(Clock::now() - 1ms);
    timer.disarm();
    CHECK_FALSE(timer.armed());
    reactor.run_once(0ms);
    CHECK(called == 0);
    CHECK_FALSE(reactor.next_deadline());
    // Disarming twice, or a disarmed one, is harmless; it can be armed again.
    timer.disarm();
    timer.arm_at(Clock::now() - 1ms);
    reactor.run_once(0ms);
    CHECK(called == 1);
}

TEST_CASE("arm no later than", "[reactor]") {
    Reactor reactor;
    int called = 0;
    Reactor::Timer timer(reactor, [&] { ++called; });
    const auto now = Clock::now();

    // Disarmed: it arms.
    timer.arm_no_later_than(now + 1h);
    CHECK(timer.armed());
    CHECK(reactor.next_deadline() == now + 1h);
    // Earlier: it moves.
    timer.arm_no_later_than(now + 1min);
    CHECK(reactor.next_deadline() == now + 1min);
    // Later: it stays.
    timer.arm_no_later_than(now + 2h);
    CHECK(reactor.next_deadline() == now + 1min);
    reactor.run_once(0ms);
    CHECK(called == 0);

    timer.arm_no_later_than(now - 1ms);
    timer.arm_no_later_than(now + 1h);
    reactor.run_once(0ms);
    CHECK(called == 1);
}

TEST_CASE("next deadline is the first armed timer", "[reactor]") {
    Reactor reactor;
    CHECK_FALSE(reactor.next_deadline());
    const auto now = Clock::now();
    Reactor::Timer a(reactor, [] {});
    Reactor::Timer b(reactor, [] {});
    CHECK_FALSE(reactor.next_deadline());
    a.arm_at(now + 2s);
    b.arm_at(now + 1s);
    CHECK(reactor.next_deadline() == now + 1s);
    b.disarm();
    CHECK(reactor.next_deadline() == now + 2s);
    b.arm_at(now + 1s);
    b.reset();
    CHECK(reactor.next_deadline() == now + 2s);
    a = Reactor::Timer();
    CHECK_FALSE(reactor.next_deadline());
}

TEST_CASE("a timer without a loop, or reset, does nothing", "[reactor]") {
    Reactor::Timer idle;
    idle.arm_after(0ms);
    idle.arm_no_later_than(Clock::now());
    CHECK_FALSE(idle.armed());
    idle.disarm();
    idle.reset();

    Reactor reactor;
    int called = 0;
    Reactor::Timer timer(reactor, [&] { ++called; });
    timer.arm_at(Clock::now() - 1ms);
    timer.reset();
    CHECK_FALSE(timer.armed());
    timer.arm_at(Clock::now() - 1ms);
    CHECK_FALSE(timer.armed());
    reactor.run_once(0ms);
    CHECK(called == 0);

    // Moved: the new owner runs it, the old one is empty.
    Reactor::Timer from(reactor, [&] { ++called; });
    Reactor::Timer to(std::move(from));
    to.arm_at(Clock::now() - 1ms);
    reactor.run_once(0ms);
    CHECK(called == 1);
}

TEST_CASE("a watch handler that destroys its own watch", "[reactor]") {
    SocketPair pair;
    Reactor reactor;
    int called = 0;
    std::optional<Reactor::Watch> watch;
    watch = reactor.watch(pair.a, [&] {
        ++called;
        watch.reset(); // the handler running belongs to it
        take(pair.a);
    });
    pair.b.send(zmq::str_buffer("1"), zmq::send_flags::none);
    CHECK(run_until(reactor, [&] { return called == 1; }));
    pair.b.send(zmq::str_buffer("2"), zmq::send_flags::none);
    for (int i = 0; i < 3; ++i)
        reactor.run_once(10ms);
    CHECK(called == 1);
}

TEST_CASE("a watch handler that destroys another watch ready in the same turn", "[reactor]") {
    SocketPair one, two;
    Reactor reactor;
    int called_one = 0, called_two = 0;
    std::optional<Reactor::Watch> watch_one, watch_two;
    // Each takes the other out: whichever runs first, the other is not called.
    watch_one = reactor.watch(one.a, [&] {
        ++called_one;
        watch_two.reset();
    });
    watch_two = reactor.watch(two.a, [&] {
        ++called_two;
        watch_one.reset();
    });
    one.b.send(zmq::str_buffer("x"), zmq::send_flags::none);
    two.b.send(zmq::str_buffer("x"), zmq::send_flags::none);
    // Both are ready before the turn polls.
    zmq::pollitem_t items[] = {{one.a.handle(), 0, ZMQ_POLLIN, 0}, {two.a.handle(), 0, ZMQ_POLLIN, 0}};
    const auto deadline = Clock::now() + 5s;
    while (poll_items(items, 2, 100ms) < 2 && Clock::now() < deadline) {
    }
    reactor.run_once(0ms);
    CHECK(called_one + called_two == 1);
    // The one taken out is never called again; the other still is (its message is unread).
    const bool one_ran = called_one == 1;
    for (int i = 0; i < 3; ++i)
        reactor.run_once(10ms);
    CHECK((one_ran ? called_two : called_one) == 0);
    CHECK((one_ran ? called_one : called_two) == 4);
}

TEST_CASE("a timer handler that destroys its own timer", "[reactor]") {
    Reactor reactor;
    int called = 0;
    std::optional<Reactor::Timer> timer;
    timer.emplace(reactor, [&] {
        ++called;
        timer->arm_after(0ms);
        timer.reset();
    });
    timer->arm_at(Clock::now() - 1ms);
    reactor.run_once(0ms);
    CHECK(called == 1);
    CHECK_FALSE(timer);
    reactor.run_once(0ms);
    CHECK(called == 1);
    CHECK_FALSE(reactor.next_deadline());
}

TEST_CASE("a timer handler that destroys another timer due in the same turn", "[reactor]") {
    Reactor reactor;
    std::vector<int> fired;
    std::optional<Reactor::Timer> first, second;
    first.emplace(reactor, [&] {
        fired.push_back(1);
        second.reset();
    });
    second.emplace(reactor, [&] {
        fired.push_back(2);
        first.reset();
    });
    const auto now = Clock::now();
    first->arm_at(now - 2ms);
    second->arm_at(now - 1ms);
    reactor.run_once(0ms);
    CHECK(fired == std::vector<int>{1});
    reactor.run_once(0ms);
    CHECK(fired == std::vector<int>{1});

    // Disarming another due timer stops it too.
    fired.clear();
    std::optional<Reactor::Timer> third;
    Reactor::Timer disarmer(reactor, [&] {
        fired.push_back(3);
        third->disarm();
    });
    third.emplace(reactor, [&] { fired.push_back(4); });
    disarmer.arm_at(now - 2ms);
    third->arm_at(now - 1ms);
    reactor.run_once(0ms);
    CHECK(fired == std::vector<int>{3});
}

TEST_CASE("a watch handler that destroys a timer due in the same turn", "[reactor]") {
    SocketPair pair;
    Reactor reactor;
    int timer_called = 0;
    std::optional<Reactor::Timer> timer;
    timer.emplace(reactor, [&] { ++timer_called; });
    const Reactor::Watch watch = reactor.watch(pair.a, [&] {
        take(pair.a);
        timer.reset();
    });
    pair.b.send(zmq::str_buffer("x"), zmq::send_flags::none);
    zmq::pollitem_t items[] = {{pair.a.handle(), 0, ZMQ_POLLIN, 0}};
    REQUIRE(poll_items(items, 1, 5000ms) == 1);
    timer->arm_at(Clock::now() - 1ms);
    reactor.run_once(0ms);
    CHECK_FALSE(timer);
    CHECK(timer_called == 0);
}

TEST_CASE("entries added by a handler join the loop", "[reactor]") {
    Reactor reactor;
    std::vector<Reactor::Timer> added;
    int called = 0;
    Reactor::Timer maker(reactor, [&] {
        for (int i = 0; i < 20; ++i) {
            added.emplace_back(reactor, [&] { ++called; });
            added.back().arm_at(Clock::now() - 1ms);
        }
    });
    maker.arm_at(Clock::now() - 1ms);
    reactor.run_once(0ms);
    CHECK(added.size() == 20);
    CHECK(run_until(reactor, [&] { return called == 20; }));
}

TEST_CASE("deferred work runs at the next turn", "[reactor]") {
    Reactor reactor;
    std::vector<std::string> ran;
    reactor.defer([&] { ran.push_back("a"); });
    reactor.defer([&] { ran.push_back("b"); });
    CHECK(ran.empty()); // not now
    reactor.run_once(0ms);
    CHECK(ran == std::vector<std::string>{"a", "b"});
    reactor.run_once(0ms);
    CHECK(ran.size() == 2); // once
}

TEST_CASE("work deferred by deferred work waits a turn, without the poll waiting", "[reactor]") {
    Reactor reactor;
    std::vector<std::string> ran;
    reactor.defer([&] {
        ran.push_back("first");
        reactor.defer([&] { ran.push_back("second"); });
    });
    const auto start = Clock::now();
    reactor.run_once(10s);
    CHECK(Clock::now() - start < 5s);
    CHECK(ran == std::vector<std::string>{"first"});
    reactor.run_once(0ms);
    CHECK(ran == std::vector<std::string>{"first", "second"});
}

TEST_CASE("work deferred by a handler runs after it, at the next turn", "[reactor]") {
    Reactor reactor;
    std::vector<std::string> ran;
    Reactor::Timer timer(reactor, [&] {
        reactor.defer([&] { ran.push_back("deferred"); });
        ran.push_back("handler");
    });
    timer.arm_at(Clock::now() - 1ms);
    reactor.run_once(0ms);
    CHECK(ran == std::vector<std::string>{"handler"});
    reactor.run_once(0ms);
    CHECK(ran == std::vector<std::string>{"handler", "deferred"});
}

TEST_CASE("run once waits no longer than its bound", "[reactor]") {
    SocketPair pair;
    Reactor reactor;
    int called = 0;
    const Reactor::Watch watch = reactor.watch(pair.a, [&] { ++called; });
    Reactor::Timer far(reactor, [&] { ++called; });
    far.arm_after(1h);

    auto start = Clock::now();
    reactor.run_once(50ms);
    auto elapsed = Clock::now() - start;
    CHECK(elapsed >= 50ms);
    CHECK(elapsed < 5s);
    CHECK(called == 0);

    // A nearer deadline wakes it earlier than the bound.
    Reactor::Timer near(reactor, [&] { ++called; });
    near.arm_after(30ms);
    start = Clock::now();
    reactor.run_once(10s);
    elapsed = Clock::now() - start;
    CHECK(called == 1);
    CHECK(elapsed >= 30ms);
    CHECK(elapsed < 5s);

    // So does a message.
    pair.b.send(zmq::str_buffer("x"), zmq::send_flags::none);
    start = Clock::now();
    reactor.run_once(10s);
    CHECK(called == 2);
    CHECK(Clock::now() - start < 5s);
}

TEST_CASE("run once with nothing in the loop", "[reactor]") {
    Reactor reactor;
    const auto start = Clock::now();
    reactor.run_once(20ms);
    const auto elapsed = Clock::now() - start;
    CHECK(elapsed >= 20ms);
    CHECK(elapsed < 5s);
    reactor.run_once(0ms);
}

TEST_CASE("a signal ends a turn early", "[reactor]") {
    SocketPair pair;
    Reactor reactor;
    int called = 0;
    const Reactor::Watch watch = reactor.watch(pair.a, [&] { ++called; });
    const auto start = Clock::now();
    {
        const Interrupter interrupter;
        reactor.run_once(30s);
    }
    CHECK(Clock::now() - start < 10s);
    CHECK(called == 0);
}

TEST_CASE("poll items", "[reactor]") {
    SocketPair pair;
    Pipe pipe;
    zmq::pollitem_t items[] = {{pair.a.handle(), 0, ZMQ_POLLIN, 0},
                               {nullptr, pipe.read_end.get(), ZMQ_POLLIN, 0}};
    CHECK(poll_items(items, 2, 0ms) == 0);
    CHECK(items[0].revents == 0);
    CHECK(poll_items(nullptr, 0, 10ms) == 0);

    pair.b.send(zmq::str_buffer("x"), zmq::send_flags::none);
    CHECK(poll_items(items, 2, 5000ms) == 1);
    CHECK((items[0].revents & ZMQ_POLLIN) != 0);
    CHECK(items[1].revents == 0);

    REQUIRE(::write(pipe.write_end.get(), "z", 1) == 1);
    CHECK(poll_items(items, 2, 5000ms) == 2);
    CHECK((items[1].revents & ZMQ_POLLIN) != 0);
}

TEST_CASE("an interrupted poll is taken as nothing ready", "[reactor]") {
    SocketPair pair;
    zmq::pollitem_t items[] = {{pair.a.handle(), 0, ZMQ_POLLIN, 0}};
    items[0].revents = ZMQ_POLLIN; // stale: cleared when interrupted
    const auto start = Clock::now();
    int ready = -1;
    {
        const Interrupter interrupter;
        ready = poll_items(items, 1, 30000ms);
    }
    CHECK(ready == 0);
    CHECK(items[0].revents == 0);
    CHECK(Clock::now() - start < 10s);
}

TEST_CASE("milliseconds until a deadline", "[reactor]") {
    const auto now = std::chrono::steady_clock::now();
    CHECK(until(now - 1s) == 0ms);
    CHECK(until(now - 1h) == 0ms);
    // Rounded up, so that a poll never wakes just before the deadline.
    const auto soon = until(now + 100ms);
    CHECK(soon >= 99ms);
    CHECK(soon <= 101ms);
    const auto later = until(now + 1h);
    CHECK(later > 3599s);
    CHECK(later <= 3600s + 1ms);
}
