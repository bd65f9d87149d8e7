#include <catch2/catch.hpp>

#include "commands.hpp"
#include "completer.hpp"
#include "temp_files.hpp"
#include "word_completion.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

using namespace zshare;
using namespace zshare::node;
using zshare::testing::ChangeDirectory;
using protocol::PeerInfo;
using zshare::testing::TempDir;
using zshare::testing::write_file;
using Strings = std::vector<std::string>;
namespace fs = std::filesystem;

namespace {


const std::string some_id = "abababababababababababababababababababababababababababababababab";

/// The table: this node ("me") and alice, bob and albert (who shares nothing).
std::map<std::string, PeerInfo> table() {
    std::map<std::string, PeerInfo> peers;
    peers["me"] = PeerInfo{"me", "tcp://h:1", {{"/home/me/mine.txt", 1, some_id}}};
    peers["alice"] = PeerInfo{"alice",
                              "tcp://h:2",
                              {{"/music/song.ogg", 1, some_id},
                               {"/docs/report.pdf", 1, some_id},
                               {"/docs/my file.txt", 1, some_id}}};
    peers["bob"] =
        PeerInfo{"bob", "tcp://h:3", {{"/srv/song.ogg", 1, some_id}, {"/srv/video.mkv", 1, some_id}}};
    peers["albert"] = PeerInfo{"albert", "tcp://h:4", {}};
    return peers;
}

/// A directory to complete local paths in: two files, a subdirectory and a hidden file.
struct LocalFiles {
    TempDir dir;
    LocalFiles() {
        write_file(dir / "local-a.txt", "a");
        write_file(dir / "song-local.ogg", "s");
        write_file(dir / "sub/inner.txt", "i");
        write_file(dir / ".hidden", "h");
    }
};

const Strings local_entries = {"local-a.txt", "song-local.ogg", "sub/"};

/// Completes the line `line` (the cursor at its end) against the table.
class Completer {
public:
    Completer() {
        m_sources.peers = &m_peers;
        m_sources.self = "me";
        m_sources.shared_paths = {"/nonexistent-zshare/shared/a.txt", "/nonexistent-zshare/shared/b c.txt",
                                  "/nonexistent-zshare/other"};
        m_sources.downloads = {1, 2, 12};
    }
    Strings operator()(const std::string &line) const {
        return complete_words(completion_context(line), m_sources);
    }
    CompletionSources &sources() { return m_sources; }

private:
    std::map<std::string, PeerInfo> m_peers = table();
    CompletionSources m_sources;
};

Strings sorted(Strings words) {
    std::sort(words.begin(), words.end());
    return words;
}

} // namespace

TEST_CASE("command names at the start of the line", "[completer]") {
    const Completer complete;
    Strings every;
    for (const auto &spec : command_table()) {
        every.emplace_back(spec.name);
        for (const auto alias : spec.aliases)
            every.emplace_back(alias);
    }
    CHECK(complete("") == sorted(every));
    CHECK(complete("  ") == sorted(every));
    CHECK(complete("dow") == Strings{"download", "downloads"});
    CHECK(complete("li") == Strings{"list", "list-files", "list-users"});
    CHECK(complete("q") == Strings{"quit"});
    CHECK(complete("register") == Strings{"register", "register-user"});
    CHECK(complete("xyz").empty());
    CHECK(complete("Dow").empty());
}

TEST_CASE("after download: users and other users' file names", "[completer]") {
    LocalFiles local;
    const ChangeDirectory into(local.dir.path);
    const Completer complete;
    // Not this node, nor its files, nor local files.
    CHECK(complete("download ") ==
          Strings{"albert", "alice", "bob", "my file.txt", "report.pdf", "song.ogg", "video.mkv"});
    CHECK(complete("download al") == Strings{"albert", "alice"});
    CHECK(complete("download s") == Strings{"song.ogg"});
    CHECK(complete("download m") == Strings{"my file.txt"});
    CHECK(complete("download me").empty());
    CHECK(complete("download \"my") == Strings{"my file.txt"});
    CHECK(complete("download l").empty());
}

TEST_CASE("after download and a user: that user's paths, file names and folders only", "[completer]") {
    LocalFiles local;
    const ChangeDirectory into(local.dir.path);
    const Completer complete;
    CHECK(complete("download alice ") == Strings{"/docs", "/docs/my file.txt", "/docs/report.pdf", "/music",
                                                 "/music/song.ogg", "my file.txt", "report.pdf", "song.ogg"});
    CHECK(complete("download alice /d") == Strings{"/docs", "/docs/my file.txt", "/docs/report.pdf"});
    CHECK(complete("download alice \"/docs/my") == Strings{"/docs/my file.txt"});
    // "song-local.ogg" is here, but it is no file of alice's.
    CHECK(complete("download alice s") == Strings{"song.ogg"});
    CHECK(complete("download alice l").empty());
    CHECK(complete("download bob ") == Strings{"/srv", "/srv/song.ogg", "/srv/video.mkv", "song.ogg", "video.mkv"});
    // A user who shares nothing: nothing, not local files.
    CHECK(complete("download albert ").empty());
    CHECK(complete("download albert s").empty());
}

