#include <catch2/catch.hpp>

#include "reply_budget.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

using zshare::node::ReplyBudget;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

/// A message of `size` bytes, each `fill`.
zmq::message_t frame_of(std::size_t size, char fill = 'x') {
    zmq::message_t frame(size);
    std::fill_n(static_cast<char *>(frame.data()), size, fill);
    return frame;
}

/// Returns: true once `done()` holds, checking until a 5 s deadline.
template <class Done> bool eventually(Done done) {
    const auto deadline = Clock::now() + 5s;
    while (!done()) {
        if (Clock::now() >= deadline)
            return false;
        std::this_thread::sleep_for(1ms);
    }
    return true;
}

/// A connected PAIR pair in its own context.
struct SocketPair {
    zmq::context_t context;
    zmq::socket_t sender{context, zmq::socket_type::pair};
    zmq::socket_t receiver{context, zmq::socket_type::pair};

    explicit SocketPair(const std::string &address) {
        sender.set(zmq::sockopt::linger, 0);
        receiver.set(zmq::sockopt::linger, 0);
        receiver.bind(address);
        sender.connect(receiver.get(zmq::sockopt::last_endpoint));
    }

    /// Returns: the next message, waiting at most 5 s.
    std::optional<zmq::message_t> receive() {
        receiver.set(zmq::sockopt::rcvtimeo, 5000);
        zmq::message_t message;
        if (!receiver.recv(message))
            return std::nullopt;
        return message;
    }
};

} // namespace

TEST_CASE("a new budget is open with nothing out", "[reply_budget]") {
    const ReplyBudget budget(1000, 5000);
    CHECK(budget.open("alice"));
    CHECK(budget.open(""));
    CHECK(budget.in_flight("alice") == 0);
    CHECK(budget.total() == 0);
}

TEST_CASE("charge counts the bytes for the requester and in all", "[reply_budget]") {
    ReplyBudget budget(1000000, 1000000);
    zmq::message_t a1 = budget.charge("alice", frame_of(100));
    CHECK(budget.in_flight("alice") == 100);
    CHECK(budget.total() == 100);
    zmq::message_t a2 = budget.charge("alice", frame_of(50));
    zmq::message_t b1 = budget.charge("bob", frame_of(7));
    CHECK(budget.in_flight("alice") == 150);
    CHECK(budget.in_flight("bob") == 7);
    CHECK(budget.in_flight("carol") == 0);
    CHECK(budget.total() == 157);
}

TEST_CASE("a charged message holds the frame's bytes, uncopied", "[reply_budget]") {
    ReplyBudget budget(1000000, 1000000);
    zmq::message_t original = frame_of(4096, 'q');
    const void *data = original.data();
    const zmq::message_t charged = budget.charge("alice", std::move(original));
    CHECK(charged.size() == 4096);
    CHECK(charged.data() == data);
    CHECK(charged.to_string() == std::string(4096, 'q'));

    // Small frames too (ZeroMQ keeps those inside the message itself).
    const zmq::message_t small = budget.charge("alice", zmq::message_t(std::string("hello")));
    CHECK(small.to_string() == "hello");
    CHECK(budget.in_flight("alice") == 4096 + 5);
}

TEST_CASE("the count drops when the message is destroyed", "[reply_budget]") {
    ReplyBudget budget(1000000, 1000000);
    {
        zmq::message_t a = budget.charge("alice", frame_of(300));
        {
            zmq::message_t b = budget.charge("bob", frame_of(20));
            CHECK(budget.total() == 320);
        }
        CHECK(budget.in_flight("bob") == 0);
        CHECK(budget.in_flight("alice") == 300);
        CHECK(budget.total() == 300);

        // Moved, it still counts once; the moved-from message frees nothing.
        zmq::message_t moved = std::move(a);
        CHECK(budget.in_flight("alice") == 300);
        zmq::message_t empty;
        a = std::move(empty);
        CHECK(budget.in_flight("alice") == 300);
    }
    CHECK(budget.in_flight("alice") == 0);
    CHECK(budget.total() == 0);

    // An empty frame counts nothing and frees nothing.
    { const zmq::message_t none = budget.charge("carol", zmq::message_t()); }
    CHECK(budget.in_flight("carol") == 0);
    CHECK(budget.total() == 0);
}

