#include <catch2/catch.hpp>

#include "command_line.hpp"
#include "temp_files.hpp"
#include "word_completion.hpp"

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

using namespace zshare::node;
using zshare::testing::TempDir;
using zshare::testing::write_file;
using Strings = std::vector<std::string>;

using zshare::testing::ChangeDirectory;

namespace {

/// Sets $HOME for the test, and puts it back at the end.
class SetHome {
public:
    explicit SetHome(const std::string& home) {
        if (const char* old = std::getenv("HOME"))
            m_old = old;
        ::setenv("HOME", home.c_str(), 1);
    }
    ~SetHome() {
        if (m_old)
            ::setenv("HOME", m_old->c_str(), 1);
        else
            ::unsetenv("HOME");
    }
    SetHome(const SetHome&) = delete;
    SetHome& operator=(const SetHome&) = delete;

private:
    std::optional<std::string> m_old; ///< $HOME before the test
};

/// A directory of files and subdirectories to complete.
void fill(const TempDir& dir) {
    write_file(dir / "alpha.txt", "a");
    write_file(dir / "alps", "a");
    write_file(dir / "my file.txt", "m");
    write_file(dir / ".hidden", "h");
    write_file(dir / "docs/readme", "r");
    write_file(dir / "docs/.secret", "s");
    write_file(dir / "albums/one", "1");
    write_file(dir / "\xc3\xa9t\xc3\xa9", "e");
}

} // namespace

TEST_CASE("context of unquoted words", "[completion]") {
    auto context = completion_context("get alice fi");
    CHECK(context.before == Strings{"get", "alice"});
    CHECK(context.partial == "fi");
    CHECK(context.start == 10);
    CHECK_FALSE(context.open_quote);

    context = completion_context("ge");
    CHECK(context.before.empty());
    CHECK(context.partial == "ge");
    CHECK(context.start == 0);

    context = completion_context("  get\t\tal");
    CHECK(context.before == Strings{"get"});
    CHECK(context.partial == "al");
    CHECK(context.start == 7);

    // Outside quotes a backslash is an ordinary character, as in split_words.
    context = completion_context(R"(register my\ )");
    CHECK(context.before == Strings{"register", R"(my\)"});
    CHECK(context.partial.empty());
    CHECK(context.start == 13);
}

TEST_CASE("context after a blank", "[completion]") {
    for (const std::string line : {"", " ", "get ", "get alice  ", "get \"a b\" "}) {
        INFO(line);
        const auto context = completion_context(line);
        CHECK(context.partial.empty());
        CHECK(context.start == line.size());
        CHECK_FALSE(context.open_quote);
        CHECK(context.before == split_words(line).words);
    }
}

TEST_CASE("context of quoted words", "[completion]") {
    auto context = completion_context("register \"my fi");
    CHECK(context.before == Strings{"register"});
    CHECK(context.partial == "my fi");
    CHECK(context.start == 9);
    CHECK(context.open_quote);

    context = completion_context("register \"my file\" \"a \\\"b\\\\");
    CHECK(context.before == Strings{"register", "my file"});
    CHECK(context.partial == "a \"b\\");
    CHECK(context.start == 19);
    CHECK(context.open_quote);

    // A closed quote: the word goes on, and it starts where the word does.
    context = completion_context("get \"my dir/\"fi");
    CHECK(context.before == Strings{"get"});
    CHECK(context.partial == "my dir/fi");
    CHECK(context.start == 4);
    CHECK_FALSE(context.open_quote);

    context = completion_context("get ab\"c d");
    CHECK(context.partial == "abc d");
    CHECK(context.start == 4);
    CHECK(context.open_quote);

    context = completion_context("get \"");
    CHECK(context.partial.empty());
    CHECK(context.start == 4);
    CHECK(context.open_quote);

    // A quoted blank does not end the word.
    context = completion_context("get \"a ");
    CHECK(context.before == Strings{"get"});
    CHECK(context.partial == "a ");
    CHECK(context.open_quote);

    // A backslash at the very end is kept, as split_words keeps it.
    context = completion_context("get \"a\\");
    CHECK(context.partial == "a\\");
}

