#include <catch2/catch.hpp>

#include "curve_keys.hpp"
#include "curve_socket.hpp"
#include "handshake_monitor.hpp"
#include "reactor.hpp"
#include "zap_handler.hpp"

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>
#include <zmq.hpp>

using namespace zshare;
using namespace zshare::protocol;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

/// A message that reached the server's ROUTER.
struct Arrival {
    std::string payload; ///< its one frame
    std::string user_id; ///< the User-Id ZeroMQ gave it
};

/// A request the handler passed on, with the answer kept for later.
struct Pending {
    ZapHandler::Request request;
    ZapHandler::Answer answer;
};

/// A context with a ZapHandler that keeps every request for the test to answer, and a CURVE
/// ROUTER on the loopback whose handshakes it decides.
struct Server {
    zmq::context_t context;
    Reactor reactor;
    std::vector<Pending> pending;
    std::unique_ptr<ZapHandler> handler;
    KeyPair keys = make_key_pair();
    zmq::socket_t router{context, zmq::socket_type::router};
    std::string endpoint;
    std::vector<Arrival> arrivals;
    Reactor::Watch watch;

    explicit Server(bool with_handler = true) {
        if (with_handler)
            handler =
                std::make_unique<ZapHandler>(context, reactor, [this](const auto &request, auto answer) {
                    pending.push_back({request, std::move(answer)});
                });
        router.set(zmq::sockopt::linger, 0);
        make_curve_server(router, keys, "test-domain");
        router.bind("tcp://127.0.0.1:*");
        endpoint = router.get(zmq::sockopt::last_endpoint);
        watch = reactor.watch(router, [this] { on_readable(); });
    }
    ~Server() {
        watch.reset();
        pending.clear();
        handler.reset();
    }
    Server(const Server &) = delete;
    Server &operator=(const Server &) = delete;

    void on_readable() {
        for (;;) {
            zmq::message_t id, payload;
            if (!router.recv(id, zmq::recv_flags::dontwait))
                return;
            REQUIRE(id.more());
            REQUIRE(router.recv(payload, zmq::recv_flags::dontwait));
            arrivals.push_back({payload.to_string(), user_id_of(payload)});
        }
    }

    /// Returns: the pending request of `key`, or null.
    Pending *pending_of(const std::string &key) {
        for (auto &entry : pending)
            if (entry.request.key == key)
                return &entry;
        return nullptr;
    }

    /// Returns: the arrival with `payload`, or null.
    const Arrival *arrival(const std::string &payload) const {
        for (const auto &entry : arrivals)
            if (entry.payload == payload)
                return &entry;
        return nullptr;
    }

    /// Turns the loop until `done()` or `limit`. Returns: done().
    template <class Done> bool run_until(Done done, Clock::duration limit = 5s) {
        const auto deadline = Clock::now() + limit;
        while (!done() && Clock::now() < deadline)
            reactor.run_once(10ms);
        return done();
    }
    void run_for(Clock::duration time) {
        run_until([] { return false; }, time);
    }
};

/// A DEALER with its handshakes watched.
struct Client {
    zmq::socket_t dealer;
    std::vector<HandshakeMonitor::Event> events;
    std::unique_ptr<HandshakeMonitor> monitor;

    Client(zmq::context_t &context, Reactor &reactor) : dealer(context, zmq::socket_type::dealer) {
        dealer.set(zmq::sockopt::linger, 0);
        monitor = std::make_unique<HandshakeMonitor>(context, reactor, dealer,
                                                     [this](const auto &event) { events.push_back(event); });
    }
    HandshakeFailure failure() const {
        for (const auto &event : events)
            if (event.failure() != HandshakeFailure::none)
                return event.failure();
        return HandshakeFailure::none;
    }
    bool succeeded() const {
        for (const auto &event : events)
            if (event.succeeded())
                return true;
        return false;
    }
};

} // namespace

TEST_CASE("the zap handler passes on what the handshake tells", "[zap_handler]") {
    Server server;
    const KeyPair alice = make_key_pair();
    zmq::context_t client_context;
    Client client(client_context, server.reactor);
    make_curve_client(client.dealer, alice, server.keys.public_key);
    client.dealer.connect(server.endpoint);

    REQUIRE(server.run_until([&] { return !server.pending.empty(); }));
    REQUIRE(server.pending.size() == 1);
    const ZapHandler::Request &request = server.pending[0].request;
    CHECK(request.domain == "test-domain");
    CHECK(request.address == "127.0.0.1");
    CHECK(request.mechanism == "CURVE");
    CHECK(request.key == alice.public_key);
    server.pending[0].answer(true, "alice");
    CHECK(server.run_until([&] { return client.succeeded(); }));
}

TEST_CASE("zap answers may come later and in any order", "[zap_handler]") {
    Server server;
    const KeyPair alice = make_key_pair(), bob = make_key_pair();
    zmq::context_t client_context;
    Client a(client_context, server.reactor), b(client_context, server.reactor);
    make_curve_client(a.dealer, alice, server.keys.public_key);
    make_curve_client(b.dealer, bob, server.keys.public_key);
    a.dealer.connect(server.endpoint);
    b.dealer.connect(server.endpoint);
    REQUIRE(a.dealer.send(zmq::str_buffer("from alice"), zmq::send_flags::none));
    REQUIRE(b.dealer.send(zmq::str_buffer("from bob"), zmq::send_flags::none));

    // Both asked about; neither answered yet: nothing gets through.
    REQUIRE(server.run_until([&] { return server.pending.size() == 2; }));
    server.run_for(200ms);
    CHECK(server.arrivals.empty());
    REQUIRE(server.pending_of(alice.public_key));
    REQUIRE(server.pending_of(bob.public_key));

    // The second first.
    server.pending_of(bob.public_key)->answer(true, "bob-user");
    REQUIRE(server.run_until([&] { return server.arrival("from bob") != nullptr; }));
    CHECK(server.arrival("from bob")->user_id == "bob-user");
    CHECK(server.arrival("from alice") == nullptr); // still waiting for its answer

    server.pending_of(alice.public_key)->answer(true, "alice-user");
    REQUIRE(server.run_until([&] { return server.arrival("from alice") != nullptr; }));
    CHECK(server.arrival("from alice")->user_id == "alice-user");
    CHECK(server.arrivals.size() == 2);
    CHECK(a.failure() == HandshakeFailure::none);
    CHECK(b.failure() == HandshakeFailure::none);
}

