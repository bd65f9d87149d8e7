#include <catch2/catch.hpp>

#include "event_format.hpp"
#include "mirror.hpp"

#include <sstream>
#include <string>
#include <vector>

using namespace zshare;
using namespace zshare::protocol;
using node::Mirror;
using tools::EventPrinter;
using tools::json_string;

namespace {

std::vector<std::string> lines_of(const std::string &text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        lines.push_back(line);
    return lines;
}

Mirror two_peers() {
    Mirror mirror;
    mirror.reset(PeerList{3,
                          8,
                          {PeerInfo{"bob", "tcp://10.0.0.2:5002", {}},
                           PeerInfo{"alice", "tcp://10.0.0.1:5001", {{"/a.txt", 5}, {"/my file", 12}}}}});
    return mirror;
}

} // namespace

TEST_CASE("json string escaping", "[event_format]") {
    CHECK(json_string("") == "\"\"");
    CHECK(json_string("plain /path.txt") == "\"plain /path.txt\"");
    CHECK(json_string("say \"hi\"") == R"("say \"hi\"")");
    CHECK(json_string(R"(back\slash)") == R"("back\\slash")");
    CHECK(json_string("a\nb\rc\td") == R"("a\nb\rc\td")");
    CHECK(json_string(std::string("\0", 1)) == R"("\u0000")");
    CHECK(json_string("\x01\x1f") == R"("\u0001\u001f")");
    CHECK(json_string("\b\f") == R"("\u0008\u000c")");
    CHECK(json_string("caf\xc3\xa9") == "\"caf\xc3\xa9\""); // UTF-8 passes through
    CHECK(json_string("\x7f") == "\"\x7f\"");
    CHECK(json_string(" /") == "\" /\"");
}

TEST_CASE("text snapshot", "[event_format]") {
    std::ostringstream out;
    EventPrinter printer(out, false);
    printer.snapshot(two_peers());
    CHECK(lines_of(out.str()) ==
          std::vector<std::string>{
              "snapshot seq=8 RegisterPeer alice tcp://10.0.0.1:5001 files=2 /a.txt \"/my file\"",
              "snapshot seq=8 RegisterPeer bob tcp://10.0.0.2:5002 files=0",
              "snapshot seq=8 end peers=2",
          });
}

TEST_CASE("text empty snapshot", "[event_format]") {
    std::ostringstream out;
    EventPrinter printer(out, false);
    Mirror mirror;
    mirror.reset(PeerList{1, 0, {}});
    printer.snapshot(mirror);
    CHECK(out.str() == "snapshot seq=0 end peers=0\n");
}

TEST_CASE("text events", "[event_format]") {
    std::ostringstream out;
    EventPrinter printer(out, false);
    printer.snapshot(two_peers());
    out.str("");

    printer.event(RegisterPeer{3, 9, PeerInfo{"carol", "tcp://10.0.0.3:5003", {{"/c", 1}}}});
    CHECK(out.str() == "event seq=9 RegisterPeer carol tcp://10.0.0.3:5003 files=1 /c\n");
    out.str("");

    // A whole list shows as files, a change as what was added and removed.
    printer.event(UpdatePeer{3, 10, "carol", "tcp://10.0.0.3:5003", "", true, {{"/c", 1}, {"/d", 2}}, {}});
    CHECK(out.str() == "event seq=10 UpdatePeer carol tcp://10.0.0.3:5003 files=2 /c /d\n");
    out.str("");
    printer.event(UpdatePeer{3, 10, "carol", "tcp://10.0.0.3:5003", "", false, {{"/e f", 1}}, {"/c", "/d"}});
    CHECK(out.str() == "event seq=10 UpdatePeer carol tcp://10.0.0.3:5003 added=1 \"/e f\" removed=2 /c /d\n");
    out.str("");

    // Who left is shown with the endpoint it had, from the snapshot or from an event.
    printer.event(UnregisterPeer{3, 11, "bob"});
    CHECK(out.str() == "event seq=11 UnregisterPeer bob tcp://10.0.0.2:5002 files=0\n");
    out.str("");
    printer.event(UnregisterPeer{3, 12, "carol"});
    CHECK(out.str() == "event seq=12 UnregisterPeer carol tcp://10.0.0.3:5003 files=0\n");
    out.str("");

    // A peer never seen leaves with no endpoint.
    printer.event(UnregisterPeer{3, 13, "zed"});
    const std::string line = out.str();
    CHECK_THAT(line, Catch::StartsWith("event seq=13 UnregisterPeer zed "));
    CHECK_THAT(line, Catch::EndsWith("files=0\n"));
    CHECK_THAT(line, !Catch::Contains("tcp://"));
}