TEST_CASE("completion text", "[completion]") {
    CHECK(completion_text("alice", true) == "alice ");
    CHECK(completion_text("alice", false) == "alice");
    CHECK(completion_text("my file.txt", true) == "\"my file.txt\" ");
    CHECK(completion_text("my file.txt", false) == "\"my file.txt\"");
    CHECK(completion_text("docs/", true) == "docs/");
    CHECK(completion_text("my docs/", true) == "\"my docs/\"");
    CHECK(completion_text(R"(a "b" \c)", true) == R"("a \"b\" \\c" )");
    CHECK(completion_text("", true) == "\"\" ");
}

TEST_CASE("completion text round-trips through split_words", "[completion]") {
    for (const std::string candidate : {"plain", "my file.txt", "tab\there", R"(q"uote)", R"(back\slash)",
                                        "\xd0\xb6 \xc3\xa9", "trailing/", "dir with blank/"}) {
        INFO(candidate);
        // Completing replaces [start, cursor): the line before stays, the word is rewritten.
        for (const std::string& typed :
             {std::string("get "), std::string("get \"") + candidate.substr(0, 2)}) {
            const auto context = completion_context(typed);
            const std::string line = typed.substr(0, context.start) + completion_text(candidate, true);
            const auto words = split_words(line);
            CHECK(words.error.empty());
            CHECK(words.words == Strings{"get", candidate});
            CHECK(completion_context(line).before.size() == (candidate.back() == '/' ? 1U : 2U));
        }
    }
}

TEST_CASE("common prefix", "[completion]") {
    CHECK(common_prefix({}).empty());
    CHECK(common_prefix({"alice"}) == "alice");
    CHECK(common_prefix({"alice", "alps", "album"}) == "al");
    CHECK(common_prefix({"alice", "bob"}).empty());
    CHECK(common_prefix({"ab", "abc", "abcd"}) == "ab");
    CHECK(common_prefix({"my file", "my fish"}) == "my fi");
    CHECK(common_prefix({"", "a"}).empty());
}

TEST_CASE("common prefix never cuts a utf-8 character", "[completion]") {
    // "é" is c3 a9, "è" c3 a8 and "ж" d0 b6: the first two share their lead byte.
    CHECK(common_prefix({"caf\xc3\xa9", "caf\xc3\xa8"}) == "caf");
    CHECK(common_prefix({"caf\xc3\xa9s", "caf\xc3\xa9"}) == "caf\xc3\xa9");
    CHECK(common_prefix({"\xd0\xb6"
                         "a",
                         "\xd0\xb6"
                         "b"}) == "\xd0\xb6");
    CHECK(common_prefix({"\xe2\x82\xac", "\xe2\x82\xad"}).empty());
    CHECK(common_prefix({"\xf0\x9f\x98\x80", "\xf0\x9f\x98\x81"}).empty());
}

