#include <catch2/catch.hpp>

#include "temp_files.hpp"

#include "curve_keys.hpp"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <sys/stat.h>
#include <vector>
#include <zmq.h>

using namespace zshare::protocol;
using zshare::testing::read_file;
using zshare::testing::TempDir;
using zshare::testing::write_file;
namespace fs = std::filesystem;

namespace {

/// Every character of ZeroMQ's Z85 alphabet.
const std::string z85_alphabet =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

/// Returns: a fresh key pair for which `wanted` holds (tries many: keys are cheap).
KeyPair key_pair_where(const std::function<bool(const KeyPair &)> &wanted) {
    for (int attempt = 0; attempt < 100000; ++attempt) {
        KeyPair keys = make_key_pair();
        if (wanted(keys))
            return keys;
    }
    FAIL("no key pair found with the wanted property");
    return {};
}

/// Returns: the permission bits of `path`.
unsigned mode_of(const std::string &path) {
    struct stat info {};
    REQUIRE(::stat(path.c_str(), &info) == 0);
    return info.st_mode & 07777;
}

/// Returns: the Z85 text of 32 bytes.
std::string z85_of(const std::array<std::uint8_t, 32> &bytes) {
    char text[41] = {};
    REQUIRE(zmq_z85_encode(text, bytes.data(), bytes.size()) != nullptr);
    return text;
}

/// Sets the process's umask for a test and puts the old one back.
class Umask {
public:
    explicit Umask(mode_t mask) : m_old(::umask(mask)) {}
    ~Umask() { ::umask(m_old); }
    Umask(const Umask &) = delete;
    Umask &operator=(const Umask &) = delete;

private:
    mode_t m_old;
};

/// Sets or unsets an environment variable for a test and puts the old value back.
class EnvironmentVariable {
public:
    explicit EnvironmentVariable(std::string name) : m_name(std::move(name)) {
        if (const char *old = std::getenv(m_name.c_str()))
            m_old = old;
    }
    ~EnvironmentVariable() {
        if (m_old)
            ::setenv(m_name.c_str(), m_old->c_str(), 1);
        else
            ::unsetenv(m_name.c_str());
    }
    EnvironmentVariable(const EnvironmentVariable &) = delete;
    EnvironmentVariable &operator=(const EnvironmentVariable &) = delete;

