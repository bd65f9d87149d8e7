#include <catch2/catch.hpp>

#include "commands.hpp"

#include <set>
#include <string>
#include <string_view>
#include <vector>

using namespace zshare::node;
using Words = std::vector<std::string>;

namespace {

/// Handlers that record which one ran, with what; each returns `answer`.
class Recorder : public CommandHandlers {
public:
    std::string ran;         ///< the handler's name, "" when none ran
    Words args;              ///< what it was given (for refuse: the text)
    bool background = false; ///< download()'s flag
    int calls = 0;           ///< how many handlers ran
    Outcome answer = Outcome::ok;

    Outcome list_users(const Words &a) override { return record("list_users", a); }
    Outcome list_files(const Words &a) override { return record("list_files", a); }
    Outcome register_paths(const Words &a) override { return record("register_paths", a); }
    Outcome unregister_paths(const Words &a) override { return record("unregister_paths", a); }
    Outcome download(const Words &a, bool in_background) override {
        background = in_background;
        return record("download", a);
    }
    Outcome list_downloads(const Words &a) override { return record("list_downloads", a); }
    Outcome cancel(const Words &a) override { return record("cancel", a); }
    Outcome status(const Words &a) override { return record("status", a); }
    Outcome help(const Words &a) override { return record("help", a); }
    Outcome quit(const Words &a) override { return record("quit", a); }
    Outcome register_user(const Words &a) override { return record("register_user", a); }
    Outcome refuse(const std::string &text) override {
        record("refuse", {text});
        return Outcome::failed;
    }

private:
    Outcome record(const char *name, const Words &a) {
        ran = name;
        args = a;
        ++calls;
        return answer;
    }
};

/// Returns: the recorder after dispatching `words`.
Recorder dispatched(const Words &words) {
    Recorder recorder;
    dispatch(recorder, words);
    return recorder;
}

std::string usage_of(std::string_view name) {
    const CommandSpec *spec = find_command(name);
    REQUIRE(spec != nullptr);
    return "usage: " + std::string(spec->usage);
}

} // namespace

TEST_CASE("every command has a usage and a summary", "[commands]") {
    REQUIRE_FALSE(command_table().empty());
    for (const auto &spec : command_table()) {
        INFO(spec.name);
        CHECK_FALSE(spec.name.empty());
        CHECK_FALSE(spec.summary.empty());
        // The usage starts with the command's own name.
        CHECK(spec.usage.substr(0, spec.name.size()) == spec.name);
        CHECK(spec.min_args <= spec.max_args);
        // Only download is a background command, and it alone has no handler of its own.
        CHECK(spec.background == (spec.name == "download"));
        CHECK((spec.run == nullptr) == (spec.name == "download"));
    }
}

TEST_CASE("command names and aliases are unique", "[commands]") {
    std::set<std::string_view> names;
    std::size_t count = 0;
    for (const auto &spec : command_table()) {
        names.insert(spec.name);
        ++count;
        for (const auto alias : spec.aliases) {
            CHECK_FALSE(alias.empty());
            names.insert(alias);
            ++count;
        }
    }
    CHECK(names.size() == count);
    for (const char *name : {"list-users", "list-files", "register", "unregister", "download", "downloads",
                             "cancel", "status", "help", "register-user", "exit"})
        CHECK(names.count(name) == 1);
}

TEST_CASE("find a command by name or alias", "[commands]") {
    for (const auto &spec : command_table()) {
        CHECK(find_command(spec.name) == &spec);
        for (const auto alias : spec.aliases)
            CHECK(find_command(alias) == &spec);
    }
    REQUIRE(find_command("list") != nullptr);
    CHECK(find_command("list")->name == "list-files");
    REQUIRE(find_command("quit") != nullptr);
    CHECK(find_command("quit")->name == "exit");
    CHECK(find_command("") == nullptr);
    CHECK(find_command("nope") == nullptr);
    CHECK(find_command("Download") == nullptr);
    CHECK(find_command("download ") == nullptr);
    CHECK(find_command("downl") == nullptr);
}

