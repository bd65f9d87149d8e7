// The tracker as a process: names, many clients, hostile requests.
#include "cluster.hpp"
#include "reactor.hpp"
#include "wire.hpp"

#include <catch2/catch.hpp>
#include <cstdio>
#include <thread>

using namespace zshare::testing;
using namespace zshare::protocol;
using Stream = Process::Stream;

namespace {
/// A bare client: a DEALER speaking raw frames to the tracker.
struct RawClient {
    zmq::context_t context{1};
    zmq::socket_t socket;
    explicit RawClient(const TrackerProcess& tracker, const KeyPair* keys = nullptr)
        : socket(connect_to_tracker(context, tracker, keys)) {}
    Decoded ask_bytes(const std::string& bytes) {
        socket.send(zmq::buffer(bytes), zmq::send_flags::none);
        zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
        zmq::poll(&item, 1, std::chrono::milliseconds(10000));
        auto reply = receive(socket);
        REQUIRE(reply);
        return *reply;
    }
    Decoded ask(const Message& message) { return ask_bytes(encode(message)); }
};

std::string error_code_of(const Decoded& reply) {
    REQUIRE(reply);
    const auto* error = std::get_if<Error>(&*reply.message);
    REQUIRE(error);
    return error->code;
}
} // namespace

TEST_CASE("a taken name is refused and the holder keeps it", "[tracker]") {
    TempDir dir;
    TrackerProcess tracker;
    auto alice = start_node(tracker, "alice", dir.path);
    auto impostor = start_node(tracker, "alice", dir.path, {}, false);
    CHECK(impostor->wait_exit() == 2);
    CHECK(impostor->text(Stream::err).find("error: the tracker refused 'alice': the name 'alice' is held by "
                                           "another live node") != std::string::npos);
    // The first holder is not disturbed: still listed, still working.
    CHECK(eventually_shows(*alice, "list-users", "alice - 127.0.0.1:"));
    alice->close_stdin();
    CHECK(alice->wait_exit() == 0);
    // Once it left, the name is free again.
    auto again = start_node(tracker, "alice", dir.path);
    again->close_stdin();
    CHECK(again->wait_exit() == 0);
}

TEST_CASE("invalid names are refused", "[tracker]") {
    TempDir dir;
    TrackerProcess tracker;
    for (const std::string& name : std::vector<std::string>{"has space", "-dash", std::string(65, 'x'), "sl/ash"}) {
        auto node = start_node(tracker, name, dir.path, {}, false);
        CHECK(node->wait_exit() == 2);
        CHECK(node->text(Stream::err).find("error: invalid name") != std::string::npos);
    }
}

TEST_CASE("many nodes at once", "[tracker]") {
    TempDir dir;
    TrackerProcess tracker;
    std::vector<std::unique_ptr<Process>> nodes;
    constexpr int count = 12;
    for (int i = 0; i < count; ++i) {
        write_file(dir / ("n" + std::to_string(i) + "/file.txt"), "content " + std::to_string(i));
        nodes.push_back(start_node(tracker, "n" + std::to_string(i), dir / ("n" + std::to_string(i)),
                                   {"--share", "file.txt"}, false));
    }
    for (int i = 0; i < count; ++i)
        REQUIRE(nodes[i]->wait_for(Stream::err, "online"));
    // Everyone sees everyone, with their files.
    for (int i = 0; i < count; ++i)
        CHECK(eventually_shows(*nodes[0], "list-files",
                               "n" + std::to_string(i) + " : " + dir.path + "/n" + std::to_string(i) +
                                   "/file.txt"));
    for (auto& node : nodes)
        node->close_stdin();
    for (auto& node : nodes)
        CHECK(node->wait_exit() == 0);
}

TEST_CASE("a node listening on every interface is advertised by its address", "[tracker]") {
    TempDir dir;
    TrackerProcess tracker;
    // The node binds tcp://*:0 (the default): the tracker fills in the address it sees.
    std::vector<std::string> argv{ZSHARE_NODE_BIN, "--name", "wild", "--key-dir", dir / "keys"};
    for (const auto& arg : tracker.client_args())
        argv.push_back(arg);
    Process node(argv, dir.path);
    REQUIRE(node.wait_for(Stream::err, "wild online, serving on tcp://127.0.0.1:"));
    CHECK(eventually_shows(node, "list-users", "wild - 127.0.0.1:"));
}