    void set(const std::string &value) { ::setenv(m_name.c_str(), value.c_str(), 1); }
    void unset() { ::unsetenv(m_name.c_str()); }

private:
    std::string m_name;
    std::optional<std::string> m_old;
};

/// Returns: what `/bin/sh` makes of `word` as printf's argument: the text it passes on.
std::string through_shell(const std::string &word) {
    const std::string command = "printf '[%s]' " + word;
    FILE *pipe = ::popen(command.c_str(), "r");
    REQUIRE(pipe != nullptr);
    std::string out;
    char buffer[256];
    for (std::size_t got; (got = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;)
        out.append(buffer, got);
    REQUIRE(::pclose(pipe) == 0);
    return out;
}

/// A certificate as czmq's zcert_save writes it, with `quote` around the values.
std::string zcert_text(const KeyPair &keys, char quote, bool with_secret) {
    const auto quoted = [quote](const std::string &value) { return quote + value + quote; };
    std::string text;
    text += "#   ****  Generated on 2024-05-01 12:00:00 by CZMQ  ****\n";
    text += "#   ZeroMQ CURVE **Secret** Certificate\n";
    text += "#   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions.\n";
    text += "\n";
    text += "metadata\n";
    text += "    name = " + quoted("x") + "\n";
    text += "    email = " + quoted("x@example.org") + "\n";
    text += "curve\n";
    text += "    public-key = " + quoted(keys.public_key) + "\n";
    if (with_secret)
        text += "    secret-key = " + quoted(keys.secret_key) + "\n";
    return text;
}

} // namespace

// --- valid_key -----------------------------------------------------------------------------

TEST_CASE("valid_key takes the keys zmq_curve_keypair makes", "[curve_keys]") {
    for (int i = 0; i < 50; ++i) {
        const KeyPair keys = make_key_pair();
        CHECK(valid_key(keys.public_key));
        CHECK(valid_key(keys.secret_key));
    }
    // The smallest and a large 32-byte value.
    CHECK(valid_key(z85_of({})));
    std::array<std::uint8_t, 32> high{};
    high.fill(0xff);
    CHECK(valid_key(z85_of(high)));
}

TEST_CASE("valid_key refuses the wrong length", "[curve_keys]") {
    const std::string key = make_key_pair().public_key;
    CHECK_FALSE(valid_key(""));
    CHECK_FALSE(valid_key(key.substr(0, 39)));
    CHECK_FALSE(valid_key(key.substr(0, 35))); // decodes (to 28 bytes), but is not a key
    CHECK_FALSE(valid_key(key.substr(0, 5)));
    CHECK_FALSE(valid_key(key + "0"));
    CHECK_FALSE(valid_key(key + "00000")); // 45: decodes to 36 bytes
    CHECK_FALSE(valid_key(key + key));
    CHECK_FALSE(valid_key(" " + key));
    CHECK_FALSE(valid_key(key + "\n"));
}

TEST_CASE("valid_key refuses characters outside z85", "[curve_keys]") {
    const std::string key = make_key_pair().public_key;
    for (const char bad :
         std::string(" \"',;\\_`|~\t\n\x7f") + std::string(1, '\x80') + std::string(1, '\xff')) {
        for (const std::size_t at : {std::size_t(0), std::size_t(17), std::size_t(39)}) {
            std::string text = key;
            text[at] = bad;
            INFO("character " << int(static_cast<unsigned char>(bad)) << " at " << at);
            CHECK_FALSE(valid_key(text));
        }
    }
    // Every character of the alphabet is fine where the value allows it.
    for (const char good : z85_alphabet) {
        std::string text = z85_of({});
        text[39] = good;
        INFO("character " << good);
        CHECK(valid_key(text));
    }
}

TEST_CASE("valid_key refuses z85 text whose value does not fit", "[curve_keys]") {
    // All in the alphabet, but "#####" is 85^5 - 1, more than 32 bits.
    CHECK_FALSE(valid_key(std::string(40, '#')));
    std::string text = z85_of({});
    text.replace(10, 5, "%%%%%");
    CHECK_FALSE(valid_key(text));
}

TEST_CASE("valid_key refuses a key with a zero byte inside", "[curve_keys]") {
    // 40 characters, but the decoder stops at the zero: the first 35 decode to 28 bytes and the
    // rest is never looked at. Such a "key" is not 40 characters that decode to 32 bytes.
    const std::string key = make_key_pair().public_key;
    std::string text = key.substr(0, 35) + std::string(1, '\0') + "\x01\x02 ~";
    REQUIRE(text.size() == 40);
    CHECK_FALSE(valid_key(text));
    text = key;
    text[35] = '\0';
    CHECK_FALSE(valid_key(text));
}

// --- make_key_pair and public_key_of -------------------------------------------------------

TEST_CASE("make_key_pair makes fresh pairs whose halves belong together", "[curve_keys]") {
    const KeyPair first = make_key_pair();
    const KeyPair second = make_key_pair();
    CHECK(first.public_key.size() == 40);
    CHECK(first.secret_key.size() == 40);
    CHECK(first.public_key != first.secret_key);
    CHECK(first.public_key != second.public_key);
    CHECK(first.secret_key != second.secret_key);
    CHECK(public_key_of(first.secret_key) == first.public_key);
    CHECK(public_key_of(second.secret_key) == second.public_key);
}

TEST_CASE("public_key_of refuses what is not a key", "[curve_keys]") {
    const KeyPair keys = make_key_pair();
    CHECK_FALSE(public_key_of(""));
    CHECK_FALSE(public_key_of(keys.secret_key.substr(0, 39)));
    CHECK_FALSE(public_key_of(keys.secret_key + "x"));
    CHECK_FALSE(public_key_of(std::string(40, '#')));
    CHECK_FALSE(public_key_of(std::string(40, ' ')));
    // The public key of a public key is some other key, not itself.
    const auto other = public_key_of(keys.public_key);
    REQUIRE(other);
    CHECK(*other != keys.public_key);
}

// --- certificate_text and parse_certificate ------------------------------------------------

TEST_CASE("a secret certificate round-trips", "[curve_keys]") {
    const KeyPair keys = make_key_pair();
    const std::string text = certificate_text(keys, true);
    CHECK(text.find(keys.public_key) != std::string::npos);
    CHECK(text.find(keys.secret_key) != std::string::npos);
    std::string error;
    const auto parsed = parse_certificate(text, error);
    REQUIRE(parsed);
    CHECK(parsed->public_key == keys.public_key);
    CHECK(parsed->secret_key == keys.secret_key);
}

TEST_CASE("a public certificate round-trips and holds no secret", "[curve_keys]") {
    const KeyPair keys = make_key_pair();
    const std::string text = certificate_text(keys, false);
    CHECK(text.find(keys.public_key) != std::string::npos);
    CHECK(text.find(keys.secret_key) == std::string::npos);
    CHECK(text.find("secret-key") == std::string::npos);
    std::string error;
    const auto parsed = parse_certificate(text, error);
    REQUIRE(parsed);
    CHECK(parsed->public_key == keys.public_key);
    CHECK(parsed->secret_key.empty());
}

TEST_CASE("certificate_text writes czmq's layout", "[curve_keys]") {
    const KeyPair keys = make_key_pair();
    const std::string text = certificate_text(keys, true);
    CHECK(text.rfind("#", 0) == 0); // a comment header first
    CHECK(text.find("\nmetadata\n") != std::string::npos);
    CHECK(text.find("\ncurve\n") != std::string::npos);
    CHECK(text.find("\n    public-key = \"" + keys.public_key + "\"\n") != std::string::npos);
    CHECK(text.find("\n    secret-key = \"" + keys.secret_key + "\"\n") != std::string::npos);
    CHECK(text.back() == '\n');
}

TEST_CASE("parse a certificate that czmq's zcert_save wrote", "[curve_keys]") {
    const KeyPair keys = make_key_pair();
    std::string error;
    SECTION("double quotes, with the secret") {
        const auto parsed = parse_certificate(zcert_text(keys, '"', true), error);
        REQUIRE(parsed);
        CHECK(parsed->public_key == keys.public_key);
        CHECK(parsed->secret_key == keys.secret_key);
    }
    SECTION("double quotes, public only") {
        const auto parsed = parse_certificate(zcert_text(keys, '"', false), error);
        REQUIRE(parsed);
        CHECK(parsed->public_key == keys.public_key);
        CHECK(parsed->secret_key.empty());
    }
    SECTION("single quotes") {
        const auto parsed = parse_certificate(zcert_text(keys, '\'', true), error);
        REQUIRE(parsed);
        CHECK(parsed->public_key == keys.public_key);
        CHECK(parsed->secret_key == keys.secret_key);
    }
    SECTION("CRLF line ends") {
        std::string text;
        for (const char c : zcert_text(keys, '"', true))
            text += c == '\n' ? std::string("\r\n") : std::string(1, c);
        const auto parsed = parse_certificate(text, error);
        REQUIRE(parsed);
        CHECK(parsed->public_key == keys.public_key);
        CHECK(parsed->secret_key == keys.secret_key);
    }
    SECTION("no final line end, blanks around '='") {
        const std::string text = "curve\n    public-key=\"" + keys.public_key + "\"\n\tsecret-key   =   \"" +
                                 keys.secret_key + "\"";
        const auto parsed = parse_certificate(text, error);
        REQUIRE(parsed);
        CHECK(parsed->public_key == keys.public_key);
        CHECK(parsed->secret_key == keys.secret_key);
    }
    SECTION("the curve section before metadata, and a comment after a value") {
        const std::string text = "curve\n    public-key = \"" + keys.public_key +
                                 "\"   # mine\n    secret-key = \"" + keys.secret_key +
                                 "\"\nmetadata\n    name = \"x\"\n";
        const auto parsed = parse_certificate(text, error);
        REQUIRE(parsed);
        CHECK(parsed->public_key == keys.public_key);
        CHECK(parsed->secret_key == keys.secret_key);
    }
}

TEST_CASE("parse_certificate reads keys only from the curve section", "[curve_keys]") {
    const KeyPair keys = make_key_pair();
    const KeyPair decoy = make_key_pair();
    const std::string text = "metadata\n    public-key = \"" + decoy.public_key + "\"\n    secret-key = \"" +
                             decoy.secret_key + "\"\ncurve\n    public-key = \"" + keys.public_key +
                             "\"\n    secret-key = \"" + keys.secret_key + "\"\ncurvy\n    public-key = \"" +
                             decoy.public_key + "\"\n";
    std::string error;
    const auto parsed = parse_certificate(text, error);
    REQUIRE(parsed);
    CHECK(parsed->public_key == keys.public_key);
    CHECK(parsed->secret_key == keys.secret_key);
}

TEST_CASE("parse_certificate refuses a secret that is not the public key's", "[curve_keys]") {
    const KeyPair keys = make_key_pair();
    const KeyPair other = make_key_pair();
    std::string error;
    CHECK_FALSE(parse_certificate(zcert_text({keys.public_key, other.secret_key}, '"', true), error));
    CHECK(error.find("does not belong") != std::string::npos);

    // A secret that is no key at all is not taken either.
    error.clear();
    CHECK_FALSE(parse_certificate(zcert_text({keys.public_key, "not a key"}, '"', true), error));
    CHECK_FALSE(error.empty());

    // Swapped halves.
    error.clear();
    CHECK_FALSE(parse_certificate(zcert_text({keys.secret_key, keys.public_key}, '"', true), error));
    CHECK_FALSE(error.empty());
}

TEST_CASE("parse_certificate refuses text without a curve section", "[curve_keys]") {
    const KeyPair keys = make_key_pair();
    std::string error;
    CHECK_FALSE(parse_certificate("", error));
    CHECK(error.find("no curve public-key") != std::string::npos);

    error.clear();
    CHECK_FALSE(parse_certificate("#   comments only\n\n# and more\n", error));
    CHECK_FALSE(error.empty());

    error.clear();
    CHECK_FALSE(parse_certificate(
        "metadata\n    name = \"x\"\n    public-key = \"" + keys.public_key + "\"\n", error));
    CHECK(error.find("no curve public-key") != std::string::npos);

    // Entries at column 0 are section names, not entries of a section.
    error.clear();
    CHECK_FALSE(parse_certificate("curve\npublic-key = \"" + keys.public_key + "\"\n", error));
    CHECK_FALSE(error.empty());

    // A commented-out curve section.
    error.clear();
    CHECK_FALSE(parse_certificate("#curve\n#    public-key = \"" + keys.public_key + "\"\n", error));
    CHECK_FALSE(error.empty());
}

TEST_CASE("parse_certificate refuses a public key that is not z85", "[curve_keys]") {
    const KeyPair keys = make_key_pair();
    std::string error;
    CHECK_FALSE(parse_certificate("curve\n    public-key = \"" + keys.public_key.substr(1) + "\"\n", error));
    CHECK(error.find("not a Z85 CURVE key") != std::string::npos);

    error.clear();
    std::string bad = keys.public_key;
    bad[3] = '~';
    CHECK_FALSE(parse_certificate("curve\n    public-key = \"" + bad + "\"\n", error));
    CHECK(error.find("not a Z85 CURVE key") != std::string::npos);

    error.clear();
    CHECK_FALSE(parse_certificate("curve\n    public-key = \"\"\n", error));
    CHECK_FALSE(error.empty());

    // Binary garbage.
    error.clear();
    CHECK_FALSE(parse_certificate(std::string("\0\xff\x01", 3) + "curve\n" + std::string(1, '\0'), error));
    CHECK_FALSE(error.empty());
}

TEST_CASE("parse_certificate keeps keys that contain '#'", "[curve_keys]") {
    // '#' is in Z85's alphabet: a quoted value is read to its closing quote, not to a '#'.
    const KeyPair keys = key_pair_where([](const KeyPair &k) {
        return k.public_key.find('#') != std::string::npos && k.secret_key.find('#') != std::string::npos;
    });
    std::string error;
    SECTION("double quotes") {
        const auto parsed = parse_certificate(zcert_text(keys, '"', true), error);
        REQUIRE(parsed);
        CHECK(parsed->public_key == keys.public_key);
        CHECK(parsed->secret_key == keys.secret_key);
    }
    SECTION("single quotes") {
        const auto parsed = parse_certificate(zcert_text(keys, '\'', true), error);
        REQUIRE(parsed);
        CHECK(parsed->public_key == keys.public_key);
        CHECK(parsed->secret_key == keys.secret_key);
    }
    SECTION("unquoted, with a comment after") {
        const std::string text = "curve\n    public-key = " + keys.public_key + "  # the public half\n" +
                                 "    secret-key = " + keys.secret_key + "\n";
        const auto parsed = parse_certificate(text, error);
        REQUIRE(parsed);
        CHECK(parsed->public_key == keys.public_key);
        CHECK(parsed->secret_key == keys.secret_key);
    }
    SECTION("our own text") {
        const auto parsed = parse_certificate(certificate_text(keys, true), error);
        REQUIRE(parsed);
        CHECK(parsed->public_key == keys.public_key);
        CHECK(parsed->secret_key == keys.secret_key);
    }
}

TEST_CASE("no key starts with '#'", "[curve_keys]") {
    // The first character of each five carries the most weight: '#' (84) there is more than 32
    // bits, so '#' only ever occurs inside a key, never first, and a line starting with '#' is
    // never a key.
    std::string text = z85_of({});
    text[0] = '#';
    CHECK_FALSE(valid_key(text));
    text[0] = '%'; // 82, with zeros after: fits
    CHECK(valid_key(text));
}

// --- load_or_make_key_pair -----------------------------------------------------------------

TEST_CASE("load_or_make_key_pair makes the pair, its files and the directory", "[curve_keys]") {
    const Umask mask(022);
    TempDir dir;
    const std::string state = dir / "state/zshare/tracker";
    std::string error;
    bool made = false;
    const auto keys = load_or_make_key_pair(state, "tracker", error, &made);
    REQUIRE(keys);
    CHECK(error.empty());
    CHECK(made);
    CHECK(valid_key(keys->public_key));
    CHECK(public_key_of(keys->secret_key) == keys->public_key);

    const std::string public_path = state + "/tracker.key";
    const std::string secret_path = state + "/tracker.key_secret";
    CHECK(mode_of(state) == 0700);
    CHECK(mode_of(public_path) == 0644);
    CHECK(mode_of(secret_path) == 0600);
    CHECK(fs::is_regular_file(public_path));
    CHECK(fs::is_regular_file(secret_path));
    // Nothing else: no temporary files left behind.
    CHECK(std::distance(fs::directory_iterator(state), fs::directory_iterator()) == 2);

    // The public file holds the public key only; the secret file both.
    const std::string public_text = read_file(public_path);
    CHECK(public_text.find(keys->secret_key) == std::string::npos);
    auto from_public = parse_certificate(public_text, error);
    REQUIRE(from_public);
    CHECK(from_public->public_key == keys->public_key);
    CHECK(from_public->secret_key.empty());
    auto from_secret = parse_certificate(read_file(secret_path), error);
    REQUIRE(from_secret);
    CHECK(from_secret->public_key == keys->public_key);
    CHECK(from_secret->secret_key == keys->secret_key);
}

TEST_CASE("load_or_make_key_pair loads the pair it made", "[curve_keys]") {
    TempDir dir;
    const std::string state = dir / "node";
    std::string error;
    bool made = false;
    const auto first = load_or_make_key_pair(state, "node", error, &made);
    REQUIRE(first);
    CHECK(made);
    const std::string secret_before = read_file(state + "/node.key_secret");

    made = true;
    const auto second = load_or_make_key_pair(state, "node", error, &made);
    REQUIRE(second);
    CHECK_FALSE(made);
    CHECK(second->public_key == first->public_key);
    CHECK(second->secret_key == first->secret_key);
    CHECK(read_file(state + "/node.key_secret") == secret_before);

    // Without `made`, too.
    const auto third = load_or_make_key_pair(state, "node", error);
    REQUIRE(third);
    CHECK(third->public_key == first->public_key);

    // Another name in the same directory is another pair.
    const auto other = load_or_make_key_pair(state, "other", error, &made);
    REQUIRE(other);
    CHECK(made);
    CHECK(other->public_key != first->public_key);
}

TEST_CASE("load_or_make_key_pair keeps the secret private whatever the umask", "[curve_keys]") {
    const Umask mask(0);
    TempDir dir;
    const std::string state = dir / "open";
    std::string error;
    REQUIRE(load_or_make_key_pair(state, "k", error));
    CHECK(mode_of(state) == 0700);
    CHECK(mode_of(state + "/k.key_secret") == 0600);
    CHECK(mode_of(state + "/k.key") == 0644);
}

TEST_CASE("load_or_make_key_pair leaves an existing directory's permissions alone", "[curve_keys]") {
    // A directory of the user's own (a shared key folder, say) is not changed; the secret file
    // in it is private all the same.
    TempDir dir;
    const std::string state = dir / "existing";
    fs::create_directories(state);
    fs::permissions(state, fs::perms(0755));
    std::string error;
    REQUIRE(load_or_make_key_pair(state, "k", error));
    CHECK(mode_of(state) == 0755);
    CHECK(mode_of(state + "/k.key_secret") == 0600);
}

TEST_CASE("load_or_make_key_pair loads a pair czmq wrote", "[curve_keys]") {
    TempDir dir;
    const KeyPair keys = make_key_pair();
    write_file(dir / "mine.key_secret", zcert_text(keys, '"', true));
    fs::permissions(dir / "mine.key_secret", fs::perms(0600));
    std::string error;
    bool made = true;
    const auto loaded = load_or_make_key_pair(dir.path, "mine", error, &made);
    REQUIRE(loaded);
    CHECK_FALSE(made);
    CHECK(loaded->public_key == keys.public_key);
    CHECK(loaded->secret_key == keys.secret_key);
}

TEST_CASE("load_or_make_key_pair refuses a secret others can read", "[curve_keys]") {
    TempDir dir;
    const std::string state = dir / "state";
    std::string error;
    REQUIRE(load_or_make_key_pair(state, "tracker", error));
    const std::string secret_path = state + "/tracker.key_secret";
    const std::string before = read_file(secret_path);

    for (const unsigned mode : {0644u, 0640u, 0604u, 0660u, 0606u}) {
        INFO("mode " << std::oct << mode);
        fs::permissions(secret_path, fs::perms(mode));
        error.clear();
        bool made = true;
        CHECK_FALSE(load_or_make_key_pair(state, "tracker", error, &made));
        CHECK_FALSE(made);
        CHECK(error.find("can be read or written by others") != std::string::npos);
        CHECK(error.find(secret_path) != std::string::npos);
        // Refused, not replaced: the old secret is still there for the user to fix.
        CHECK(read_file(secret_path) == before);
    }

    // Made private again, it loads.
    fs::permissions(secret_path, fs::perms(0600));
    error.clear();
    CHECK(load_or_make_key_pair(state, "tracker", error));
    // 0400 is private too.
    fs::permissions(secret_path, fs::perms(0400));
    CHECK(load_or_make_key_pair(state, "tracker", error));
}

TEST_CASE("load_or_make_key_pair refuses a corrupt secret file", "[curve_keys]") {
    TempDir dir;
    const std::string secret_path = dir / "k.key_secret";
    const KeyPair keys = make_key_pair();
    const KeyPair other = make_key_pair();
    std::string error;
    bool made = true;

    const auto refused = [&](const std::string &content) {
        write_file(secret_path, content);
        fs::permissions(secret_path, fs::perms(0600));
        error.clear();
        made = true;
        const bool loaded = load_or_make_key_pair(dir.path, "k", error, &made).has_value();
        CHECK_FALSE(made);
        CHECK(read_file(secret_path) == content); // never replaced by a fresh pair
        return !loaded;
    };

    SECTION("garbage") {
        CHECK(refused("garbage\x01\x02\n"));
        CHECK(error.find("is not a key file") != std::string::npos);
        CHECK(error.find(secret_path) != std::string::npos);
    }
    SECTION("empty") {
        CHECK(refused(""));
        CHECK(error.find("is not a key file") != std::string::npos);
    }
    SECTION("truncated") {
        const std::string whole = certificate_text(keys, true);
        CHECK(refused(whole.substr(0, whole.size() - 10)));
        CHECK_FALSE(error.empty());
    }
    SECTION("a public certificate") {
        CHECK(refused(certificate_text(keys, false)));
        CHECK(error.find("no secret-key") != std::string::npos);
    }
    SECTION("halves of two pairs") {
        CHECK(refused(zcert_text({keys.public_key, other.secret_key}, '"', true)));
        CHECK(error.find("does not belong") != std::string::npos);
    }
}

TEST_CASE("load_or_make_key_pair reports what it cannot make", "[curve_keys]") {
    TempDir dir;
    std::string error;
    SECTION("the directory is a file") {
        write_file(dir / "file", "x");
        CHECK_FALSE(load_or_make_key_pair(dir / "file", "k", error));
        CHECK(error.find("cannot make") != std::string::npos);
    }
    SECTION("the secret is a directory") {
        fs::create_directories(dir / "k.key_secret");
        fs::permissions(dir / "k.key_secret", fs::perms(0700));
        CHECK_FALSE(load_or_make_key_pair(dir.path, "k", error));
        CHECK_FALSE(error.empty());
    }
}

// --- resolve_public_key --------------------------------------------------------------------

TEST_CASE("resolve_public_key takes the key itself", "[curve_keys]") {
    const KeyPair keys = make_key_pair();
    std::string error;
    CHECK(resolve_public_key(keys.public_key, error) == keys.public_key);
    CHECK(error.empty());
}

TEST_CASE("resolve_public_key reads a certificate", "[curve_keys]") {
    TempDir dir;
    std::string error;
    const auto keys = load_or_make_key_pair(dir / "state", "tracker", error);
    REQUIRE(keys);
    CHECK(resolve_public_key(dir / "state/tracker.key", error) == keys->public_key);
    // The secret certificate names the same public key.
    CHECK(resolve_public_key(dir / "state/tracker.key_secret", error) == keys->public_key);
    // One czmq wrote.
    const KeyPair other = make_key_pair();
    write_file(dir / "other.key", zcert_text(other, '\'', false));
    CHECK(resolve_public_key(dir / "other.key", error) == other.public_key);
}

TEST_CASE("resolve_public_key reads a bare key on the first line", "[curve_keys]") {
    TempDir dir;
    const KeyPair keys = make_key_pair();
    std::string error;
    write_file(dir / "a", keys.public_key + "\n");
    CHECK(resolve_public_key(dir / "a", error) == keys.public_key);
    write_file(dir / "b", keys.public_key);
    CHECK(resolve_public_key(dir / "b", error) == keys.public_key);
    write_file(dir / "c", "  " + keys.public_key + " \r\nsomething else\n");
    CHECK(resolve_public_key(dir / "c", error) == keys.public_key);
    // A key containing '#' is a key, not a comment.
    const KeyPair hashed =
        key_pair_where([](const KeyPair &k) { return k.public_key.find('#') != std::string::npos; });
    write_file(dir / "d", hashed.public_key + "\n");
    CHECK(resolve_public_key(dir / "d", error) == hashed.public_key);
}

TEST_CASE("resolve_public_key refuses a missing path and garbage", "[curve_keys]") {
    TempDir dir;
    const KeyPair keys = make_key_pair();
    std::string error;

    SECTION("a missing path") {
        CHECK_FALSE(resolve_public_key(dir / "missing.key", error));
        CHECK(error.find(dir / "missing.key") != std::string::npos);
        CHECK(error.find("neither") != std::string::npos);
    }
    SECTION("an empty string") {
        CHECK_FALSE(resolve_public_key("", error));
        CHECK_FALSE(error.empty());
    }
    SECTION("a key one character short") {
        CHECK_FALSE(resolve_public_key(keys.public_key.substr(1), error));
        CHECK_FALSE(error.empty());
    }
    SECTION("a file of garbage") {
        write_file(dir / "garbage", "hello world\n\x01\x02\x03");
        CHECK_FALSE(resolve_public_key(dir / "garbage", error));
        CHECK(error.find("holds no key") != std::string::npos);
    }
    SECTION("an empty file") {
        write_file(dir / "empty", "");
        CHECK_FALSE(resolve_public_key(dir / "empty", error));
        CHECK_FALSE(error.empty());
    }
    SECTION("a bad key on the first line") {
        std::string bad = keys.public_key;
        bad[0] = '~';
        write_file(dir / "bad", bad + "\n");
        CHECK_FALSE(resolve_public_key(dir / "bad", error));
        CHECK_FALSE(error.empty());
    }
    SECTION("a certificate whose halves do not belong together") {
        write_file(dir / "mixed", zcert_text({keys.public_key, make_key_pair().secret_key}, '"', true));
        CHECK_FALSE(resolve_public_key(dir / "mixed", error));
        CHECK_FALSE(error.empty());
    }
    SECTION("a directory") {
        CHECK_FALSE(resolve_public_key(dir.path, error));
        CHECK_FALSE(error.empty());
    }
}

// --- shell_quoted --------------------------------------------------------------------------

TEST_CASE("shell_quoted keeps keys whole through a shell", "[curve_keys]") {
    std::vector<std::string> texts = {
        key_pair_where([](const KeyPair &k) { return k.public_key.front() == '-'; }).public_key,
        key_pair_where([](const KeyPair &k) {
            return k.public_key.find('$') != std::string::npos;
        }).public_key,
        key_pair_where([](const KeyPair &k) {
            return k.public_key.find('&') != std::string::npos;
        }).public_key,
        key_pair_where([](const KeyPair &k) {
            return k.public_key.find('(') != std::string::npos;
        }).public_key,
        z85_alphabet,
        "it's",
        "'",
        "''",
        "'leading and trailing'",
        "a'b'c",
        "$(echo pwned)",
        "`echo pwned`",
        "$HOME ${HOME} $0 $$",
        "a b\tc",
        "line\nbreak",
        "back\\slash\\",
        "!*?[a]{b,c}~;|<>&",
        "\"double\"",
        "",
    };
    for (const std::string &text : texts) {
        INFO("text: " << text);
        const std::string quoted = shell_quoted(text);
        // One word, exactly the text.
        CHECK(through_shell(quoted) == "[" + text + "]");
    }
}

TEST_CASE("shell_quoted quotes with single quotes", "[curve_keys]") {
    CHECK(shell_quoted("abc") == "'abc'");
    CHECK(shell_quoted("") == "''");
    CHECK(shell_quoted("it's") == "'it'\\''s'");
}

// --- default_state_directory ---------------------------------------------------------------

TEST_CASE("default_state_directory follows XDG_STATE_HOME, then HOME", "[curve_keys]") {
    EnvironmentVariable xdg("XDG_STATE_HOME");
    EnvironmentVariable home("HOME");

    SECTION("XDG_STATE_HOME set") {
        xdg.set("/x/state");
        home.set("/home/u");
        CHECK(default_state_directory("tracker") == "/x/state/zshare/tracker");
        CHECK(default_state_directory("node") == "/x/state/zshare/node");
    }
    SECTION("XDG_STATE_HOME unset") {
        xdg.unset();
        home.set("/home/u");
        CHECK(default_state_directory("tracker") == "/home/u/.local/state/zshare/tracker");
    }
    SECTION("XDG_STATE_HOME empty") {
        xdg.set("");
        home.set("/home/u");
        CHECK(default_state_directory("tracker") == "/home/u/.local/state/zshare/tracker");
    }
    SECTION("XDG_STATE_HOME relative: ignored, as the XDG spec says") {
        xdg.set("relative/state");
        home.set("/home/u");
        CHECK(default_state_directory("tracker") == "/home/u/.local/state/zshare/tracker");
    }
    SECTION("XDG_STATE_HOME set, HOME unset") {
        xdg.set("/x/state");
        home.unset();
        CHECK(default_state_directory("tracker") == "/x/state/zshare/tracker");
    }
    SECTION("neither set") {
        xdg.unset();
        home.unset();
        CHECK(default_state_directory("tracker").empty());
    }
    SECTION("HOME empty or relative") {
        xdg.unset();
        home.set("");
        CHECK(default_state_directory("tracker").empty());
        home.set("home/u");
        CHECK(default_state_directory("tracker").empty());
    }
}