TEST_CASE("argument kinds per position", "[commands]") {
    const CommandSpec &download = *find_command("download");
    CHECK(argument_kind(download, 0) == ArgumentKind::user_or_content);
    CHECK(argument_kind(download, 1) == ArgumentKind::remote_path);
    CHECK(argument_kind(download, 2) == ArgumentKind::local_path);
    CHECK(argument_kind(download, 3) == ArgumentKind::none);
    CHECK(argument_kind(download, 100) == ArgumentKind::none);

    // The last kind repeats, without limit for `register <path>...`.
    const CommandSpec &reg = *find_command("register");
    CHECK(argument_kind(reg, 0) == ArgumentKind::local_path);
    CHECK(argument_kind(reg, 1) == ArgumentKind::local_path);
    CHECK(argument_kind(reg, 1000) == ArgumentKind::local_path);
    const CommandSpec &unreg = *find_command("unregister");
    CHECK(argument_kind(unreg, 0) == ArgumentKind::shared_path);
    CHECK(argument_kind(unreg, 7) == ArgumentKind::shared_path);

    CHECK(argument_kind(*find_command("cancel"), 0) == ArgumentKind::download_id);
    CHECK(argument_kind(*find_command("cancel"), 1) == ArgumentKind::none);
    CHECK(argument_kind(*find_command("help"), 0) == ArgumentKind::command);
    CHECK(argument_kind(*find_command("help"), 1) == ArgumentKind::none);
    CHECK(argument_kind(*find_command("list-files"), 0) == ArgumentKind::user);
    CHECK(argument_kind(*find_command("list-files"), 1) == ArgumentKind::remote_path);
    CHECK(argument_kind(*find_command("list-files"), 3) == ArgumentKind::none);

    for (const char *name : {"list-users", "downloads", "status", "exit", "register-user"}) {
        INFO(name);
        CHECK(argument_kind(*find_command(name), 0) == ArgumentKind::none);
        CHECK(argument_kind(*find_command(name), 5) == ArgumentKind::none);
    }
}

TEST_CASE("dispatch runs the command's handler with its arguments", "[commands]") {
    struct Case {
        Words words;
        const char *handler;
        Words args;
    };
    const std::vector<Case> cases = {
        {{"list-users"}, "list_users", {}},
        {{"list-files"}, "list_files", {}},
        {{"list-files", "-l"}, "list_files", {"-l"}},
        {{"list", "-l"}, "list_files", {"-l"}},
        {{"register", "a"}, "register_paths", {"a"}},
        {{"register", "a", "b c", "d"}, "register_paths", {"a", "b c", "d"}},
        {{"unregister", "/x", "/y"}, "unregister_paths", {"/x", "/y"}},
        {{"downloads"}, "list_downloads", {}},
        {{"cancel", "3"}, "cancel", {"3"}},
        {{"status"}, "status", {}},
        {{"help"}, "help", {}},
        {{"help", "download"}, "help", {"download"}},
        {{"register-user"}, "register_user", {}},
        {{"register-user", "bob", "more"}, "register_user", {"bob", "more"}},
        {{"exit"}, "quit", {}},
        {{"quit"}, "quit", {}},
    };
    for (const auto &c : cases) {
        INFO(c.words[0] << " with " << c.words.size() - 1 << " arguments");
        const Recorder recorder = dispatched(c.words);
        CHECK(recorder.ran == c.handler);
        CHECK(recorder.args == c.args);
        CHECK(recorder.calls == 1);
    }
}

TEST_CASE("dispatch returns the handler's outcome", "[commands]") {
    for (const Outcome outcome : {Outcome::ok, Outcome::failed, Outcome::pending, Outcome::quit}) {
        Recorder recorder;
        recorder.answer = outcome;
        CHECK(dispatch(recorder, {"status"}) == outcome);
        CHECK(dispatch(recorder, {"download", "x", "&"}) == outcome);
    }
}

TEST_CASE("download gets its arguments and the background flag", "[commands]") {
    Recorder plain = dispatched({"download", "alice", "/a"});
    CHECK(plain.ran == "download");
    CHECK(plain.args == Words{"alice", "/a"});
    CHECK_FALSE(plain.background);

    Recorder one = dispatched({"download", "song.ogg"});
    CHECK(one.args == Words{"song.ogg"});
    CHECK_FALSE(one.background);

    Recorder behind = dispatched({"download", "alice", "/a", "/tmp/x", "&"});
    CHECK(behind.ran == "download");
    CHECK(behind.args == Words{"alice", "/a", "/tmp/x"});
    CHECK(behind.background);

    Recorder short_form = dispatched({"download", "song.ogg", "&"});
    CHECK(short_form.args == Words{"song.ogg"});
    CHECK(short_form.background);

    // Only a trailing "&" on its own counts.
    Recorder inside = dispatched({"download", "a", "&", "b"});
    CHECK(inside.args == Words{"a", "&", "b"});
    CHECK_FALSE(inside.background);
    Recorder joined = dispatched({"download", "a", "b&"});
    CHECK(joined.args == Words{"a", "b&"});
    CHECK_FALSE(joined.background);
    Recorder doubled = dispatched({"download", "a", "&&"});
    CHECK(doubled.args == Words{"a", "&&"});
    CHECK_FALSE(doubled.background);
}

