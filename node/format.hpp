// How the node words what it shows: sizes, rates, progress lines, download summaries, the
// file and user lists, status. Pure functions of their arguments, so that every line a user
// reads is unit-tested. One unit family throughout: binary multiples (KiB, MiB, GiB), the same
// as --upload-limit takes.
#pragma once

#include "messages.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace zshare::node {

/// Returns: "1 file", "2 files".
std::string plural(std::size_t count, const char* word);

/// Returns: `bytes` for people: "512 B", "4.0 KiB", "1.5 MiB", "2.0 GiB".
std::string human_bytes(std::uint64_t bytes);

/// Returns: a rate for people: "95.2 MiB/s".
std::string human_rate(double bytes_per_second);

/// Returns: `text` cut to at most `columns` terminal columns (one per UTF-8 code point), the
/// cut marked with "..." (never splitting a code point).
std::string fit_columns(const std::string& text, std::size_t columns);

/// Returns: the number of terminal columns `text` takes (one per UTF-8 code point).
std::size_t columns_of(const std::string& text);

/// What a progress line shows.
struct ProgressFigures {
    unsigned id = 0;                ///< the download's id
    std::string name;               ///< what is fetched (a file name)
    bool have_manifest = false;     ///< false: still asking for the manifest
    bool checking = false;          ///< a partial file of an earlier run is checked again
    std::uint64_t done = 0;         ///< bytes verified
    std::uint64_t size = 0;         ///< bytes in all
    double rate = 0;                ///< bytes per second
    std::size_t peers = 0;          ///< holders still in the download
    bool folder = false;            ///< a folder: files count too
    std::size_t files_done = 0;     ///< a folder's files in place
    std::size_t files = 0;          ///< ... of its files
};

/// Returns: "45% 1.8 MiB of 4.0 MiB, 95.2 MiB/s, ETA 0:01, 2 peers" (or the stage before); a
/// folder's starts with "3 of 120 files, ".
std::string progress_figures(const ProgressFigures& figures);

/// Returns: "[1] song.ogg  45% 1.8 MiB of 4.0 MiB, ..." cut to fit `width` columns without
/// wrapping (the name is shortened first).
std::string progress_line(const ProgressFigures& figures, int width);

/// Returns: "hashing 3 of 120 files, 1.2 GiB of 4.0 GiB" cut to `width`.
std::string hashing_line(std::size_t files_done, std::size_t files_total, std::uint64_t bytes_done,
                         std::uint64_t bytes_total, int width);

/// What a finished download reports.
struct DownloadSummary {
    std::string remote;                 ///< what was fetched
    std::vector<std::string> users;     ///< who delivered verified chunks
    std::string local;                  ///< where it went
    std::uint64_t size = 0;             ///< bytes in the file
    std::uint64_t resumed = 0;          ///< of which found verified in a partial file
    double seconds = 0;                 ///< time taken
    bool folder = false;                ///< a folder
    std::size_t files = 0;              ///< a folder's files
};

/// Returns: "downloaded R from a, b to L ([F files, ]N bytes, 0.123 s, 95.2 MiB/s, 2 peers[, M
/// bytes resumed])", the rate counting the bytes fetched in this run (F for a folder).
std::string download_summary(const DownloadSummary& summary);

/// Returns: the lines of `list-files`: "<name> : <path>", the path quoted when it holds
/// blanks; with `long_form`, aligned columns of size, content id prefix and holder count.
std::vector<std::string> file_list_lines(const std::map<std::string, protocol::PeerInfo>& peers, bool long_form);

/// Returns: the address part of a "tcp://HOST:PORT" endpoint ("HOST:PORT").
std::string host_port(const std::string& endpoint);

/// Returns: "<name> - <host>:<port>" for each peer.
std::vector<std::string> user_list_lines(const std::map<std::string, protocol::PeerInfo>& peers);

/// Returns: "2.5 s".
std::string seconds_ago(std::chrono::steady_clock::duration elapsed);

} // namespace zshare::node
