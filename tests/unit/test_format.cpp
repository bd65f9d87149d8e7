#include <catch2/catch.hpp>

#include "format.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

using namespace zshare;
using namespace zshare::node;
using namespace std::chrono_literals;
using protocol::FileEntry;
using protocol::PeerInfo;
using Lines = std::vector<std::string>;

namespace {

constexpr std::uint64_t KiB = 1024;
constexpr std::uint64_t MiB = 1024 * KiB;
constexpr std::uint64_t GiB = 1024 * MiB;
constexpr std::uint64_t TiB = 1024 * GiB;

/// Returns: true when `text` is well-formed UTF-8 (no sequence cut short).
bool valid_utf8(const std::string &text) {
    for (std::size_t i = 0; i < text.size();) {
        const auto lead = static_cast<unsigned char>(text[i]);
        const std::size_t length = lead < 0x80           ? 1
                                   : (lead >> 5) == 0x6  ? 2
                                   : (lead >> 4) == 0xe  ? 3
                                   : (lead >> 3) == 0x1e ? 4
                                                         : 0;
        if (length == 0 || i + length > text.size())
            return false;
        for (std::size_t k = 1; k < length; ++k)
            if ((static_cast<unsigned char>(text[i + k]) & 0xc0) != 0x80)
                return false;
        i += length;
    }
    return true;
}

bool starts_with(const std::string &text, const std::string &prefix) {
    return text.rfind(prefix, 0) == 0;
}

bool ends_with(const std::string &text, const std::string &suffix) {
    return text.size() >= suffix.size() &&
           text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/// 45% of 4 MiB at 95.2 MiB/s from 2 peers.
ProgressFigures figures(const std::string &name, unsigned id = 12) {
    ProgressFigures f;
    f.id = id;
    f.name = name;
    f.have_manifest = true;
    f.done = 1887437; // 1.8 MiB, 45%
    f.size = 4 * MiB;
    f.rate = 95.2 * double(MiB);
    f.peers = 2;
    return f;
}

const std::string figures_text = " 45% 1.8 MiB of 4.0 MiB, 95.2 MiB/s, ETA 0:00, 2 peers";

const std::string long_name = "a rather long file name that keeps going and going, well past any column.iso";

const std::string id_a = "aaaaaaaaaaaa0000000000000000000000000000000000000000000000000000";
const std::string id_r = "rrrrrrrrrrrr0000000000000000000000000000000000000000000000000000";
const std::string id_x = "xxxxxxxxxxxx0000000000000000000000000000000000000000000000000000";

std::map<std::string, PeerInfo> shared_table() {
    std::map<std::string, PeerInfo> peers;
    peers["alice"] = PeerInfo{"alice",
                              "tcp://10.0.0.1:1000",
                              {{"/music/song.ogg", 5, id_a},
                               {"/docs/my report.pdf", 3 * MiB / 2, id_r},
                               {"/backup/song.ogg", 5, id_a}}};
    peers["bob"] = PeerInfo{"bob", "tcp://10.0.0.2:2000", {{"/srv/song.ogg", 5, id_a}}};
    peers["jürgen"] = PeerInfo{"jürgen", "tcp://[::1]:3000", {{"/d/ü.txt", 2 * GiB, id_x}}};
    peers["nobody"] = PeerInfo{"nobody", "tcp://10.0.0.4:4000", {}};
    return peers;
}

} // namespace

TEST_CASE("plural", "[format]") {
    CHECK(plural(0, "file") == "0 files");
    CHECK(plural(1, "file") == "1 file");
    CHECK(plural(2, "peer") == "2 peers");
}

TEST_CASE("human bytes in binary units", "[format]") {
    CHECK(human_bytes(0) == "0 B");
    CHECK(human_bytes(1) == "1 B");
    CHECK(human_bytes(512) == "512 B");
    CHECK(human_bytes(1023) == "1023 B");
    CHECK(human_bytes(KiB) == "1.0 KiB");
    CHECK(human_bytes(4 * KiB) == "4.0 KiB");
    CHECK(human_bytes(1536) == "1.5 KiB");
    CHECK(human_bytes(1000) == "1000 B"); // binary, not decimal
    CHECK(human_bytes(MiB) == "1.0 MiB");
    CHECK(human_bytes(3 * MiB / 2) == "1.5 MiB");
    CHECK(human_bytes(2 * GiB) == "2.0 GiB");
    CHECK(human_bytes(TiB) == "1.0 TiB");
    CHECK(human_bytes(1024 * TiB) == "1024.0 TiB"); // no unit above TiB
    CHECK(human_bytes(std::numeric_limits<std::uint64_t>::max()) == "16777216.0 TiB");
}

TEST_CASE("human rate in binary units", "[format]") {
    CHECK(human_rate(0) == "0.0 B/s");
    CHECK(human_rate(-100) == "0.0 B/s");
    CHECK(human_rate(512) == "512.0 B/s");
    CHECK(human_rate(1024) == "1.0 KiB/s");
    CHECK(human_rate(1000) == "1000.0 B/s");
    CHECK(human_rate(95.2 * double(MiB)) == "95.2 MiB/s");
    CHECK(human_rate(double(MiB)) == "1.0 MiB/s");
    // MiB/s up to 10 GiB/s.
    CHECK(human_rate(double(GiB)) == "1024.0 MiB/s");
    CHECK(human_rate(5.0 * double(GiB)) == "5120.0 MiB/s");
    CHECK(human_rate(10.0 * double(GiB)) == "10.0 GiB/s");
    CHECK(human_rate(20.0 * double(GiB)) == "20.0 GiB/s");
    CHECK(human_rate(2048.0 * double(GiB)) == "2048.0 GiB/s"); // no unit above GiB/s
}

TEST_CASE("columns of UTF-8 text", "[format]") {
    CHECK(columns_of("") == 0);
    CHECK(columns_of("abc") == 3);
    CHECK(columns_of("é") == 1);
    CHECK(columns_of("héllo") == 5);
    CHECK(columns_of("日本語") == 3);
    CHECK(columns_of("😀!") == 2);
}

TEST_CASE("fit columns", "[format]") {
    CHECK(fit_columns("hello", 5) == "hello");
    CHECK(fit_columns("hello", 50) == "hello");
    CHECK(fit_columns("", 0) == "");
    CHECK(fit_columns("hello world", 8) == "hello...");
    CHECK(fit_columns("hello", 4) == "h...");
    CHECK(fit_columns("hello", 3) == "...");
    CHECK(fit_columns("hello", 2) == "..");
    CHECK(fit_columns("hello", 1) == ".");
    CHECK(fit_columns("hello", 0) == "");
}

TEST_CASE("fit columns never splits a code point", "[format]") {
    CHECK(fit_columns("héllo wörld", 8) == "héllo...");
    CHECK(fit_columns("日本語のファイル", 5) == "日本...");
    CHECK(fit_columns("日本語", 3) == "日本語");
    CHECK(fit_columns("😀😀😀😀😀", 4) == "😀...");
    const std::string text = "ååååååååååååååååååååååååå日本語😀😀😀abc";
    for (std::size_t columns = 0; columns <= columns_of(text) + 1; ++columns) {
        INFO(columns);
        const std::string fitted = fit_columns(text, columns);
        CHECK(columns_of(fitted) <= columns);
        CHECK(valid_utf8(fitted));
        if (columns >= columns_of(text))
            CHECK(fitted == text);
        else if (columns >= 3)
            CHECK(columns_of(fitted) == columns);
    }
}

TEST_CASE("progress figures", "[format]") {
    CHECK(progress_figures(figures("x")) == figures_text);

    ProgressFigures f = figures("x");
    f.have_manifest = false;
    CHECK(progress_figures(f) == "asking for the manifest");

    f = figures("x");
    f.checking = true;
    CHECK(progress_figures(f) == figures_text + ", checking the partial file");

    f = figures("x");
    f.done = MiB;
    f.rate = 1024;
    f.peers = 1;
    CHECK(progress_figures(f) == " 25% 1.0 MiB of 4.0 MiB, 1.0 KiB/s, ETA 51:12, 1 peer");

    // Nothing moving yet: no ETA to guess.
    f.rate = 0;
    CHECK(progress_figures(f) == " 25% 1.0 MiB of 4.0 MiB, 0.0 B/s, ETA 0:00, 1 peer");

    f.done = f.size;
    f.rate = 1024;
    f.peers = 0;
    CHECK(progress_figures(f) == "100% 4.0 MiB of 4.0 MiB, 1.0 KiB/s, ETA 0:00, 0 peers");

    // An empty file is done from the start.
    f.done = 0;
    f.size = 0;
    CHECK(progress_figures(f) == "100% 0 B of 0 B, 1.0 KiB/s, ETA 0:00, 0 peers");

    // More than the size (never expected) gives no negative ETA.
    f.done = 8 * MiB;
    f.size = 4 * MiB;
    CHECK(progress_figures(f).find("ETA 0:00") != std::string::npos);
}

TEST_CASE("a very slow rate gives a sane ETA", "[format]") {
    // A 1 TiB download at 100 B/s would take about 1.1e10 s: past 100 hours the ETA says so.
    ProgressFigures f = figures("big.iso");
    f.size = TiB;
    f.done = MiB;
    f.rate = 100;
    const std::string text = progress_figures(f);
    INFO(text);
    CHECK(text.find("ETA --:--") != std::string::npos);
}

TEST_CASE("progress line with a short name", "[format]") {
    const std::string line = progress_line(figures("song.ogg"), 120);
    CHECK(line == "[12] song.ogg " + figures_text);
    CHECK(progress_line(figures("song.ogg", 3), 80) == "[3] song.ogg " + figures_text);
}

TEST_CASE("progress line at several widths with a long name", "[format]") {
    for (const int width : {20, 40, 60, 120}) {
        INFO("width " << width);
        const std::string line = progress_line(figures(long_name), width);
        INFO(line);
        CHECK(columns_of(line) <= static_cast<std::size_t>(width - 1));
        CHECK(starts_with(line, "[12] "));
        CHECK(valid_utf8(line));
        if (width >= 60)
            CHECK(line.find("45%") != std::string::npos);
    }
    // The name gives way first: at 120 every figure is there, the name cut.
    const std::string wide = progress_line(figures(long_name), 120);
    CHECK(ends_with(wide, figures_text));
    CHECK(wide.find(long_name) == std::string::npos);
    CHECK(wide.find("...") != std::string::npos);
    CHECK(columns_of(wide) == 119);
    // Wide enough for all of it: nothing cut.
    CHECK(progress_line(figures(long_name), 300) == "[12] " + long_name + " " + figures_text);
}

TEST_CASE("progress line with a long UTF-8 name", "[format]") {
    std::string name;
    for (int i = 0; i < 20; ++i)
        name += "日本語ファイル";
    for (const int width : {20, 40, 60, 120}) {
        INFO("width " << width);
        const std::string line = progress_line(figures(name, 7), width);
        INFO(line);
        CHECK(columns_of(line) <= static_cast<std::size_t>(width - 1));
        CHECK(valid_utf8(line));
        CHECK(starts_with(line, "[7] 日本"));
        if (width >= 60)
            CHECK(line.find("45%") != std::string::npos);
    }
}

TEST_CASE("progress line while checking or asking for the manifest", "[format]") {
    ProgressFigures f = figures(long_name);
    f.checking = true;
    for (const int width : {20, 40, 60, 120}) {
        const std::string line = progress_line(f, width);
        CHECK(columns_of(line) <= static_cast<std::size_t>(width - 1));
        if (width >= 60)
            CHECK(line.find("45%") != std::string::npos);
    }
    f.have_manifest = false;
    CHECK(progress_line(f, 120).find("asking for the manifest") != std::string::npos);
    CHECK(progress_line(f, 200) == "[12] " + long_name + " asking for the manifest");
}

TEST_CASE("progress line on a degenerate width stays within its room", "[format]") {
    for (const int width : {-5, 0, 1, 2, 3}) {
        INFO(width);
        const std::size_t most = static_cast<std::size_t>(std::max(width - 1, 1));
        CHECK(columns_of(progress_line(figures(long_name), width)) <= most);
    }
}

TEST_CASE("hashing line", "[format]") {
    CHECK(hashing_line(3, 120, 1288490189, 4 * GiB, 80) == "hashing 3 of 120 files, 1.2 GiB of 4.0 GiB");
    CHECK(hashing_line(0, 1, 0, 5, 80) == "hashing 0 of 1 file, 0 B of 5 B");
    for (const int width : {10, 20, 30}) {
        const std::string line = hashing_line(3, 120, 1288490189, 4 * GiB, width);
        CHECK(columns_of(line) == static_cast<std::size_t>(width - 1));
        CHECK(ends_with(line, "..."));
        CHECK(starts_with(line, "hash"));
    }
    CHECK(columns_of(hashing_line(3, 120, 1, 2, 0)) <= 1);
}

TEST_CASE("download summary", "[format]") {
    DownloadSummary s;
    s.remote = "/music/song.ogg";
    s.users = {"alice", "bob"};
    s.local = "/tmp/song.ogg";
    s.size = MiB;
    s.seconds = 0.5;
    CHECK(download_summary(s) == "downloaded /music/song.ogg from alice, bob to /tmp/song.ogg (1048576 "
                                 "bytes, 0.500 s, 2.0 MiB/s, 2 peers)");

    // Resumed bytes are not counted in the rate.
    s.resumed = MiB / 2;
    CHECK(download_summary(s) ==
          "downloaded /music/song.ogg from alice, bob to /tmp/song.ogg (1048576 bytes, "
          "0.500 s, 1.0 MiB/s, 2 peers, 524288 bytes resumed)");

    s.users = {"carol"};
    s.resumed = 0;
    s.seconds = 2;
    CHECK(download_summary(s) == "downloaded /music/song.ogg from carol to /tmp/song.ogg (1048576 bytes, "
                                 "2.000 s, 512.0 KiB/s, 1 peer)");

    s.users = {"a", "b", "c", "d"};
    CHECK(download_summary(s).find("from a, b, c, d to") != std::string::npos);
    CHECK(download_summary(s).find("4 peers") != std::string::npos);
}

TEST_CASE("a folder's summary and progress count its files", "[format]") {
    DownloadSummary s;
    s.remote = "/srv/photos";
    s.users = {"alice"};
    s.local = "/tmp/photos";
    s.size = 4 * MiB;
    s.seconds = 2;
    s.folder = true;
    s.files = 120;
    CHECK(download_summary(s) == "downloaded /srv/photos from alice to /tmp/photos (120 files, 4194304 bytes, "
                                 "2.000 s, 2.0 MiB/s, 1 peer)");
    s.files = 1;
    CHECK(download_summary(s).find("(1 file, 4194304 bytes, ") != std::string::npos);

    ProgressFigures f = figures("photos");
    f.folder = true;
    f.files_done = 3;
    f.files = 120;
    CHECK(progress_figures(f) == "3 of 120 files," + figures_text);
    // The line gives way to the figures first, and the files count stays at their head.
    const std::string line = progress_line(f, 80);
    CHECK(line.find("[12] photos 3 of 120 files, 45% ") == 0);
}

TEST_CASE("download summary when nobody delivered", "[format]") {
    // All of it was found in the partial file.
    DownloadSummary s;
    s.remote = "/music/song.ogg";
    s.local = "/tmp/song.ogg";
    s.size = 1000;
    s.resumed = 1000;
    s.seconds = 0.25;
    CHECK(download_summary(s) == "downloaded /music/song.ogg from nobody to /tmp/song.ogg (1000 bytes, 0.250 "
                                 "s, 0.0 B/s, 0 peers, 1000 "
                                 "bytes resumed)");

    // No time at all and nothing to fetch: no division by zero.
    DownloadSummary empty;
    empty.remote = "/e";
    empty.local = "/tmp/e";
    CHECK(download_summary(empty) ==
          "downloaded /e from nobody to /tmp/e (0 bytes, 0.000 s, 0.0 B/s, 0 peers)");
}

TEST_CASE("file list lines", "[format]") {
    CHECK(file_list_lines({}, false).empty());
    CHECK(file_list_lines({}, true).empty());
    CHECK(file_list_lines(shared_table(), false) == Lines{
                                                        "alice : /music/song.ogg",
                                                        "alice : \"/docs/my report.pdf\"",
                                                        "alice : /backup/song.ogg",
                                                        "bob : /srv/song.ogg",
                                                        "jürgen : /d/ü.txt",
                                                    });
}

TEST_CASE("file list quotes paths with blanks, quotes and backslashes", "[format]") {
    std::map<std::string, PeerInfo> peers;
    peers["u"] = PeerInfo{"u",
                          "tcp://h:1",
                          {{"/a b", 1, id_a},
                           {"/tab\there", 1, id_a},
                           {"/q\"uote", 1, id_a},
                           {"/back\\slash", 1, id_a},
                           {"/plain", 1, id_a}}};
    CHECK(file_list_lines(peers, false) == Lines{"u : \"/a b\"", "u : \"/tab\there\"", "u : \"/q\\\"uote\"",
                                                 "u : \"/back\\\\slash\"", "u : /plain"});
}

TEST_CASE("long file list: columns aligned", "[format]") {
    const auto peers = shared_table();
    const Lines short_lines = file_list_lines(peers, false);
    const Lines lines = file_list_lines(peers, true);
    REQUIRE(lines.size() == 5);
    const std::vector<std::uint64_t> sizes = {5, 3 * MiB / 2, 5, 5, 2 * GiB};
    const std::vector<std::string> tails = {
        "  aaaaaaaaaaaa  2 holders", "  rrrrrrrrrrrr  1 holder", "  aaaaaaaaaaaa  2 holders",
        "  aaaaaaaaaaaa  2 holders", "  xxxxxxxxxxxx  1 holder",
    };
    std::vector<std::size_t> size_ends;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        INFO(lines[i]);
        CHECK(starts_with(lines[i], short_lines[i] + "  "));
        REQUIRE(ends_with(lines[i], tails[i]));
        const std::string head = lines[i].substr(0, lines[i].size() - tails[i].size());
        CHECK(ends_with(head, " " + human_bytes(sizes[i])));
        size_ends.push_back(columns_of(head));
    }
    // Every line's size column ends at the same column, the UTF-8 names included.
    for (const auto end : size_ends)
        CHECK(end == size_ends[0]);
    // The widest name and path is followed by two blanks before the (widest) size.
    CHECK(lines[1] == "alice : \"/docs/my report.pdf\"  1.5 MiB  rrrrrrrrrrrr  1 holder");
}

