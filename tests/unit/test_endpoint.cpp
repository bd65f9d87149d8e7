#include <catch2/catch.hpp>

#include "endpoint.hpp"

#include <string>

using namespace zshare::protocol;

TEST_CASE("parse valid endpoints", "[endpoint]") {
    auto e = parse_tcp_endpoint("tcp://127.0.0.1:5555");
    REQUIRE(e);
    CHECK(e->host == "127.0.0.1");
    CHECK(e->port == 5555);
    CHECK(e->str() == "tcp://127.0.0.1:5555");

    e = parse_tcp_endpoint("tcp://host.example:1");
    REQUIRE(e);
    CHECK(e->host == "host.example");
    CHECK(e->port == 1);

    e = parse_tcp_endpoint("tcp://h:65535");
    REQUIRE(e);
    CHECK(e->port == 65535);

    e = parse_tcp_endpoint("tcp://*:7000");
    REQUIRE(e);
    CHECK(e->host == "*");
    CHECK(e->port == 7000);
}

TEST_CASE("parse ipv6 endpoints", "[endpoint]") {
    auto e = parse_tcp_endpoint("tcp://[::1]:5555");
    REQUIRE(e);
    CHECK(e->host == "::1");
    CHECK(e->port == 5555);
    CHECK(e->str() == "tcp://[::1]:5555");

    e = parse_tcp_endpoint("tcp://[fe80::1:2]:80");
    REQUIRE(e);
    CHECK(e->host == "fe80::1:2");
    CHECK(e->port == 80);
    // str() puts the brackets back, so the text parses again to the same parts.
    const auto again = parse_tcp_endpoint(e->str());
    REQUIRE(again);
    CHECK(again->host == e->host);
    CHECK(again->port == e->port);

    CHECK_FALSE(parse_tcp_endpoint("tcp://[::1:5555"));   // no closing bracket
    CHECK_FALSE(parse_tcp_endpoint("tcp://::1]:5555"));   // no opening bracket
    CHECK_FALSE(parse_tcp_endpoint("tcp://[]:5555"));     // empty host
    CHECK_FALSE(parse_tcp_endpoint("tcp://[::1]"));       // no port
    CHECK_FALSE(parse_tcp_endpoint("tcp://[::1]x:5555")); // junk after the bracket
    CHECK_FALSE(parse_tcp_endpoint("tcp://[[::1]]:5555"));
}

TEST_CASE("parse port edge cases", "[endpoint]") {
    CHECK_FALSE(parse_tcp_endpoint("tcp://h:0"));
    CHECK_FALSE(parse_tcp_endpoint("tcp://h:*"));
    CHECK_FALSE(parse_tcp_endpoint("tcp://h:65536"));
    CHECK_FALSE(parse_tcp_endpoint("tcp://h:99999999999999999999"));
    CHECK_FALSE(parse_tcp_endpoint("tcp://h:"));
    CHECK_FALSE(parse_tcp_endpoint("tcp://h:-1"));
    CHECK_FALSE(parse_tcp_endpoint("tcp://h:+80"));
    CHECK_FALSE(parse_tcp_endpoint("tcp://h:80x"));
    CHECK_FALSE(parse_tcp_endpoint("tcp://h:80 "));
    CHECK_FALSE(parse_tcp_endpoint("tcp://h: 80"));
    CHECK_FALSE(parse_tcp_endpoint("tcp://h"));

    SECTION("bind addresses may ask for any port") {
        auto e = parse_tcp_endpoint("tcp://h:0", true);
        REQUIRE(e);
        CHECK(e->host == "h");
        CHECK(e->port == 0);
        e = parse_tcp_endpoint("tcp://*:*", true);
        REQUIRE(e);
        CHECK(e->host == "*");
        CHECK(e->port == 0);
        e = parse_tcp_endpoint("tcp://[::]:0", true);
        REQUIRE(e);
        CHECK(e->host == "::");
        CHECK(e->port == 0);
        e = parse_tcp_endpoint("tcp://h:80", true);
        REQUIRE(e);
        CHECK(e->port == 80);
        CHECK_FALSE(parse_tcp_endpoint("tcp://h:65536", true));
        CHECK_FALSE(parse_tcp_endpoint("tcp://h:", true));
    }
}

