#include <catch2/catch.hpp>

#include "curve_keys.hpp"
#include "curve_socket.hpp"
#include "file_server_gate.hpp"
#include "handshake_monitor.hpp"
#include "member_keys.hpp"
#include "mirror.hpp"
#include "reactor.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>
#include <zmq.hpp>

using namespace zshare;
using namespace zshare::protocol;
using namespace std::chrono_literals;
using node::FileServerGate;
using node::MemberKeys;
using Clock = std::chrono::steady_clock;

namespace {

/// A message that reached the file server's ROUTER.
struct Arrival {
    std::string routing_id; ///< the connection it came on
    std::string payload;    ///< its one frame
    std::string user_id;    ///< the User-Id ZeroMQ gave it
};

/// The node's side: a context whose CURVE handshakes the gate answers, in `reactor`, for a
/// ROUTER bound on the loopback, as the file server is made.
struct Server {
    zmq::context_t context;
    Reactor reactor;
    MemberKeys members;
    KeyPair keys = make_key_pair();
    FileServerGate gate;
    zmq::socket_t router{context, zmq::socket_type::router};
    std::string endpoint;
    std::vector<Arrival> arrivals;
    Reactor::Watch watch;

    explicit Server(std::chrono::milliseconds patience) : gate(context, reactor, members, patience) {
        router.set(zmq::sockopt::linger, 0);
        make_curve_server(router, keys, "zshare-files");
        router.bind("tcp://127.0.0.1:*");
        endpoint = router.get(zmq::sockopt::last_endpoint);
        watch = reactor.watch(router, [this] { on_readable(); });
    }

    void on_readable() {
        for (;;) {
            zmq::message_t id, payload;
            if (!router.recv(id, zmq::recv_flags::dontwait))
                return;
            REQUIRE(id.more());
            REQUIRE(router.recv(payload, zmq::recv_flags::dontwait));
            arrivals.push_back({id.to_string(), payload.to_string(), user_id_of(payload)});
        }
    }

    /// Turns the loop until `done()` or `limit`. Returns: done().
    template <class Done> bool run_until(Done done, Clock::duration limit = 5s) {
        const auto deadline = Clock::now() + limit;
        while (!done() && Clock::now() < deadline)
            reactor.run_once(10ms);
        return done();
    }

    /// Turns the loop for `time` (to see that something does not happen).
    void run_for(Clock::duration time) {
        run_until([] { return false; }, time);
    }

    /// Returns: true while the gate holds an unknown key (its deadline is the loop's only timer).
    bool holding() const { return reactor.next_deadline().has_value(); }
};

/// A downloader's DEALER in a context of its own, with its handshakes watched.
struct Client {
    zmq::socket_t dealer;
    std::vector<HandshakeMonitor::Event> events;
    std::unique_ptr<HandshakeMonitor> monitor;

    /// A CURVE client presenting `keys` (or a plain one without).
    Client(zmq::context_t &context, Reactor &reactor, const Server &server,
           const std::optional<KeyPair> &keys)
        : dealer(context, zmq::socket_type::dealer) {
        dealer.set(zmq::sockopt::linger, 0);
        if (keys)
            make_curve_client(dealer, *keys, server.keys.public_key);
        monitor = std::make_unique<HandshakeMonitor>(context, reactor, dealer,
                                                     [this](const auto &event) { events.push_back(event); });
        dealer.connect(server.endpoint);
    }
    ~Client() { monitor.reset(); }
    Client(const Client &) = delete;
    Client &operator=(const Client &) = delete;

    /// Returns: the first handshake failure seen, or none.
    HandshakeFailure failure() const {
        for (const auto &event : events)
            if (event.failure() != HandshakeFailure::none)
                return event.failure();
        return HandshakeFailure::none;
    }
    /// Returns: the first failure event, if any.
    const HandshakeMonitor::Event *failure_event() const {
        for (const auto &event : events)
            if (event.failure() != HandshakeFailure::none)
                return &event;
        return nullptr;
    }
    bool succeeded() const {
        for (const auto &event : events)
            if (event.succeeded())
                return true;
        return false;
    }
};

} // namespace

