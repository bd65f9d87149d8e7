// The REPL on a terminal: prompt, tab completion, history, end of input.
#include "cluster.hpp"

#include <catch2/catch.hpp>

using namespace zshare::testing;
using Stream = Process::Stream;

TEST_CASE("terminal prompt, completion and history", "[terminal]") {
    TempDir dir;
    TrackerProcess tracker;
    auto bob = start_node(tracker, "bob-the-peer", dir.path);
    // HOME points into the temporary directory so the history file lands there.
    Process node({"/usr/bin/env", "HOME=" + dir.path, "TERM=xterm", ZSHARE_NODE_BIN, "--tracker",
                  tracker.endpoint(), "--name", "alice", "--listen", "tcp://127.0.0.1:*"},
                 dir.path, true);
    REQUIRE(node.wait_for(Stream::out, "alice online"));
    // the prompt has no newline after it: look at the raw text
    REQUIRE(wait_until([&] { return node.text(Stream::out).find("zshare> ") != std::string::npos; }));

    node.write("list-u\t\n"); // completes the command name
    CHECK(node.wait_for(Stream::out, "bob-the-peer - 127.0.0.1:"));

    node.write("download bob-\t /nope\n"); // completes a user name
    CHECK(node.wait_for(Stream::out, "error: bob-the-peer does not share /nope"));

    node.write("\x1b[A\x1b[A\n"); // two steps back in history: list-users again
    CHECK(node.wait_for(Stream::out, "bob-the-peer - 127.0.0.1:"));

    // As a person would, wait for the prompt before typing Ctrl-D: typed while a command runs,
    // the terminal is in cooked mode and keeps it as a line end, not as end of input.
    const auto idle = [&] {
        const auto text = node.text(Stream::out);
        return text.size() >= 8 && text.compare(text.size() - 8, 8, "zshare> ") == 0;
    };
    REQUIRE(wait_until(idle));
    node.close_stdin(); // Ctrl-D
    CHECK(node.wait_exit() == 1);  // the failed download counts
    CHECK(read_file(dir / ".zshare_history").find("list-users") != std::string::npos);
}

TEST_CASE("terminal shows a live progress line while downloading", "[terminal]") {
    TempDir dir;
    write_file(dir / "seed/big.bin", random_bytes(12u << 20, 3));
    TrackerProcess tracker;
    auto seed = start_node(tracker, "seed", dir / "seed", {"--share", "big.bin", "--upload-limit", "8192"});
    Process node({"/usr/bin/env", "HOME=" + dir.path, "TERM=xterm", ZSHARE_NODE_BIN, "--tracker",
                  tracker.endpoint(), "--name", "alice", "--listen", "tcp://127.0.0.1:*", "--cache-dir",
                  dir / "cache"},
                 dir.path, true);
    REQUIRE(node.wait_for(Stream::out, "alice online"));
    REQUIRE(wait_until([&] { return node.text(Stream::out).find("zshare> ") != std::string::npos; }));
    node.write("download big.bin\n");
    // The redraws share one line (carriage returns), ended by the summary.
    const auto line = node.wait_for(Stream::out, "downloaded " + dir.path + "/seed/big.bin from seed");
    REQUIRE(line);
    CHECK(line->find("\x1b[K[1] big.bin ") != std::string::npos);
    CHECK(line->find(" of 12.0 MiB, ") != std::string::npos);
    CHECK(line->find(" MB/s, ETA 0:") != std::string::npos);
    CHECK(line->find(", 1 peer") != std::string::npos);
}
