#include <catch2/catch.hpp>

#include "temp_files.hpp"

#include "curve_keys.hpp"
#include "name_bindings.hpp"

#include <filesystem>
#include <fstream>
#include <sqlite3.h>
#include <stdexcept>
#include <string>

using zshare::broker::NameBindings;
using zshare::protocol::make_key_pair;
using zshare::testing::TempDir;
using zshare::testing::write_file;
namespace fs = std::filesystem;

namespace {
std::string fresh_key() {
    return make_key_pair().public_key;
}
} // namespace

TEST_CASE("a new database binds nothing", "[name_bindings]") {
    TempDir dir;
    const NameBindings bindings(dir / "names.db");
    CHECK(bindings.size() == 0);
    CHECK_FALSE(bindings.key_of("alice"));
    CHECK(fs::exists(dir / "names.db"));
}

TEST_CASE("bind then key_of", "[name_bindings]") {
    TempDir dir;
    NameBindings bindings(dir / "names.db");
    const std::string alice = fresh_key(), bob = fresh_key();
    CHECK(bindings.bind("alice", alice).empty());
    CHECK(bindings.size() == 1);
    CHECK(bindings.key_of("alice") == alice);
    CHECK_FALSE(bindings.key_of("bob"));
    CHECK_FALSE(bindings.key_of("Alice"));
    CHECK_FALSE(bindings.key_of(""));

    CHECK(bindings.bind("bob", bob).empty());
    CHECK(bindings.size() == 2);
    CHECK(bindings.key_of("bob") == bob);
    CHECK(bindings.key_of("alice") == alice);

    // The same binding again changes nothing.
    CHECK(bindings.bind("alice", alice).empty());
    CHECK(bindings.size() == 2);
    CHECK(bindings.key_of("alice") == alice);
}

TEST_CASE("bindings survive a restart", "[name_bindings]") {
    TempDir dir;
    const std::string path = dir / "names.db";
    const std::string alice = fresh_key(), bob = fresh_key();
    {
        NameBindings bindings(path);
        REQUIRE(bindings.bind("alice", alice).empty());
        REQUIRE(bindings.bind("bob", bob).empty());
    }
    {
        NameBindings bindings(path);
        CHECK(bindings.size() == 2);
        CHECK(bindings.key_of("alice") == alice);
        CHECK(bindings.key_of("bob") == bob);
        CHECK(bindings.release("bob"));
    }
    {
        const NameBindings bindings(path);
        CHECK(bindings.size() == 1);
        CHECK(bindings.key_of("alice") == alice);
        CHECK_FALSE(bindings.key_of("bob"));
    }
}

TEST_CASE("a second handle on the database sees what the first wrote", "[name_bindings]") {
    // Written through before bind() returns: a tracker killed right after still has it.
    TempDir dir;
    const std::string path = dir / "names.db";
    const std::string alice = fresh_key();
    NameBindings first(path);
    REQUIRE(first.bind("alice", alice).empty());
    const NameBindings second(path);
    CHECK(second.key_of("alice") == alice);
}

TEST_CASE("release frees a name once", "[name_bindings]") {
    TempDir dir;
    NameBindings bindings(dir / "names.db");
    const std::string alice = fresh_key();
    REQUIRE(bindings.bind("alice", alice).empty());
    CHECK(bindings.release("alice"));
    CHECK_FALSE(bindings.key_of("alice"));
    CHECK(bindings.size() == 0);
    CHECK_FALSE(bindings.release("alice"));
    CHECK_FALSE(bindings.release("never-bound"));
    CHECK(bindings.size() == 0);
}

TEST_CASE("a released name can be bound to another key", "[name_bindings]") {
    TempDir dir;
    const std::string path = dir / "names.db";
    const std::string old_key = fresh_key(), new_key = fresh_key();
    {
        NameBindings bindings(path);
        REQUIRE(bindings.bind("alice", old_key).empty());
        REQUIRE(bindings.release("alice"));
        CHECK(bindings.bind("alice", new_key).empty());
        CHECK(bindings.key_of("alice") == new_key);
        CHECK(bindings.size() == 1);
    }
    const NameBindings reopened(path);
    CHECK(reopened.key_of("alice") == new_key);
    CHECK(reopened.size() == 1);
}

TEST_CASE("names and keys are kept byte for byte", "[name_bindings]") {
    TempDir dir;
    const std::string path = dir / "names.db";
    // SQL quoting is the statement's business, not the name's.
    const std::string names[] = {"o'brien", "a\"b", "x; DROP TABLE bindings; --", "unicode-é", "%_*"};
    const std::string key = fresh_key();
    {
        NameBindings bindings(path);
        for (const auto &name : names)
            REQUIRE(bindings.bind(name, key).empty());
        CHECK(bindings.size() == 5);
    }
    const NameBindings reopened(path);
    CHECK(reopened.size() == 5);
    for (const auto &name : names)
        CHECK(reopened.key_of(name) == key);
    CHECK_FALSE(reopened.key_of("o"));
}