TEST_CASE("text quotes paths with blanks and quotes", "[event_format]") {
    std::ostringstream out;
    EventPrinter printer(out, false);
    printer.event(RegisterPeer{1, 1, PeerInfo{"a", "tcp://h:1", {{"/x y", 1}, {"/q\"z", 2}, {"/plain", 3}}}});
    CHECK(out.str() == "event seq=1 RegisterPeer a tcp://h:1 files=3 \"/x y\" \"/q\\\"z\" /plain\n");
}

TEST_CASE("messages that are not events print nothing", "[event_format]") {
    for (const bool json : {false, true}) {
        std::ostringstream out;
        EventPrinter printer(out, json);
        printer.event(Ack{1});
        printer.event(PeerList{1, 1, {PeerInfo{"a", "tcp://h:1", {}}}});
        printer.event(Hello{});
        CHECK(out.str().empty());
    }
}

TEST_CASE("json snapshot", "[event_format]") {
    std::ostringstream out;
    EventPrinter printer(out, true);
    printer.snapshot(two_peers());
    CHECK(
        lines_of(out.str()) ==
        std::vector<std::string>{
            R"({"snapshot":true,"seq":8,"event":"RegisterPeer","name":"alice","endpoint":"tcp://10.0.0.1:5001",)"
            R"("key":"","files":[{"path":"/a.txt","size":5,"content_id":""},{"path":"/my file","size":12,"content_id":""}]})",
            R"({"snapshot":true,"seq":8,"event":"RegisterPeer","name":"bob","endpoint":"tcp://10.0.0.2:5002",)"
            R"("key":"","files":[]})",
            R"({"snapshot":true,"seq":8,"event":"SnapshotEnd","peers":2})",
        });
}

TEST_CASE("json events", "[event_format]") {
    std::ostringstream out;
    EventPrinter printer(out, true);
    printer.snapshot(two_peers());
    out.str("");

    printer.event(RegisterPeer{3, 9, PeerInfo{"carol", "tcp://10.0.0.3:5003", {{"/c\"q", 1}}}});
    CHECK(out.str() == R"({"snapshot":false,"seq":9,"event":"RegisterPeer","name":"carol",)"
                       R"("endpoint":"tcp://10.0.0.3:5003","key":"","files":[{"path":"/c\"q","size":1,"content_id":""}]})"
                       "\n");
    out.str("");

    printer.event(UpdatePeer{3, 10, "alice", "tcp://10.0.0.1:5001", "", false, {{"/n", 2}}, {"/a.txt"}});
    CHECK(out.str() == R"({"snapshot":false,"seq":10,"event":"UpdatePeer","name":"alice",)"
                       R"("endpoint":"tcp://10.0.0.1:5001","key":"","full":false,)"
                       R"("added":[{"path":"/n","size":2,"content_id":""}],"removed":["/a.txt"]})"
                       "\n");
    out.str("");

    printer.event(UnregisterPeer{3, 11, "bob"});
    CHECK(out.str() == R"({"snapshot":false,"seq":11,"event":"UnregisterPeer","name":"bob",)"
                       R"("endpoint":"tcp://10.0.0.2:5002","key":"","files":[]})"
                       "\n");
    out.str("");

    printer.event(UnregisterPeer{3, 12, "nobody"});
    CHECK(out.str() == R"({"snapshot":false,"seq":12,"event":"UnregisterPeer","name":"nobody",)"
                       R"("endpoint":"","key":"","files":[]})"
                       "\n");
}

TEST_CASE("a new snapshot forgets old endpoints", "[event_format]") {
    std::ostringstream out;
    EventPrinter printer(out, true);
    printer.snapshot(two_peers());
    Mirror other;
    other.reset(PeerList{4, 1, {}});
    printer.snapshot(other);
    out.str("");
    printer.event(UnregisterPeer{4, 2, "bob"});
    CHECK_THAT(out.str(), Catch::Contains(R"("endpoint":"")"));
}

TEST_CASE("the key of each peer is shown", "[event_format]") {
    const std::string key = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7";
    PeerInfo alice{"alice", "tcp://h:1", {}, key};
    for (const bool json : {false, true}) {
        std::ostringstream out;
        EventPrinter printer(out, json);
        printer.event(RegisterPeer{1, 1, alice});
        printer.event(UnregisterPeer{1, 2, "alice"});
        const auto lines = lines_of(out.str());
        REQUIRE(lines.size() == 2);
        for (const auto& line : lines)
            CHECK_THAT(line, Catch::Contains(json ? R"("key":")" + json_string(key).substr(1) : " key=" + key + " "));
    }
}
