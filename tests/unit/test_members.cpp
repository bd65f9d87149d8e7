#include <catch2/catch.hpp>

#include "curve_keys.hpp"
#include "members.hpp"

#include <functional>
#include <string>
#include <vector>

using zshare::broker::Members;
using zshare::broker::parse_members;
using zshare::protocol::KeyPair;
using zshare::protocol::make_key_pair;

namespace {

/// Returns: a fresh public key for which `wanted` holds.
std::string key_where(const std::function<bool(const std::string &)> &wanted) {
    for (int attempt = 0; attempt < 100000; ++attempt) {
        std::string key = make_key_pair().public_key;
        if (wanted(key))
            return key;
    }
    FAIL("no key found with the wanted property");
    return {};
}

std::string fresh_key() {
    return make_key_pair().public_key;
}

/// Returns: the error of parsing `text`, which must fail.
std::string error_of(const std::string &text) {
    std::string error;
    const auto members = parse_members(text, error);
    CHECK_FALSE(members);
    CHECK_FALSE(error.empty());
    return error;
}

} // namespace

TEST_CASE("an empty members file has no members", "[members]") {
    std::string error;
    for (const std::string text : {"", "\n", "\n\n   \n\t\n", "# nobody yet\n"}) {
        const auto members = parse_members(text, error);
        REQUIRE(members);
        CHECK(members->key_of_name.empty());
        CHECK(members->keys.empty());
    }
}

TEST_CASE("members: names and keys", "[members]") {
    const std::string alice = fresh_key(), bob = fresh_key();
    std::string error;
    const auto members = parse_members("alice " + alice + "\nbob " + bob + "\n", error);
    REQUIRE(members);
    CHECK(members->key_of_name.size() == 2);
    CHECK(members->key_of_name.at("alice") == alice);
    CHECK(members->key_of_name.at("bob") == bob);
    CHECK(members->keys == std::set<std::string>{alice, bob});

    // No final line end.
    const auto last = parse_members("alice " + alice, error);
    REQUIRE(last);
    CHECK(last->key_of_name.at("alice") == alice);
}

TEST_CASE("members: comments, blank lines and blanks", "[members]") {
    const std::string alice = fresh_key(), bob = fresh_key(), carol = fresh_key();
    std::string text;
    text += "# the group\n";
    text += "\n";
    text += "   # an indented comment\n";
    text += "\t#another\n";
    text += "   alice    " + alice + "   \n";
    text += "\tbob\t" + bob + "\r\n";
    text += "#carol " + carol + "\n";
    text += "      \n";
    std::string error;
    const auto members = parse_members(text, error);
    REQUIRE(members);
    CHECK(members->key_of_name.size() == 2);
    CHECK(members->key_of_name.at("alice") == alice);
    CHECK(members->key_of_name.at("bob") == bob);
    CHECK(members->key_of_name.count("carol") == 0); // commented out
    CHECK(members->keys.count(carol) == 0);
}

TEST_CASE("members: a key that contains '#' is a key", "[members]") {
    const std::string hashed =
        key_where([](const std::string &k) { return k.find('#') != std::string::npos; });
    const std::string second = key_where([](const std::string &k) { return k[1] == '#'; });
    std::string error;
    const auto members = parse_members("alice " + hashed + "\nbob " + second + "\n", error);
    REQUIRE(members);
    CHECK(members->key_of_name.at("alice") == hashed);
    CHECK(members->key_of_name.at("bob") == second);
    CHECK(members->keys.count(hashed) == 1);
}

TEST_CASE("members: a bad name names its line", "[members]") {
    const std::string key = fresh_key();
    const std::string good = "alice " + fresh_key() + "\n";
    for (const std::string &name :
         std::vector<std::string>{"-alice", "al/ice", "al:ice", std::string(65, 'a'), "\xc3\xa9"}) {
        INFO("name " << name);
        const std::string error = error_of(good + "\n" + name + " " + key + "\n");
        CHECK(error.find("line 3") != std::string::npos);
        CHECK(error.find("not a valid user name") != std::string::npos);
    }
    // The longest name is fine.
    std::string error;
    CHECK(parse_members(std::string(64, 'a') + " " + key + "\n", error));
}