TEST_CASE("a copy of a charged message keeps it counted", "[reply_budget]") {
    ReplyBudget budget(1000000, 1000000);
    std::optional<zmq::message_t> first(budget.charge("alice", frame_of(1000)));
    zmq::message_t copy;
    copy.copy(*first); // shares the content, as ZeroMQ does for every subscriber of a PUB
    first.reset();
    CHECK(budget.in_flight("alice") == 1000);
    copy.rebuild();
    CHECK(budget.in_flight("alice") == 0);
}

TEST_CASE("the count drops once ZeroMQ lets go over inproc", "[reply_budget]") {
    ReplyBudget budget(1000000, 1000000);
    SocketPair pair("inproc://reply-budget-test");
    REQUIRE(pair.sender.send(budget.charge("alice", frame_of(100000)), zmq::send_flags::none));
    // Sent is not let go: over inproc the content travels to the receiver as it is.
    CHECK(budget.in_flight("alice") == 100000);
    {
        auto received = pair.receive();
        REQUIRE(received);
        CHECK(received->size() == 100000);
        CHECK(received->to_string() == std::string(100000, 'x'));
    }
    CHECK(eventually([&] { return budget.in_flight("alice") == 0 && budget.total() == 0; }));
}

TEST_CASE("the count drops once ZeroMQ lets go over tcp", "[reply_budget]") {
    ReplyBudget budget(100000000, 100000000);
    SocketPair pair("tcp://127.0.0.1:*");
    constexpr std::size_t size = 1 << 20;
    for (int i = 0; i < 4; ++i)
        REQUIRE(
            pair.sender.send(budget.charge("alice", frame_of(size, char('a' + i))), zmq::send_flags::none));
    for (int i = 0; i < 4; ++i) {
        auto received = pair.receive();
        REQUIRE(received);
        CHECK(received->size() == size);
        CHECK(static_cast<const char *>(received->data())[size - 1] == char('a' + i));
    }
    // Everything arrived, so everything was written: ZeroMQ frees the sent messages then.
    CHECK(eventually([&] { return budget.in_flight("alice") == 0 && budget.total() == 0; }));
}

TEST_CASE("a message dropped with its socket is let go", "[reply_budget]") {
    ReplyBudget budget(1000000, 1000000);
    {
        zmq::context_t context;
        zmq::socket_t sender(context, zmq::socket_type::push);
        sender.set(zmq::sockopt::linger, 0);
        sender.connect("tcp://127.0.0.1:1"); // nobody there: the message waits in the pipe
        REQUIRE(sender.send(budget.charge("alice", frame_of(5000)), zmq::send_flags::dontwait));
        CHECK(budget.in_flight("alice") == 5000);
    } // the socket and its context go, and the queued message with them
    CHECK(budget.in_flight("alice") == 0);
    CHECK(budget.total() == 0);
}

TEST_CASE("the per-requester bound closes open", "[reply_budget]") {
    ReplyBudget budget(1000, 1000000);
    std::vector<zmq::message_t> out;
    out.push_back(budget.charge("alice", frame_of(600)));
    CHECK(budget.open("alice")); // 600 < 1000
    out.push_back(budget.charge("alice", frame_of(399)));
    CHECK(budget.open("alice")); // 999 < 1000
    out.push_back(budget.charge("alice", frame_of(1)));
    CHECK_FALSE(budget.open("alice")); // 1000: at the bound
    CHECK(budget.open("bob"));         // others are not held up by alice
    out.push_back(budget.charge("bob", frame_of(10)));
    CHECK(budget.open("bob"));

    out.erase(out.begin()); // 600 let go
    CHECK(budget.in_flight("alice") == 400);
    CHECK(budget.open("alice"));
}