TEST_CASE("parse rejects malformed text", "[endpoint]") {
    CHECK_FALSE(parse_tcp_endpoint(""));
    CHECK_FALSE(parse_tcp_endpoint("127.0.0.1:5555")); // missing scheme
    CHECK_FALSE(parse_tcp_endpoint("//127.0.0.1:5555"));
    CHECK_FALSE(parse_tcp_endpoint("udp://127.0.0.1:5555"));
    CHECK_FALSE(parse_tcp_endpoint("ipc://x:1"));
    CHECK_FALSE(parse_tcp_endpoint("tcp:/h:1"));
    CHECK_FALSE(parse_tcp_endpoint("tcp://"));
    CHECK_FALSE(parse_tcp_endpoint("tcp://:5555"));    // empty host
    CHECK_FALSE(parse_tcp_endpoint("tcp://a b:5555")); // blank in host
    CHECK_FALSE(parse_tcp_endpoint("tcp://a\tb:5555"));
    CHECK_FALSE(parse_tcp_endpoint("tcp://h/x:5555")); // path in host
    CHECK_FALSE(parse_tcp_endpoint(" tcp://h:5555"));
}

TEST_CASE("wildcard hosts", "[endpoint]") {
    for (const char *text : {"tcp://*:1", "tcp://0.0.0.0:1", "tcp://[::]:1", "tcp://[0:0:0:0:0:0:0:0]:1"}) {
        INFO(text);
        const auto e = parse_tcp_endpoint(text);
        REQUIRE(e);
        CHECK(e->wildcard_host());
    }
    for (const char *text : {"tcp://127.0.0.1:1", "tcp://[::1]:1", "tcp://localhost:1", "tcp://0.0.0.1:1"}) {
        INFO(text);
        const auto e = parse_tcp_endpoint(text);
        REQUIRE(e);
        CHECK_FALSE(e->wildcard_host());
    }
}

TEST_CASE("replace wildcard host", "[endpoint]") {
    CHECK(replace_wildcard_host("tcp://*:5001", "10.1.2.3") == "tcp://10.1.2.3:5001");
    CHECK(replace_wildcard_host("tcp://0.0.0.0:5001", "10.1.2.3") == "tcp://10.1.2.3:5001");
    CHECK(replace_wildcard_host("tcp://[::]:5001", "10.1.2.3") == "tcp://10.1.2.3:5001");
    CHECK(replace_wildcard_host("tcp://*:5001", "::1") == "tcp://[::1]:5001");
    CHECK(replace_wildcard_host("tcp://[::]:5001", "fe80::2") == "tcp://[fe80::2]:5001");

    // Left alone: a real host, an empty replacement, text that is no endpoint.
    CHECK(replace_wildcard_host("tcp://192.168.0.5:5001", "10.1.2.3") == "tcp://192.168.0.5:5001");
    CHECK(replace_wildcard_host("tcp://[::1]:5001", "10.1.2.3") == "tcp://[::1]:5001");
    CHECK(replace_wildcard_host("tcp://*:5001", "") == "tcp://*:5001");
    CHECK(replace_wildcard_host("garbage", "10.1.2.3") == "garbage");
    CHECK(replace_wildcard_host("", "10.1.2.3").empty());
}

TEST_CASE("valid peer names", "[endpoint]") {
    CHECK(valid_peer_name("alice"));
    CHECK(valid_peer_name("a"));
    CHECK(valid_peer_name("Bob_2.0-x"));
    CHECK(valid_peer_name("a-"));
    CHECK(valid_peer_name("_x"));
    CHECK(valid_peer_name(".x"));
    CHECK(valid_peer_name("0123456789"));
    CHECK(valid_peer_name(std::string(64, 'n')));

    CHECK_FALSE(valid_peer_name(""));
    CHECK_FALSE(valid_peer_name(std::string(65, 'n')));
    CHECK_FALSE(valid_peer_name("-alice"));
    CHECK_FALSE(valid_peer_name("-"));
    CHECK_FALSE(valid_peer_name("al ice"));
    CHECK_FALSE(valid_peer_name(" alice"));
    CHECK_FALSE(valid_peer_name("alice\n"));
    CHECK_FALSE(valid_peer_name("a/b"));
    CHECK_FALSE(valid_peer_name("a:b"));
    CHECK_FALSE(valid_peer_name("a\"b"));
    CHECK_FALSE(valid_peer_name("a,b"));
    CHECK_FALSE(valid_peer_name("caf\xc3\xa9")); // non-ASCII letters
    CHECK_FALSE(valid_peer_name(std::string("a\0b", 3)));
}