TEST_CASE("the gate admits a key of the table at once", "[file_server_gate]") {
    Server server(10s);
    const KeyPair alice = make_key_pair();
    server.members.replace({{alice.public_key, "alice"}});
    zmq::context_t client_context;
    Client client(client_context, server.reactor, server, alice);

    const auto start = Clock::now();
    REQUIRE(client.dealer.send(zmq::str_buffer("hello"), zmq::send_flags::none));
    REQUIRE(server.run_until([&] { return !server.arrivals.empty(); }));
    CHECK(Clock::now() - start < 5s); // not after the patience
    CHECK(server.arrivals[0].payload == "hello");
    CHECK(server.arrivals[0].user_id == alice.public_key);
    CHECK_FALSE(server.holding());

    // The connection works both ways.
    REQUIRE(server.router.send(zmq::buffer(server.arrivals[0].routing_id), zmq::send_flags::sndmore));
    REQUIRE(server.router.send(zmq::str_buffer("welcome"), zmq::send_flags::none));
    zmq::message_t reply;
    bool replied = false;
    REQUIRE(server.run_until([&] {
        if (!replied)
            replied = client.dealer.recv(reply, zmq::recv_flags::dontwait).has_value();
        return replied;
    }));
    CHECK(reply.to_string() == "welcome");
    CHECK(server.run_until([&] { return client.succeeded(); }));
    CHECK(client.failure() == HandshakeFailure::none);
}

TEST_CASE("the gate admits every key of the table, each with its own user id", "[file_server_gate]") {
    Server server(10s);
    const KeyPair alice = make_key_pair(), bob = make_key_pair();
    server.members.replace({{alice.public_key, "alice"}, {bob.public_key, "bob"}});
    zmq::context_t client_context;
    Client a(client_context, server.reactor, server, alice);
    Client b(client_context, server.reactor, server, bob);
    REQUIRE(a.dealer.send(zmq::str_buffer("from alice"), zmq::send_flags::none));
    REQUIRE(b.dealer.send(zmq::str_buffer("from bob"), zmq::send_flags::none));
    REQUIRE(server.run_until([&] { return server.arrivals.size() == 2; }));
    for (const auto &arrival : server.arrivals) {
        if (arrival.payload == "from alice")
            CHECK(arrival.user_id == alice.public_key);
        else
            CHECK(arrival.user_id == bob.public_key);
    }
}

TEST_CASE("the gate holds an unknown key, then refuses it after the patience", "[file_server_gate]") {
    constexpr auto patience = 400ms;
    Server server(patience);
    const KeyPair stranger = make_key_pair();
    const KeyPair alice = make_key_pair();
    server.members.replace({{alice.public_key, "alice"}});
    zmq::context_t client_context;
    Client client(client_context, server.reactor, server, stranger);
    const auto start = Clock::now();
    REQUIRE(client.dealer.send(zmq::str_buffer("let me in"), zmq::send_flags::none));

    // Held: not refused at once.
    REQUIRE(server.run_until([&] { return server.holding() || client.failure() != HandshakeFailure::none; }));
    CHECK(server.holding());
    CHECK(client.failure() == HandshakeFailure::none);

    // A change of the table that does not list it lets nothing in.
    server.members.replace({{alice.public_key, "alice"}, {make_key_pair().public_key, "bob"}});
    server.gate.on_table_changed();
    CHECK(server.holding());

    REQUIRE(server.run_until([&] { return client.failure() != HandshakeFailure::none; }));
    CHECK(Clock::now() - start >= patience);
    CHECK(client.failure() == HandshakeFailure::refused);
    REQUIRE(client.failure_event() != nullptr);
    CHECK(client.failure_event()->value == 400);
    CHECK_FALSE(client.succeeded());
    CHECK_FALSE(server.holding());

    // Refused for good: nothing it sent, or sends now, arrives.
    (void)client.dealer.send(zmq::str_buffer("still me"), zmq::send_flags::dontwait);
    server.run_for(300ms);
    CHECK(server.arrivals.empty());
}