TEST_CASE("many bindings", "[name_bindings]") {
    TempDir dir;
    const std::string path = dir / "names.db";
    {
        NameBindings bindings(path);
        for (int i = 0; i < 500; ++i)
            REQUIRE(bindings.bind("user" + std::to_string(i), "key" + std::to_string(i)).empty());
        CHECK(bindings.size() == 500);
        for (int i = 0; i < 500; i += 2)
            REQUIRE(bindings.release("user" + std::to_string(i)));
        CHECK(bindings.size() == 250);
    }
    const NameBindings reopened(path);
    CHECK(reopened.size() == 250);
    CHECK(reopened.key_of("user1") == "key1");
    CHECK_FALSE(reopened.key_of("user2"));
    CHECK(reopened.key_of("user499") == "key499");
}

TEST_CASE("a database in a missing directory throws", "[name_bindings]") {
    TempDir dir;
    const std::string path = dir / "missing/names.db";
    CHECK_THROWS_AS(NameBindings(path), std::runtime_error);
    try {
        NameBindings bindings(path);
    } catch (const std::runtime_error &e) {
        CHECK(std::string(e.what()).find(path) != std::string::npos);
    }
    CHECK_FALSE(fs::exists(dir / "missing"));
}

TEST_CASE("a file that is not a database throws", "[name_bindings]") {
    TempDir dir;
    const std::string path = dir / "names.db";
    write_file(path, std::string(4096, 'x'));
    CHECK_THROWS_AS(NameBindings(path), std::runtime_error);
}

TEST_CASE("a directory as the database throws", "[name_bindings]") {
    TempDir dir;
    CHECK_THROWS_AS(NameBindings(dir.path), std::runtime_error);
}

TEST_CASE("a binding that cannot be written is reported and not kept", "[name_bindings]") {
    TempDir dir;
    const std::string path = dir / "names.db";
    NameBindings bindings(path);
    REQUIRE(bindings.bind("alice", fresh_key()).empty());

    // Another writer holds the database's write lock past bind()'s busy timeout.
    sqlite3 *other = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &other) == SQLITE_OK);
    REQUIRE(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
    const std::string error = bindings.bind("bob", fresh_key());
    CHECK_FALSE(error.empty());
    CHECK(error.find("'bob'") != std::string::npos);
    CHECK_FALSE(bindings.key_of("bob")); // memory agrees with the database
    CHECK(bindings.size() == 1);
    CHECK_THROWS_AS(bindings.release("alice"), std::runtime_error);
    CHECK(bindings.key_of("alice")); // a release that failed frees nothing
    sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(other);

    // Once the lock is gone, it works again.
    CHECK(bindings.bind("bob", fresh_key()).empty());
    CHECK(bindings.size() == 2);
}

TEST_CASE("refresh reads a binding again", "[name_bindings]") {
    // `zshare-tracker --release` frees a name in the database while a tracker runs.
    TempDir dir;
    const std::string path = dir / "names.db";
    const std::string alice = fresh_key(), bob = fresh_key(), carol = fresh_key();
    NameBindings running(path);
    REQUIRE(running.bind("alice", alice).empty());
    REQUIRE(running.bind("bob", bob).empty());
    {
        NameBindings release_tool(path);
        REQUIRE(release_tool.release("alice"));
        REQUIRE(release_tool.bind("carol", carol).empty());
    }
    // Memory still says what it read; refresh asks the database.
    CHECK(running.key_of("alice") == alice);
    CHECK_FALSE(running.refresh("alice"));
    CHECK_FALSE(running.key_of("alice"));
    CHECK(running.refresh("bob") == bob);
    CHECK(running.refresh("carol") == carol);
    CHECK(running.key_of("carol") == carol);
    CHECK_FALSE(running.refresh("nobody"));
    CHECK(running.size() == 2);
}

TEST_CASE("refresh keeps a binding it cannot read", "[name_bindings]") {
    // A name whose row cannot be read right now is not free: saying so would let the next key
    // that asks bind it (trust on first use).
    TempDir dir;
    const std::string path = dir / "names.db";
    const std::string alice = fresh_key();
    NameBindings running(path);
    REQUIRE(running.bind("alice", alice).empty());

    // The database file goes bad under the running tracker (a disk error, a bad copy): the
    // row cannot be read, which is not the same as there being no row.
    // (Its rows are first moved from the write-ahead log into the file, as a checkpoint does.)
    sqlite3 *other = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &other) == SQLITE_OK);
    REQUIRE(sqlite3_exec(other, "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(other);
    {
        std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
        REQUIRE(file.good());
        const std::string garbage(static_cast<std::size_t>(fs::file_size(path)), 'x');
        file.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
    }
    const auto owner = running.refresh("alice");
    CHECK(owner == alice);
    CHECK(running.key_of("alice") == alice);
}
