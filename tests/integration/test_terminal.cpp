// The REPL at a terminal (a pseudo-terminal of a set width), checked on a model of the screen:
// prompt, completion, history, output above the prompt, the progress line, Ctrl-C and Ctrl-D.
#include "cluster.hpp"
#include "screen.hpp"

#include <catch2/catch.hpp>
#include <csignal>
#include <filesystem>

using namespace zshare::testing;
using Stream = Process::Stream;

namespace {

/// A node at a terminal, with what its screen shows.
struct TerminalNode {
    Process process;
    Screen screen;
    std::size_t seen = 0;

    TerminalNode(const TrackerProcess& tracker, const std::string& name, const TempDir& dir,
                 std::vector<std::string> extra = {}, int columns = 120, const std::string& cwd = {})
        : process(argv(tracker, name, dir, std::move(extra)), cwd.empty() ? dir.path : cwd, true, columns),
          screen(columns) {}

    static std::vector<std::string> argv(const TrackerProcess& tracker, const std::string& name, const TempDir& dir,
                                         std::vector<std::string> extra) {
        // HOME points into the temporary directory so that the history file lands there.
        std::vector<std::string> args{"/usr/bin/env", "HOME=" + dir.path, "TERM=xterm", ZSHARE_NODE_BIN,
                                      "--name", name, "--listen", "tcp://127.0.0.1:*",
                                      "--cache-dir", dir / ("cache-" + name), "--key-dir", dir / "keys"};
        for (const auto& arg : tracker.client_args())
            args.push_back(arg);
        args.insert(args.end(), extra.begin(), extra.end());
        return args;
    }
    void pump() {
        const std::string text = process.text(Stream::out);
        screen.feed(text.substr(seen));
        seen = text.size();
    }
    /// Returns: true once the cursor's row shows the prompt and `typed` after it.
    bool at_prompt(const std::string& typed = "", std::chrono::milliseconds timeout = 20s) {
        std::string expected = "zshare> " + typed;
        while (!expected.empty() && expected.back() == ' ')
            expected.pop_back(); // the screen's rows end at their last glyph
        return wait_until(
            [&] {
                pump();
                return screen.current_row() == expected &&
                       screen.cursor_column() == static_cast<int>(8 + typed.size());
            },
            timeout);
    }
    /// Returns: true once some row holds `text`.
    bool shows(const std::string& text, std::chrono::milliseconds timeout = 20s) {
        return wait_until(
            [&] {
                pump();
                for (const auto& row : screen.rows())
                    if (row.find(text) != std::string::npos)
                        return true;
                return false;
            },
            timeout);
    }
    void type(const std::string& keys) { process.write(keys); }
};

} // namespace

TEST_CASE("terminal prompt, completion and history", "[terminal]") {
    TempDir dir;
    TrackerProcess tracker;
    auto bob = start_node(tracker, "bob-the-peer", dir.path);
    TerminalNode node(tracker, "alice", dir);
    REQUIRE(node.shows("alice online"));
    REQUIRE(node.at_prompt());

    node.type("list-u\t"); // completes the command name, and a blank after it
    REQUIRE(node.at_prompt("list-users "));
    node.type("\n");
    CHECK(node.shows("bob-the-peer - 127.0.0.1:"));

    node.type("download bob-\t /nope\n"); // completes a user name
    CHECK(node.shows("error: bob-the-peer does not share /nope"));

    REQUIRE(node.at_prompt());
    node.type("\x1b[A\x1b[A"); // two steps back in history: list-users again
    REQUIRE(node.at_prompt("list-users "));
    node.type("\n");
    REQUIRE(node.at_prompt());
    node.type("\x04"); // Ctrl-D at an empty prompt leaves
    CHECK(node.process.wait_exit() == 1); // the failed download counts
    CHECK(read_file(dir / ".zshare_history").find("list-users") != std::string::npos);
}

TEST_CASE("terminal completion quotes blanks and offers the other user's files", "[terminal]") {
    TempDir dir;
    write_file(dir / "here/my file.txt", "mine");
    write_file(dir / "here/bravo-local.txt", "local");
    write_file(dir / "bob/beta.bin", "remote");
    TrackerProcess tracker;
    auto bob = start_node(tracker, "bob", dir / "bob", {"--share", "beta.bin"});
    TerminalNode node(tracker, "alice", dir, {}, 120, dir / "here");
    REQUIRE(node.at_prompt());

    node.type("register my\t"); // a local path with a blank: inserted quoted
    REQUIRE(node.at_prompt("register \"my file.txt\" "));
    node.type("\n");
    CHECK(node.shows("registered " + dir.path + "/here/my file.txt (1 file)"));

    REQUIRE(node.at_prompt());
    node.type("unregister \"my f\t"); // a quote the user opened is closed
    REQUIRE(node.at_prompt("unregister \"my file.txt\" "));
    node.type("\x15"); // Ctrl-U: the line is gone

    REQUIRE(node.at_prompt());
    node.type("download bob b\t"); // bob's file, not the local bravo-local.txt
    REQUIRE(node.at_prompt("download bob beta.bin "));
    node.type("\n");
    CHECK(node.shows("downloaded " + dir.path + "/bob/beta.bin from bob"));

    REQUIRE(node.at_prompt());
    node.type("list-files\n"); // paths with blanks are quoted, ready to paste back
    CHECK(node.shows("alice : \"" + dir.path + "/here/my file.txt\""));
}