TEST_CASE("hostile requests get error replies and change nothing", "[tracker]") {
    TempDir dir;
    TrackerProcess tracker;
    auto alice = start_node(tracker, "alice", dir.path);
    RawClient raw(tracker);

    CHECK(error_code_of(raw.ask_bytes("")) == "bad_message");
    CHECK(error_code_of(raw.ask_bytes("garbage")) == "bad_message");
    CHECK(error_code_of(raw.ask_bytes(std::string("\xdd\xff\xff\xff\xff", 5))) == "bad_message");
    CHECK(error_code_of(raw.ask_bytes(encode(Hello{}) + "x")) == "bad_message");
    CHECK(error_code_of(raw.ask_bytes(std::string("\x93\x01\xa4Nope\x80", 8))) == "bad_message");
    const char newer = static_cast<char>(protocol_version + 1);
    CHECK(error_code_of(raw.ask_bytes(std::string("\x93") + newer + std::string("\xa5Hello\x80", 7))) == "bad_message");
    CHECK(error_code_of(raw.ask(Ack{3})) == "unexpected");
    CHECK(error_code_of(raw.ask(UpdateFiles{{{"/x", 1}}})) == "not_connected");
    CHECK(error_code_of(raw.ask(Connect{"mallory", "not-an-endpoint", {}})) == "bad_message");
    CHECK(error_code_of(raw.ask(Connect{"mallory", "tcp://127.0.0.1:5", {{"relative/path", 1}}})) ==
          "bad_message");
    CHECK(error_code_of(raw.ask(Connect{"alice", "tcp://127.0.0.1:5", {}})) == "name_taken");

    // A multi-frame request is refused too, and the tracker still answers afterwards.
    raw.socket.send(zmq::str_buffer("a"), zmq::send_flags::sndmore);
    raw.socket.send(zmq::str_buffer("b"), zmq::send_flags::none);
    zmq::pollitem_t item{raw.socket.handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, std::chrono::milliseconds(10000));
    auto reply = receive(raw.socket);
    REQUIRE(reply);
    CHECK(error_code_of(*reply) == "bad_message");

    std::string error;
    const auto list = fetch_snapshot(raw.socket, error);
    INFO(error);
    REQUIRE(list);
    REQUIRE(list->peers.size() == 1);
    CHECK(list->peers[0].name == "alice");
    CHECK(eventually_shows(*alice, "list-users", "alice - 127.0.0.1:"));
}

TEST_CASE("raw client register, update, disconnect", "[tracker]") {
    TrackerProcess tracker;
    RawClient raw(tracker);
    const Decoded welcome = raw.ask(Hello{});
    REQUIRE(welcome);
    const auto* hello = std::get_if<Welcome>(&*welcome.message);
    REQUIRE(hello);
    CHECK(hello->publish == tracker.events());
    CHECK(hello->seq == 0);

    const Decoded connected = raw.ask(Connect{"raw", "tcp://0.0.0.0:4242", {{"/a", 1}}});
    REQUIRE(connected);
    const auto* ok = std::get_if<Connected>(&*connected.message);
    REQUIRE(ok);
    CHECK(ok->endpoint == "tcp://127.0.0.1:4242");
    CHECK(ok->seq == 1);
    CHECK(ok->epoch == hello->epoch);

    const Decoded updated = raw.ask(UpdateFiles{{{"/a", 1}, {"/b", 2}}});
    REQUIRE(updated);
    REQUIRE(std::get_if<Ack>(&*updated.message));
    CHECK(std::get<Ack>(*updated.message).seq == 2);

    CHECK(error_code_of(raw.ask(Connect{"other", "tcp://127.0.0.1:1", {}})) == "already_connected");

    const Decoded left = raw.ask(Disconnect{});
    REQUIRE(left);
    CHECK(std::get<Ack>(*left.message).seq == 3);
    std::string error;
    const auto table = fetch_snapshot(raw.socket, error);
    INFO(error);
    REQUIRE(table);
    CHECK(table->peers.empty());
    CHECK(table->parts == 0); // nothing to send but the end
    CHECK(table->seq == 3);
}