TEST_CASE("a refused client's messages never arrive", "[zap_handler]") {
    Server server;
    const KeyPair mallory = make_key_pair(), alice = make_key_pair();
    zmq::context_t client_context;
    Client refused(client_context, server.reactor), admitted(client_context, server.reactor);
    make_curve_client(refused.dealer, mallory, server.keys.public_key);
    make_curve_client(admitted.dealer, alice, server.keys.public_key);
    refused.dealer.connect(server.endpoint);
    admitted.dealer.connect(server.endpoint);
    for (int i = 0; i < 10; ++i)
        REQUIRE(refused.dealer.send(zmq::str_buffer("mallory"), zmq::send_flags::dontwait));
    REQUIRE(admitted.dealer.send(zmq::str_buffer("alice"), zmq::send_flags::none));

    REQUIRE(server.run_until([&] { return server.pending.size() == 2; }));
    server.pending_of(mallory.public_key)->answer(false, {});
    server.pending_of(alice.public_key)->answer(true, alice.public_key);

    REQUIRE(server.run_until([&] { return refused.failure() != HandshakeFailure::none; }));
    CHECK(refused.failure() == HandshakeFailure::refused);
    CHECK_FALSE(refused.succeeded());
    REQUIRE(server.run_until([&] { return server.arrival("alice") != nullptr; }));
    CHECK(server.arrival("alice")->user_id == alice.public_key);

    (void)refused.dealer.send(zmq::str_buffer("mallory"), zmq::send_flags::dontwait);
    server.run_for(300ms);
    CHECK(server.arrival("mallory") == nullptr);
    CHECK(server.arrivals.size() == 1);
    // A refusal is final: the client does not come back to ask again.
    CHECK(server.pending.size() == 2);
}

TEST_CASE("the zap handler refuses other mechanisms without asking", "[zap_handler]") {
    Server server;
    // A PLAIN server in the same context: its handshakes come to the same handler.
    zmq::socket_t plain_server(server.context, zmq::socket_type::router);
    plain_server.set(zmq::sockopt::linger, 0);
    plain_server.set(zmq::sockopt::plain_server, 1);
    plain_server.set(zmq::sockopt::zap_domain, "plain-domain");
    plain_server.bind("tcp://127.0.0.1:*");
    zmq::context_t client_context;
    Client client(client_context, server.reactor);
    client.dealer.set(zmq::sockopt::plain_username, "alice");
    client.dealer.set(zmq::sockopt::plain_password, "secret");
    client.dealer.connect(plain_server.get(zmq::sockopt::last_endpoint));
    REQUIRE(client.dealer.send(zmq::str_buffer("plain"), zmq::send_flags::none));

    REQUIRE(server.run_until([&] { return client.failure() != HandshakeFailure::none; }));
    CHECK(client.failure() == HandshakeFailure::refused);
    CHECK(server.pending.empty()); // never passed on
    zmq::message_t message;
    CHECK_FALSE(plain_server.recv(message, zmq::recv_flags::dontwait));
}

TEST_CASE("answers given after the handler is gone are dropped", "[zap_handler]") {
    Server server;
    zmq::context_t client_context;
    Client client(client_context, server.reactor);
    make_curve_client(client.dealer, make_key_pair(), server.keys.public_key);
    client.dealer.connect(server.endpoint);
    REQUIRE(client.dealer.send(zmq::str_buffer("late"), zmq::send_flags::none));
    REQUIRE(server.run_until([&] { return !server.pending.empty(); }));

    ZapHandler::Answer answer = std::move(server.pending[0].answer);
    server.pending.clear();
    server.handler.reset();
    answer(true, "too late"); // must do nothing (its socket is gone)
    server.run_for(200ms);
    CHECK(server.arrivals.empty());
}

TEST_CASE("without a zap handler a curve server admits no one", "[zap_handler]") {
    // ZMQ_ZAP_ENFORCE_DOMAIN: a missing handler must never mean "everyone in".
    Server server(false);
    HandshakeFailure failure = HandshakeFailure::none;
    HandshakeMonitor server_monitor(server.context, server.reactor, server.router, [&](const auto &event) {
        if (failure == HandshakeFailure::none)
            failure = event.failure();
    });
    zmq::context_t client_context;
    Client client(client_context, server.reactor);
    make_curve_client(client.dealer, make_key_pair(), server.keys.public_key);
    client.dealer.connect(server.endpoint);
    REQUIRE(client.dealer.send(zmq::str_buffer("anyone?"), zmq::send_flags::none));

    REQUIRE(server.run_until([&] { return failure != HandshakeFailure::none || !server.arrivals.empty(); }));
    CHECK(failure != HandshakeFailure::none);
    server.run_for(300ms);
    CHECK(server.arrivals.empty());
    CHECK_FALSE(client.succeeded());
}