TEST_CASE("set_patience changes how long an unknown key waits", "[file_server_gate]") {
    Server server(60s);
    server.gate.set_patience(100ms);
    zmq::context_t client_context;
    Client client(client_context, server.reactor, server, make_key_pair());
    REQUIRE(client.dealer.send(zmq::str_buffer("hello"), zmq::send_flags::none));
    const auto start = Clock::now();
    REQUIRE(server.run_until([&] { return client.failure() != HandshakeFailure::none; }));
    CHECK(Clock::now() - start < 10s);
    CHECK(client.failure() == HandshakeFailure::refused);
    CHECK(server.arrivals.empty());
}

TEST_CASE("an unknown key that joins the table while held is admitted", "[file_server_gate]") {
    Server server(20s);
    const KeyPair newcomer = make_key_pair();
    zmq::context_t client_context;
    Client client(client_context, server.reactor, server, newcomer);
    const auto start = Clock::now();
    REQUIRE(client.dealer.send(zmq::str_buffer("just registered"), zmq::send_flags::none));

    REQUIRE(server.run_until([&] { return server.holding(); }));
    server.run_for(100ms);
    CHECK(server.arrivals.empty()); // held, not admitted
    CHECK(client.failure() == HandshakeFailure::none);

    // The mirror catches up.
    server.members.replace({{newcomer.public_key, "newcomer"}});
    server.gate.on_table_changed();
    REQUIRE(server.run_until([&] { return !server.arrivals.empty(); }));
    CHECK(Clock::now() - start < 10s); // long before the patience
    CHECK(server.arrivals[0].payload == "just registered");
    CHECK(server.arrivals[0].user_id == newcomer.public_key);
    CHECK(server.run_until([&] { return client.succeeded(); }));
    CHECK(client.failure() == HandshakeFailure::none);
}

TEST_CASE("a table change admits only the held keys it lists", "[file_server_gate]") {
    Server server(20s);
    const KeyPair first = make_key_pair(), second = make_key_pair();
    zmq::context_t client_context;
    Client a(client_context, server.reactor, server, first);
    Client b(client_context, server.reactor, server, second);
    REQUIRE(a.dealer.send(zmq::str_buffer("a"), zmq::send_flags::none));
    REQUIRE(b.dealer.send(zmq::str_buffer("b"), zmq::send_flags::none));
    REQUIRE(server.run_until([&] { return server.holding(); }));
    // Whether the second request is in yet or not, the outcome is the same: a key the table
    // lists is admitted (now, or when it asks), one it does not is held.

    server.members.replace({{second.public_key, "second"}});
    server.gate.on_table_changed();
    REQUIRE(server.run_until([&] { return !server.arrivals.empty(); }));
    server.run_for(200ms);
    REQUIRE(server.arrivals.size() == 1);
    CHECK(server.arrivals[0].payload == "b");
    CHECK(server.arrivals[0].user_id == second.public_key);
    CHECK(server.holding()); // the first still waits
    CHECK(a.failure() == HandshakeFailure::none);

    server.members.replace({{second.public_key, "second"}, {first.public_key, "first"}});
    server.gate.on_table_changed();
    REQUIRE(server.run_until([&] { return server.arrivals.size() == 2; }));
    CHECK(server.arrivals[1].payload == "a");
    CHECK(server.arrivals[1].user_id == first.public_key);
}

TEST_CASE("a plain client gets nothing through the gate", "[file_server_gate]") {
    Server server(10s);
    zmq::context_t client_context;
    Client client(client_context, server.reactor, server, std::nullopt);
    REQUIRE(client.dealer.send(zmq::str_buffer("plain hello"), zmq::send_flags::none));
    REQUIRE(server.run_until([&] { return client.failure() != HandshakeFailure::none; }));
    // Which side notices first is a race: the client sees the mechanism mismatch (protocol),
    // or the server hanging up on it mid-handshake (no detail).
    CHECK(client.failure() != HandshakeFailure::refused);
    CHECK_FALSE(server.holding()); // never even asked about
    server.run_for(300ms);
    CHECK(server.arrivals.empty());
    CHECK_FALSE(client.succeeded());
}