TEST_CASE("after download and a file: local paths", "[completer]") {
    LocalFiles local;
    const ChangeDirectory into(local.dir.path);
    const Completer complete;
    CHECK(complete("download song.ogg ") == local_entries);
    CHECK(complete("download song.ogg s") == Strings{"song-local.ogg", "sub/"});
    CHECK(complete("download song.ogg sub/") == Strings{"sub/inner.txt"});
    CHECK(complete("download song.ogg .h") == Strings{".hidden"});
    CHECK(complete("download song.ogg " + local.dir.path + "/l") == Strings{local.dir / "local-a.txt"});
    // The third word after a user is a local path too; a fourth is nothing.
    CHECK(complete("download alice song.ogg ") == local_entries);
    CHECK(complete("download alice song.ogg su") == Strings{"sub/"});
    CHECK(complete("download alice song.ogg here ").empty());
    CHECK(complete("download alice song.ogg here &").empty());
}

TEST_CASE("cancel completes download ids", "[completer]") {
    Completer complete;
    CHECK(complete("cancel ") == Strings{"1", "12", "2"});
    CHECK(complete("cancel 1") == Strings{"1", "12"});
    CHECK(complete("cancel 3").empty());
    CHECK(complete("cancel 1 ").empty());
    complete.sources().downloads.clear();
    CHECK(complete("cancel ").empty());
}

TEST_CASE("unregister completes shared paths", "[completer]") {
    const Completer complete;
    const Strings shared = {"/nonexistent-zshare/other", "/nonexistent-zshare/shared/a.txt",
                            "/nonexistent-zshare/shared/b c.txt"};
    CHECK(complete("unregister /nonexistent-zshare/") == shared);
    CHECK(complete("unregister /nonexistent-zshare/shared/") ==
          Strings{"/nonexistent-zshare/shared/a.txt", "/nonexistent-zshare/shared/b c.txt"});
    CHECK(complete("unregister \"/nonexistent-zshare/shared/b") ==
          Strings{"/nonexistent-zshare/shared/b c.txt"});
    // Every argument, not just the first.
    CHECK(complete("unregister /x /nonexistent-zshare/o") == Strings{"/nonexistent-zshare/other"});
    // From the start, every shared path is among the candidates.
    const Strings all = complete("unregister ");
    for (const auto &path : shared)
        CHECK(std::find(all.begin(), all.end(), path) != all.end());
    CHECK(complete("unregister /nonexistent-zshare/zz").empty());
}

TEST_CASE("register completes local paths", "[completer]") {
    LocalFiles local;
    const ChangeDirectory into(local.dir.path);
    const Completer complete;
    CHECK(complete("register ") == local_entries);
    CHECK(complete("register s") == Strings{"song-local.ogg", "sub/"});
    CHECK(complete("register local-a.txt sub/i") == Strings{"sub/inner.txt"});
    // Not the users' files.
    CHECK(complete("register /music").empty());
}

TEST_CASE("help completes command names", "[completer]") {
    const Completer complete;
    Strings names;
    for (const auto &spec : command_table())
        names.emplace_back(spec.name);
    CHECK(complete("help ") == sorted(names));
    CHECK(complete("help d") == Strings{"download", "downloads"});
    CHECK(complete("help list-u") == Strings{"list-users"});
    CHECK(complete("help download ").empty());
}

TEST_CASE("list-files: users, then that user's folders and files", "[completer]") {
    LocalFiles local;
    const ChangeDirectory into(local.dir.path);
    const Completer complete;
    CHECK(complete("list-files al") == Strings{"albert", "alice"});
    CHECK(complete("list al") == Strings{"albert", "alice"});
    CHECK(complete("list-files alice /m") == Strings{"/music", "/music/song.ogg"});
    CHECK(complete("list-files -l alice /m") == Strings{"/music", "/music/song.ogg"});
    // Not a user: no local files either.
    CHECK(complete("list-files -l s").empty());
    CHECK(complete("list-files nobody s").empty());
}

TEST_CASE("nothing for commands without arguments", "[completer]") {
    LocalFiles local;
    const ChangeDirectory into(local.dir.path);
    const Completer complete;
    for (const char *line :
         {"status ", "status s", "list-users ", "list-users a", "downloads ", "exit ", "quit ",
          "register-user ", "register-user a"}) {
        INFO(line);
        CHECK(complete(line).empty());
    }
}

TEST_CASE("nothing after an unknown command", "[completer]") {
    LocalFiles local;
    const ChangeDirectory into(local.dir.path);
    const Completer complete;
    CHECK(complete("nope ").empty());
    CHECK(complete("nope s").empty());
    CHECK(complete("Download ").empty());
}

TEST_CASE("completion with an empty table", "[completer]") {
    LocalFiles local;
    const ChangeDirectory into(local.dir.path);
    const std::map<std::string, PeerInfo> peers;
    CompletionSources sources;
    sources.peers = &peers;
    sources.self = "me";
    CHECK(complete_words(completion_context("download "), sources).empty());
    CHECK(complete_words(completion_context("download alice "), sources) == local_entries);
    CHECK(complete_words(completion_context("cancel "), sources).empty());
    CHECK(complete_words(completion_context("unregister s"), sources) == Strings{"song-local.ogg", "sub/"});
}