namespace {
/// The files of simulated peer `i`: `count` entries with paths of about 50 bytes.
std::vector<FileEntry> files_of_peer(int i, int count, const std::string& tag = "") {
    std::vector<FileEntry> files;
    for (int f = 0; f < count; ++f) {
        char path[96];
        std::snprintf(path, sizeof path, "/home/peer%04d/shared/%s/file-%04d.dat", i, tag.c_str(), f);
        files.push_back({path, static_cast<std::uint64_t>(f), std::string(64, "0123456789abcdef"[f % 16])});
    }
    return files;
}

/// Waits for the reply to request `id` on `socket`.
std::optional<Decoded> reply_to(zmq::socket_t& socket, std::uint64_t id) {
    for (;;) {
        zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
        if (zshare::poll_items(&item, 1, std::chrono::milliseconds(10000)) == 0)
            return std::nullopt;
        auto reply = receive(socket, table_limits());
        if (reply && reply->request_id == id)
            return reply;
    }
}
} // namespace

TEST_CASE("a big table streams in parts that agree with one position while the table moves on",
          "[tracker]") {
    TrackerProcess tracker({"--insecure", "-q"});
    zmq::context_t context(1);
    // 500 peers of 150 files: about 9 MB of rows, more than the tracker sends in one turn of its
    // loop and more than ZeroMQ's queues and the kernel's buffers hold for a reader that waits.
    constexpr int peer_count = 500, file_count = 150;
    std::vector<zmq::socket_t> peers;
    for (int i = 0; i < peer_count; ++i) {
        peers.push_back(connect_to_tracker(context, tracker));
        char name[16];
        std::snprintf(name, sizeof name, "p%04d", i);
        REQUIRE(send(peers.back(),
                     Connect{name, "tcp://127.0.0.1:" + std::to_string(20000 + i), files_of_peer(i, file_count),
                             "instance-" + std::to_string(i)},
                     1));
    }
    for (auto& peer : peers) {
        const auto connected = reply_to(peer, 1);
        REQUIRE(connected);
        REQUIRE(std::holds_alternative<Connected>(*connected->message));
    }

    // A reader that takes its time: one message queued on its side, small buffers.
    zmq::socket_t reader = make_socket(context, zmq::socket_type::dealer, 64 << 20);
    reader.set(zmq::sockopt::rcvhwm, 1);
    reader.set(zmq::sockopt::rcvbuf, 64 << 10);
    reader.connect(tracker.endpoint());
    REQUIRE(send(reader, ListPeers{}, 42));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    // Meanwhile the last peer (in the last part) changes its files and the next to last leaves.
    REQUIRE(send(peers[peer_count - 1], UpdateFiles{files_of_peer(peer_count - 1, 3, "new")}, 2));
    const auto ack = reply_to(peers[peer_count - 1], 2);
    REQUIRE(ack);
    REQUIRE(std::holds_alternative<Ack>(*ack->message));
    CHECK(std::get<Ack>(*ack->message).seq == peer_count + 1);
    REQUIRE(send(peers[peer_count - 2], Disconnect{}, 3));
    REQUIRE(reply_to(peers[peer_count - 2], 3));

    // The snapshot asked for before the changes is the table as it stood then.
    std::size_t parts = 0, rows = 0;
    std::uint64_t end_seq = 0;
    std::vector<PeerInfo> last_two;
    for (;;) {
        const auto reply = reply_to(reader, 42);
        REQUIRE(reply);
        REQUIRE(*reply);
        if (const auto* part = std::get_if<PeerList>(&*reply->message)) {
            ++parts;
            CHECK(part->seq == peer_count);
            for (const auto& peer : part->peers) {
                if (peer.name >= "p0498")
                    last_two.push_back(peer);
                ++rows;
            }
            continue;
        }
        const auto* end = std::get_if<SnapshotEnd>(&*reply->message);
        REQUIRE(end);
        end_seq = end->seq;
        CHECK(end->peers == rows);
        break;
    }
    CHECK(end_seq == peer_count);
    CHECK(rows == peer_count);
    CHECK(parts > 50); // in parts of about 64 KiB
    REQUIRE(last_two.size() == 2);
    CHECK(last_two[0].name == "p0498"); // still there, as of that position
    CHECK(last_two[1].files == files_of_peer(peer_count - 1, file_count));

    // A new snapshot has the changes, and a node joining mirrors the whole table.
    std::string error;
    const auto now = fetch_snapshot(reader, error);
    INFO(error);
    REQUIRE(now);
    CHECK(now->seq == peer_count + 2);
    CHECK(now->peers.size() == peer_count - 1);
    CHECK(now->peers.back().files == files_of_peer(peer_count - 1, 3, "new"));
    auto tap = start_tap(tracker);
    CHECK(tap->wait_for(Process::Stream::out, "snapshot seq=502 end peers=499"));
}