TEST_CASE("a member with the wrong server key gets nothing through", "[file_server_gate]") {
    Server server(10s);
    const KeyPair alice = make_key_pair();
    server.members.replace({{alice.public_key, "alice"}});
    HandshakeFailure failure = HandshakeFailure::none;
    HandshakeMonitor server_monitor(server.context, server.reactor, server.router, [&](const auto &event) {
        if (failure == HandshakeFailure::none)
            failure = event.failure();
    });
    zmq::context_t client_context;
    zmq::socket_t dealer(client_context, zmq::socket_type::dealer);
    dealer.set(zmq::sockopt::linger, 0);
    make_curve_client(dealer, alice, make_key_pair().public_key); // not the server's
    dealer.connect(server.endpoint);
    REQUIRE(dealer.send(zmq::str_buffer("hello"), zmq::send_flags::none));
    // The server cannot open the client's HELLO: the handshake fails on its side.
    REQUIRE(server.run_until([&] { return failure != HandshakeFailure::none; }));
    CHECK_FALSE(server.holding()); // the gate was never asked
    server.run_for(200ms);
    CHECK(server.arrivals.empty());
}

TEST_CASE("past 256 held keys, strangers are refused at once", "[file_server_gate]") {
    // A flood of strangers must not grow the held list without bound.
    Server server(60s);
    int refused = 0;
    HandshakeMonitor server_monitor(server.context, server.reactor, server.router, [&](const auto &event) {
        if (event.failure() == HandshakeFailure::refused)
            ++refused;
    });
    zmq::context_t client_context;
    std::vector<std::unique_ptr<zmq::socket_t>> strangers;
    const auto start = Clock::now();
    for (int i = 0; i < 260; ++i) {
        auto dealer = std::make_unique<zmq::socket_t>(client_context, zmq::socket_type::dealer);
        dealer->set(zmq::sockopt::linger, 0);
        make_curve_client(*dealer, make_key_pair(), server.keys.public_key);
        dealer->connect(server.endpoint);
        strangers.push_back(std::move(dealer));
    }
    REQUIRE(server.run_until([&] { return refused >= 4; }, 30s));
    CHECK(Clock::now() - start < 30s); // long before the patience
    server.run_for(200ms);
    CHECK(refused == 4); // 256 held, the rest refused
    CHECK(server.holding());

    // A member is still let in at once.
    const KeyPair alice = make_key_pair();
    server.members.replace({{alice.public_key, "alice"}});
    Client client(client_context, server.reactor, server, alice);
    REQUIRE(client.dealer.send(zmq::str_buffer("member"), zmq::send_flags::none));
    REQUIRE(server.run_until([&] { return !server.arrivals.empty(); }));
    CHECK(server.arrivals[0].user_id == alice.public_key);
}

TEST_CASE("keys_of lists the keys of the mirror's users", "[file_server_gate]") {
    node::Mirror mirror;
    const std::string alice = make_key_pair().public_key, bob = make_key_pair().public_key;
    PeerInfo a{"alice", "tcp://1.1.1.1:1", {}, alice};
    PeerInfo b{"bob", "tcp://2.2.2.2:2", {}, bob};
    PeerInfo plain{"carol", "tcp://3.3.3.3:3", {}, ""}; // no security: no key
    mirror.reset(PeerList{1, 1, {a, b, plain}});
    const MemberKeys::Map keys = FileServerGate::keys_of(mirror);
    CHECK(keys.size() == 2);
    CHECK(keys.at(alice) == "alice");
    CHECK(keys.at(bob) == "bob");
    CHECK(keys.count("") == 0);

    CHECK(FileServerGate::keys_of(node::Mirror()).empty());
}

TEST_CASE("member keys: replace and name_of", "[file_server_gate]") {
    MemberKeys keys;
    CHECK_FALSE(keys.name_of("anything"));
    keys.replace({{"k1", "alice"}, {"k2", "bob"}});
    CHECK(keys.name_of("k1") == "alice");
    CHECK(keys.name_of("k2") == "bob");
    CHECK_FALSE(keys.name_of("k3"));
    keys.replace({{"k3", "carol"}});
    CHECK_FALSE(keys.name_of("k1")); // replaced, not merged
    CHECK(keys.name_of("k3") == "carol");
    keys.replace({});
    CHECK_FALSE(keys.name_of("k3"));
}