TEST_CASE("partial text", "[completion]") {
    CHECK(partial_text("al") == "al");
    CHECK(partial_text("").empty());
    CHECK(partial_text("my fi") == "\"my fi");
    CHECK(partial_text(R"(a "b)") == R"("a \"b)");
    CHECK(partial_text(R"(c:\x)") == R"("c:\\x)");
    // The user goes on typing inside the quote, and split_words reads it as typed.
    const auto words = split_words("get " + partial_text("my fi") + "le\"");
    CHECK(words.words == Strings{"get", "my file"});
    // And completion reads it back as the same partial word.
    const auto context = completion_context("get " + partial_text("my fi"));
    CHECK(context.partial == "my fi");
    CHECK(context.open_quote);
    CHECK(context.start == 4);
}

TEST_CASE("filter by prefix", "[completion]") {
    CHECK(filter_prefix({"list", "get", "login", "list", "lo"}, "l") == Strings{"list", "lo", "login"});
    CHECK(filter_prefix({"b", "a", "a"}, "") == Strings{"a", "b"});
    CHECK(filter_prefix({"get"}, "gets").empty());
    CHECK(filter_prefix({}, "x").empty());
}

TEST_CASE("local paths in a directory", "[completion]") {
    TempDir dir;
    fill(dir);
    const std::string base = dir.path + "/";
    CHECK(local_path_candidates(base) == Strings{base + "albums/", base + "alpha.txt", base + "alps",
                                                 base + "docs/", base + "my file.txt",
                                                 base + "\xc3\xa9t\xc3\xa9"});
    CHECK(local_path_candidates(base + "al") == Strings{base + "albums/", base + "alpha.txt", base + "alps"});
    CHECK(local_path_candidates(base + "alp") == Strings{base + "alpha.txt", base + "alps"});
    CHECK(local_path_candidates(base + "my") == Strings{base + "my file.txt"});
    CHECK(local_path_candidates(base + "\xc3\xa9") == Strings{base + "\xc3\xa9t\xc3\xa9"});
    CHECK(local_path_candidates(base + "docs") == Strings{base + "docs/"});
    CHECK(local_path_candidates(base + "docs/") == Strings{base + "docs/readme"});
    CHECK(local_path_candidates(base + "zzz").empty());
    // The directory part is kept as typed.
    CHECK(local_path_candidates(base + "docs/../do") == Strings{base + "docs/../docs/"});
    CHECK(local_path_candidates(dir.path + "//docs//r") == Strings{dir.path + "//docs//readme"});
}

TEST_CASE("local paths show hidden entries only when asked", "[completion]") {
    TempDir dir;
    fill(dir);
    const std::string base = dir.path + "/";
    CHECK(local_path_candidates(base + ".") == Strings{base + ".hidden"});
    CHECK(local_path_candidates(base + ".h") == Strings{base + ".hidden"});
    CHECK(local_path_candidates(base + "docs/.") == Strings{base + "docs/.secret"});
}

TEST_CASE("local paths relative to the current directory", "[completion]") {
    TempDir dir;
    fill(dir);
    ChangeDirectory in(dir.path);
    CHECK(local_path_candidates("al") == Strings{"albums/", "alpha.txt", "alps"});
    CHECK(local_path_candidates("") ==
          Strings{"albums/", "alpha.txt", "alps", "docs/", "my file.txt", "\xc3\xa9t\xc3\xa9"});
    CHECK(local_path_candidates("docs/re") == Strings{"docs/readme"});
    CHECK(local_path_candidates("./d") == Strings{"./docs/"});
    CHECK(local_path_candidates("albums/../a") ==
          Strings{"albums/../albums/", "albums/../alpha.txt", "albums/../alps"});
}

TEST_CASE("local paths under the home directory", "[completion]") {
    TempDir dir;
    fill(dir);
    SetHome home(dir.path);
    CHECK(local_path_candidates("~/al") == Strings{"~/albums/", "~/alpha.txt", "~/alps"});
    CHECK(local_path_candidates("~/docs/") == Strings{"~/docs/readme"});
    ::unsetenv("HOME");
    CHECK(local_path_candidates("~/al").empty());
}

TEST_CASE("local paths of a link to a directory", "[completion]") {
    TempDir dir;
    fill(dir);
    std::filesystem::create_directory_symlink(dir / "docs", dir / "linked");
    std::filesystem::create_symlink(dir / "nowhere", dir / "dangling");
    CHECK(local_path_candidates(dir / "li") == Strings{dir / "linked/"});
    CHECK(local_path_candidates(dir / "linked/") == Strings{dir / "linked/readme"});
    CHECK(local_path_candidates(dir / "da") == Strings{dir / "dangling"});
}

TEST_CASE("local paths of unreadable or missing directories", "[completion]") {
    TempDir dir;
    fill(dir);
    CHECK(local_path_candidates(dir / "missing/").empty());
    CHECK(local_path_candidates(dir / "alps/").empty()); // a file, not a directory
    std::filesystem::permissions(dir / "docs", std::filesystem::perms::none);
    if (::access((dir / "docs").c_str(), R_OK) == 0)
        return; // root reads anything: nothing to test
    CHECK(local_path_candidates(dir / "docs/").empty());
    CHECK(local_path_candidates(dir / "docs/r").empty());
    // The directory itself is still listed where it lives.
    CHECK(local_path_candidates(dir / "do") == Strings{dir / "docs/"});
}