TEST_CASE("long file list with a short content id", "[format]") {
    std::map<std::string, PeerInfo> peers;
    peers["u"] = PeerInfo{"u", "tcp://h:1", {{"/a", 1, "abc"}, {"/b", 2, ""}}};
    const Lines lines = file_list_lines(peers, true);
    CHECK(lines == Lines{"u : /a  1 B  abc  1 holder", "u : /b  2 B    1 holder"});
}

TEST_CASE("host and port for the user list", "[format]") {
    CHECK(host_port("tcp://10.0.0.1:1000") == "10.0.0.1:1000");
    CHECK(host_port("tcp://[::1]:5") == "[::1]:5");
    CHECK(host_port("tcp://") == "");
    CHECK(host_port("ipc:///tmp/x") == "ipc:///tmp/x");
    CHECK(host_port("10.0.0.1:1") == "10.0.0.1:1");
    CHECK(host_port("tcp:/") == "tcp:/");
    CHECK(host_port("") == "");
}

TEST_CASE("user list lines", "[format]") {
    CHECK(user_list_lines({}).empty());
    CHECK(user_list_lines(shared_table()) == Lines{"alice - 10.0.0.1:1000", "bob - 10.0.0.2:2000",
                                                   "jürgen - [::1]:3000", "nobody - 10.0.0.4:4000"});
}

TEST_CASE("seconds ago", "[format]") {
    CHECK(seconds_ago(2500ms) == "2.5 s");
    CHECK(seconds_ago(0s) == "0.0 s");
    CHECK(seconds_ago(90s) == "90.0 s");
    CHECK(seconds_ago(49ms) == "0.0 s");
    CHECK(seconds_ago(std::chrono::steady_clock::duration(std::chrono::microseconds(1240000))) == "1.2 s");
}

TEST_CASE("values just under a unit boundary take the larger unit", "[format]") {
    CHECK(human_bytes(1048575) == "1.0 MiB");
    CHECK(human_bytes(1023) == "1023 B");
    CHECK(human_rate(1048575) == "1.0 MiB/s");
}