TEST_CASE("members: a bad key names its line", "[members]") {
    const std::string key = fresh_key();
    std::string bad_character = key;
    bad_character[5] = '~';
    for (const std::string &line :
         std::vector<std::string>{"alice", "alice ", "alice " + key.substr(1), "alice " + key + "0",
                                  "alice " + bad_character, "alice " + std::string(40, '#'), "alice x"}) {
        INFO("line " << line);
        const std::string error = error_of("# first\n" + line + "\n");
        CHECK(error.find("line 2") != std::string::npos);
        CHECK(error.find("40-character Z85 key") != std::string::npos);
    }
}

TEST_CASE("members: extra words are refused", "[members]") {
    const std::string key = fresh_key();
    for (const std::string &line :
         std::vector<std::string>{"alice " + key + " extra", "alice " + key + " # a comment",
                                  "alice " + key + " " + fresh_key()}) {
        INFO("line " << line);
        const std::string error = error_of(line + "\n");
        CHECK(error.find("line 1") != std::string::npos);
    }
}

TEST_CASE("members: a name listed twice names the second line", "[members]") {
    const std::string text = "alice " + fresh_key() + "\n" + "bob " + fresh_key() + "\n" + "# again:\n" +
                             "\n" + "alice " + fresh_key() + "\n";
    const std::string error = error_of(text);
    CHECK(error.find("line 5") != std::string::npos);
    CHECK(error.find("'alice'") != std::string::npos);
    CHECK(error.find("twice") != std::string::npos);

    // Even with the same key.
    const std::string key = fresh_key();
    const std::string same = error_of("alice " + key + "\nalice " + key + "\n");
    CHECK(same.find("line 2") != std::string::npos);
}

TEST_CASE("members: names differ by case", "[members]") {
    std::string error;
    const auto members = parse_members("alice " + fresh_key() + "\nAlice " + fresh_key() + "\n", error);
    REQUIRE(members);
    CHECK(members->key_of_name.size() == 2);
}

TEST_CASE("members: one key may serve two names", "[members]") {
    const std::string key = fresh_key();
    std::string error;
    const auto members = parse_members("alice " + key + "\nalice-laptop " + key + "\n", error);
    REQUIRE(members);
    CHECK(members->key_of_name.at("alice") == key);
    CHECK(members->key_of_name.at("alice-laptop") == key);
    CHECK(members->keys.size() == 1);
}

TEST_CASE("members: the first bad line is the one reported", "[members]") {
    const std::string error = error_of("alice " + fresh_key() + "\n-bad " + fresh_key() + "\nbob nokey\n");
    CHECK(error.find("line 2") != std::string::npos);
}

TEST_CASE("members: hostile input", "[members]") {
    std::string error;
    // Binary bytes and a zero byte are not names.
    CHECK_FALSE(parse_members(std::string("\x01\x02\x03 ") + fresh_key() + "\n", error));
    CHECK_FALSE(parse_members(std::string("al\0ice ", 7) + fresh_key() + "\n", error));
    // A very long line.
    CHECK_FALSE(parse_members(std::string(1 << 20, 'a') + " " + fresh_key() + "\n", error));
    CHECK(error.find("line 1") != std::string::npos);
    // Many lines: all kept.
    std::string many;
    for (int i = 0; i < 1000; ++i)
        many += "user" + std::to_string(i) + " " + fresh_key() + "\n";
    const auto members = parse_members(many, error);
    REQUIRE(members);
    CHECK(members->key_of_name.size() == 1000);
    CHECK(members->keys.size() == 1000);
}
