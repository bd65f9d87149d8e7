#include <catch2/catch.hpp>

#include "command_line.hpp"

#include <string>
#include <vector>

using namespace zshare::node;
using Strings = std::vector<std::string>;

TEST_CASE("split plain words", "[command_line]") {
    CHECK(split_words("").words.empty());
    CHECK(split_words("   \t ").words.empty());
    CHECK(split_words("list").words == Strings{"list"});
    CHECK(split_words("download alice /tmp/a").words == Strings{"download", "alice", "/tmp/a"});
    CHECK(split_words("  a   b\t\tc  ").words == Strings{"a", "b", "c"});
    CHECK(split_words("a\nb").words == Strings{"a", "b"});
    CHECK(split_words("a b").error.empty());
}

TEST_CASE("split quoted words", "[command_line]") {
    CHECK(split_words("register \"/tmp/my file\" b").words == Strings{"register", "/tmp/my file", "b"});
    CHECK(split_words("\"  lead and trail  \"").words == Strings{"  lead and trail  "});
    CHECK(split_words("ab\"c d\"ef").words == Strings{"abc def"}); // quotes join a word
    CHECK(split_words("\"a\"\"b\"").words == Strings{"ab"});
    CHECK(split_words("'single' quotes").words == Strings{"'single'", "quotes"});
}

TEST_CASE("split escapes inside quotes", "[command_line]") {
    CHECK(split_words(R"("a \"b\" c")").words == Strings{R"(a "b" c)"});
    CHECK(split_words(R"("back\\slash")").words == Strings{R"(back\slash)"});
    CHECK(split_words(R"("\x")").words == Strings{"x"});
    // Outside quotes a backslash is an ordinary character.
    CHECK(split_words(R"(a\b c\)").words == Strings{R"(a\b)", R"(c\)"});
}

TEST_CASE("split empty quotes give an empty word", "[command_line]") {
    CHECK(split_words("\"\"").words == Strings{""});
    CHECK(split_words("a \"\" b").words == Strings{"a", "", "b"});
    CHECK(split_words("a \"\"").words == Strings{"a", ""});
}

TEST_CASE("split unterminated quote", "[command_line]") {
    auto words = split_words("register \"/tmp/a");
    CHECK_FALSE(words.error.empty());
    CHECK_THAT(words.error, Catch::Contains("quote"));
    CHECK(split_words("\"").error.size() > 0);
    CHECK(split_words("\"abc\\\"").error.size() > 0); // the escaped quote does not close it
    CHECK(split_words("\"abc\\").error.size() > 0);
    CHECK(split_words("\"a\" \"b").error.size() > 0);
}

TEST_CASE("without commas", "[command_line]") {
    CHECK(without_commas({}).empty());
    CHECK(without_commas({"a,", "b", ",", "c"}) == Strings{"a", "b", "c"});
    CHECK(without_commas({"a", ",", ",", "b,"}) == Strings{"a", "b"});
    CHECK(without_commas({"a,,"}) == Strings{"a,"});  // only one trailing comma
    CHECK(without_commas({"a,b"}) == Strings{"a,b"}); // commas inside a word stay
    CHECK(without_commas({",a"}) == Strings{",a"});
    CHECK(without_commas({""}) == Strings{""});
    // Tokens from a typed line.
    CHECK(without_commas(split_words("register a, b , c").words) == Strings{"register", "a", "b", "c"});
}

TEST_CASE("quote word", "[command_line]") {
    CHECK(quote_word("plain") == "plain");
    CHECK(quote_word("/tmp/a.txt") == "/tmp/a.txt");
    CHECK(quote_word("") == "\"\"");
    CHECK(quote_word("a b") == "\"a b\"");
    CHECK(quote_word(R"(a"b)") == R"("a\"b")");
    CHECK(quote_word(R"(a\b)") == R"("a\\b")");
}

TEST_CASE("quote word round trip through split words", "[command_line]") {
    const Strings texts = {"plain",
                           "",
                           "with space",
                           "  two  blanks ",
                           "tab\there",
                           "new\nline",
                           R"(quote"inside)",
                           R"(back\slash)",
                           R"(trailing\)",
                           R"(\")",
                           "\"",
                           "a,b",
                           "'single'",
                           "\"\"",
                           R"(\\)",
                           "/tmp/dir with space/f.txt"};
    for (const auto &text : texts) {
        INFO("text [" << text << "] quoted [" << quote_word(text) << "]");
        const Words words = split_words(quote_word(text));
        CHECK(words.error.empty());
        CHECK(words.words == Strings{text});
    }
    // Several quoted words on one line.
    std::string line;
    for (const auto &text : texts)
        line += quote_word(text) + " ";
    const Words words = split_words(line);
    CHECK(words.error.empty());
    CHECK(words.words == texts);
}