TEST_CASE("terminal lines that arrive while typing go above the prompt", "[terminal]") {
    TempDir dir;
    write_file(dir / "seed/big.bin", random_bytes(6u << 20, 4));
    TrackerProcess tracker;
    auto seed = start_node(tracker, "seed", dir / "seed", {"--share", "big.bin", "--upload-limit", "2MiB"});
    TerminalNode node(tracker, "alice", dir);
    REQUIRE(node.at_prompt());
    node.type("download big.bin &\n");
    REQUIRE(node.shows("[1] downloading " + dir.path + "/seed/big.bin"));
    REQUIRE(node.at_prompt());
    node.type("list-"); // typed, not sent, while the download ends
    REQUIRE(node.shows("[1] downloaded " + dir.path + "/seed/big.bin from seed", 60s));
    // The prompt is back below that line, with what had been typed.
    CHECK(node.at_prompt("list-"));
    node.type("users\n");
    CHECK(node.shows("seed - 127.0.0.1:"));
}

TEST_CASE("terminal progress line fits a 60-column terminal and follows a resize", "[terminal]") {
    TempDir dir;
    write_file(dir / "seed/a-file-with-a-rather-long-name-that-does-not-fit.bin", random_bytes(12u << 20, 3));
    TrackerProcess tracker;
    auto seed = start_node(tracker, "seed", dir / "seed",
                           {"--share", "a-file-with-a-rather-long-name-that-does-not-fit.bin", "--upload-limit", "4MiB"});
    TerminalNode node(tracker, "alice", dir, {}, 60);
    REQUIRE(node.at_prompt());
    node.type("download a-file-with-a-rather-long-name-that-does-not-fit.bin\n");
    REQUIRE(node.shows(" MiB/s, ETA "));
    node.process.resize_terminal(40);
    // The next redraws fit the new width.
    REQUIRE(wait_until([&] {
        node.pump();
        const std::string row = node.screen.current_row();
        return row.find("[1] ") == 0 && row.size() <= 39;
    }));
    node.screen.resize(40);
    REQUIRE(node.shows("downloaded " + dir.path + "/seed/", 60s));
    // Neither the prompt nor the progress line ever ran past the edge (the long lines printed
    // above them may, as any terminal output does).
    for (const auto& row : node.screen.wrapped()) {
        CHECK(row.find("ETA") == std::string::npos);
        CHECK(row.find("zshare> ") == std::string::npos);
    }
    // One row held every redraw: no progress line is left behind.
    for (const auto& row : node.screen.rows())
        CHECK(row.find("ETA") == std::string::npos);
}

TEST_CASE("terminal Ctrl-C clears the line, or stops the download under way", "[terminal]") {
    TempDir dir;
    write_file(dir / "seed/big.bin", random_bytes(16u << 20, 5));
    TrackerProcess tracker;
    auto seed = start_node(tracker, "seed", dir / "seed", {"--share", "big.bin", "--upload-limit", "2MiB"});
    TerminalNode node(tracker, "alice", dir);
    REQUIRE(node.at_prompt());
    node.type("list-fil");
    REQUIRE(node.at_prompt("list-fil"));
    node.type("\x03"); // at the prompt: the line goes, the node stays
    REQUIRE(node.at_prompt());
    CHECK(node.shows("zshare> list-fil^C"));

    node.type("download big.bin\n");
    REQUIRE(node.shows(" MiB/s, ETA "));
    node.type("\x03"); // during a download: that download stops, its partial file stays
    REQUIRE(node.shows("cancelled " + dir.path + "/seed/big.bin (the partial file " + dir.path +
                       "/downloads/big.bin.part stays"));
    REQUIRE(node.at_prompt());
    CHECK(exists(dir / "downloads/big.bin.part"));
    CHECK_FALSE(exists(dir / "downloads/big.bin"));
    node.type("list-users\n"); // still running
    CHECK(node.shows("seed - 127.0.0.1:"));
    REQUIRE(node.at_prompt());
    node.type("\x04");
    CHECK(node.process.wait_exit() == 0); // a cancel the user asked for is no failure
    CHECK(node.process.text(Stream::out).find("error:") == std::string::npos);
}

TEST_CASE("terminal register of a large tree shows its progress, and Ctrl-C stops it", "[terminal]") {
    TempDir dir;
    // Sparse files: seconds of hashing, no disk used.
    for (const char* name : {"tree/a.bin", "tree/b.bin"}) {
        write_file(dir / name, "");
        std::filesystem::resize_file(dir / name, 3ull << 29);
    }
    TrackerProcess tracker;
    TerminalNode node(tracker, "alice", dir);
    REQUIRE(node.at_prompt());
    node.type("register tree\n");
    REQUIRE(node.shows("hashing 0 of 2 files, "));
    REQUIRE(node.shows("registered " + dir.path + "/tree (2 files)", 120s));
    REQUIRE(node.at_prompt());

    node.type("unregister tree\n");
    REQUIRE(node.shows("unregistered 2 files"));
    // The cache knows those now: a new file is hashed.
    write_file(dir / "other/c.bin", "");
    std::filesystem::resize_file(dir / "other/c.bin", 3ull << 30);
    REQUIRE(node.at_prompt());
    node.type("register other\n");
    REQUIRE(node.shows("hashing 0 of 1 file, "));
    node.type("\x03");
    REQUIRE(node.shows("register cancelled: nothing was shared"));
    REQUIRE(node.at_prompt());
    node.type("list-files\n");
    node.type("status\n");
    REQUIRE(node.shows("shares: 0 files"));
}