TEST_CASE("the total bound closes open", "[reply_budget]") {
    ReplyBudget budget(1000, 1500);
    std::vector<zmq::message_t> out;
    out.push_back(budget.charge("alice", frame_of(800)));
    out.push_back(budget.charge("bob", frame_of(700)));
    CHECK(budget.total() == 1500);
    // Both are under their own bound, but the total is full.
    CHECK_FALSE(budget.open("alice"));
    CHECK_FALSE(budget.open("bob"));

    out.pop_back(); // bob's 700 let go
    CHECK(budget.total() == 800);
    CHECK(budget.open("alice"));
    CHECK(budget.open("bob"));
}

TEST_CASE("a requester with nothing out is always open", "[reply_budget]") {
    ReplyBudget budget(1000, 1500);
    // One reply larger than both bounds is still allowed, once.
    zmq::message_t big = budget.charge("alice", frame_of(100000));
    CHECK(budget.in_flight("alice") == 100000);
    CHECK(budget.total() == 100000);
    CHECK_FALSE(budget.open("alice"));
    // Others with nothing out are not stuck behind it: each may have its one reply.
    CHECK(budget.open("bob"));
    CHECK(budget.open("carol"));
    big = zmq::message_t();
    CHECK(budget.open("alice"));

    // A budget of nothing still lets one reply out at a time.
    ReplyBudget none(0, 0);
    CHECK(none.open("alice"));
    zmq::message_t one = none.charge("alice", frame_of(1));
    CHECK_FALSE(none.open("alice"));
    one = zmq::message_t();
    CHECK(none.open("alice"));
}

TEST_CASE("forget_idle forgets only requesters with nothing out", "[reply_budget]") {
    ReplyBudget budget(1000, 1000000);
    zmq::message_t alice = budget.charge("alice", frame_of(10));
    std::optional<zmq::message_t> bob(budget.charge("bob", frame_of(20)));
    bob.reset();
    budget.forget_idle();
    CHECK(budget.in_flight("alice") == 10);
    CHECK(budget.in_flight("bob") == 0);
    CHECK(budget.total() == 10);
    CHECK(budget.open("bob"));

    // A requester forgotten and charged again starts from nothing, and the old counters are
    // not disturbed by messages let go afterwards.
    zmq::message_t bob_again = budget.charge("bob", frame_of(5));
    CHECK(budget.in_flight("bob") == 5);
    alice = zmq::message_t();
    budget.forget_idle();
    CHECK(budget.in_flight("alice") == 0);
    CHECK(budget.in_flight("bob") == 5);
    CHECK(budget.total() == 5);
}

TEST_CASE("a message outlives its budget", "[reply_budget]") {
    // ZeroMQ may let go of a message after the serving loop (and its budget) ended.
    std::optional<zmq::message_t> kept;
    {
        ReplyBudget budget(1000, 1000);
        kept = budget.charge("alice", frame_of(100, 'k'));
    }
    CHECK(kept->to_string() == std::string(100, 'k'));
    kept.reset(); // frees into counters the message kept alive
}

TEST_CASE("messages let go on another thread are counted off", "[reply_budget]") {
    // ZeroMQ frees messages on its I/O threads: the counters are shared atomics.
    ReplyBudget budget(1u << 30, 1u << 30);
    std::vector<zmq::message_t> messages;
    for (int i = 0; i < 1000; ++i)
        messages.push_back(budget.charge(i % 2 ? "alice" : "bob", frame_of(100)));
    CHECK(budget.total() == 100000);
    std::vector<zmq::message_t> half(std::make_move_iterator(messages.begin() + 500),
                                     std::make_move_iterator(messages.end()));
    messages.resize(500);
    std::thread other([moved = std::move(half)]() mutable { moved.clear(); });
    messages.clear();
    other.join();
    CHECK(budget.total() == 0);
    CHECK(budget.in_flight("alice") == 0);
    CHECK(budget.in_flight("bob") == 0);
}