TEST_CASE("a trailing & is an argument for other commands", "[commands]") {
    const Recorder files = dispatched({"list-files", "&"});
    CHECK(files.ran == "list_files");
    CHECK(files.args == Words{"&"});
    const Recorder reg = dispatched({"register", "a", "&"});
    CHECK(reg.ran == "register_paths");
    CHECK(reg.args == Words{"a", "&"});
    // A command without arguments takes no "&" either.
    const Recorder status = dispatched({"status", "&"});
    CHECK(status.ran == "refuse");
    CHECK(status.args == Words{usage_of("status")});
}

TEST_CASE("an unknown command is refused", "[commands]") {
    Recorder recorder;
    CHECK(dispatch(recorder, {"frobnicate", "x"}) == Outcome::failed);
    CHECK(recorder.ran == "refuse");
    CHECK(recorder.args == Words{"unknown command 'frobnicate' (try help)"});
    CHECK(recorder.calls == 1);

    CHECK(dispatched({""}).args == Words{"unknown command '' (try help)"});
    CHECK(dispatched({"&"}).args == Words{"unknown command '&' (try help)"});
    CHECK(dispatched({"DOWNLOAD", "x"}).ran == "refuse");
}

TEST_CASE("too few or too many arguments are refused with the usage line", "[commands]") {
    const std::vector<Words> wrong = {
        {"list-users", "x"},
        {"list-files", "-l", "x", "/y", "z"},
        {"register"},
        {"unregister"},
        {"download"},
        {"download", "&"},
        {"download", "a", "b", "c", "d"},
        {"download", "a", "b", "c", "d", "&"},
        {"downloads", "x"},
        {"cancel"},
        {"cancel", "1", "2"},
        {"status", "x"},
        {"help", "a", "b"},
        {"exit", "now"},
        {"quit", "now"},
    };
    for (const auto &words : wrong) {
        INFO(words[0] << " with " << words.size() - 1 << " words after it");
        Recorder recorder;
        CHECK(dispatch(recorder, words) == Outcome::failed);
        CHECK(recorder.ran == "refuse");
        CHECK(recorder.calls == 1);
        CHECK(recorder.args == Words{usage_of(words[0])});
    }
    CHECK(usage_of("download") == "usage: download <user> <remote> [<local>] [&]");
    CHECK(usage_of("quit") == "usage: exit");
}

TEST_CASE("no words do nothing", "[commands]") {
    Recorder recorder;
    CHECK(dispatch(recorder, {}) == Outcome::ok);
    CHECK(recorder.calls == 0);
    CHECK(recorder.ran.empty());
}

TEST_CASE("the help text lists every command", "[commands]") {
    const std::string text = help_text();
    CHECK(text.rfind("commands:\n", 0) == 0);
    for (const auto &spec : command_table()) {
        INFO(spec.name);
        CHECK(text.find("  " + std::string(spec.usage)) != std::string::npos);
        CHECK(text.find("      " + std::string(spec.summary) + "\n") != std::string::npos);
    }
    CHECK(text.find("list-files [-l] [<user> [<folder>]] (also: list)") != std::string::npos);
    CHECK(text.find("  exit (also: quit)\n") != std::string::npos);
    // In the table's order.
    std::size_t last = 0;
    for (const auto &spec : command_table()) {
        const std::size_t at = text.find("\n  " + std::string(spec.usage));
        REQUIRE(at != std::string::npos);
        CHECK(at >= last);
        last = at;
    }
    CHECK(text.find("double quotes") != std::string::npos);
    CHECK(text.back() == '\n');
}

TEST_CASE("help for one command", "[commands]") {
    const auto download = help_for("download");
    REQUIRE(download);
    CHECK(download->rfind("usage: download <user> <remote> [<local>] [&]\n  fetch a file of <user>", 0) == 0);
    CHECK(download->back() == '\n');

    for (const auto &spec : command_table()) {
        const auto help = help_for(spec.name);
        REQUIRE(help);
        CHECK(*help == "usage: " + std::string(spec.usage) + "\n  " + std::string(spec.summary) + "\n");
    }
    CHECK(help_for("quit") == help_for("exit"));
    CHECK(help_for("list") == help_for("list-files"));
    CHECK_FALSE(help_for("nope"));
    CHECK_FALSE(help_for(""));
}
