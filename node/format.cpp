#include "format.hpp"

#include "command_line.hpp"

#include <algorithm>
#include <cstdio>

namespace zshare::node {

std::string plural(std::size_t count, const char* word) {
    return std::to_string(count) + " " + word + (count == 1 ? "" : "s");
}

std::string human_bytes(std::uint64_t bytes) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double value = double(bytes);
    int unit = 0;
    // 1023.96 KiB would print as "1024.0 KiB": that is 1.0 MiB.
    while (value >= (unit == 0 ? 1024 : 1023.95) && unit < 4) {
        value /= 1024;
        ++unit;
    }
    char text[32];
    std::snprintf(text, sizeof text, unit == 0 ? "%.0f %s" : "%.1f %s", value, units[unit]);
    return text;
}

std::string human_rate(double bytes_per_second) {
    const char* units[] = {"B/s", "KiB/s", "MiB/s", "GiB/s"};
    double value = std::max(bytes_per_second, 0.0);
    int unit = 0;
    while (value >= 1023.95 && unit < 3) {
        value /= 1024;
        ++unit;
    }
    // MiB/s is what a LAN moves: keep that unit from 1 MiB/s up to the GiB/s range.
    if (unit == 3 && value < 10) {
        value *= 1024;
        unit = 2;
    }
    char text[32];
    std::snprintf(text, sizeof text, "%.1f %s", value, units[unit]);
    return text;
}

namespace {
bool continuation(char c) { return (static_cast<unsigned char>(c) & 0xc0) == 0x80; }
} // namespace

std::size_t columns_of(const std::string& text) {
    return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) { return !continuation(c); }));
}

std::string fit_columns(const std::string& text, std::size_t columns) {
    if (columns_of(text) <= columns)
        return text;
    const std::size_t keep = columns > 3 ? columns - 3 : 0;
    std::size_t end = 0, seen = 0;
    while (end < text.size() && seen < keep) {
        ++end;
        while (end < text.size() && continuation(text[end]))
            ++end;
        ++seen;
    }
    return text.substr(0, end) + std::string("...").substr(0, std::min<std::size_t>(3, columns));
}

std::string progress_figures(const ProgressFigures& f) {
    if (!f.have_manifest)
        return "asking for the manifest";
    const double eta = f.rate > 0 ? double(f.size - std::min(f.done, f.size)) / f.rate : 0;
    // Past 100 hours the figure says nothing (and would not fit the line): a stall, for people.
    char left[32];
    if (eta < 100 * 3600.0)
        std::snprintf(left, sizeof left, "%d:%02d", int(eta) / 60, int(eta) % 60);
    else
        std::snprintf(left, sizeof left, "--:--");
    char text[256];
    // A file's percentage keeps its width (the line does not jump); a folder's follows its count.
    const std::string files =
        f.folder ? std::to_string(f.files_done) + " of " + plural(f.files, "file") + ", " : std::string();
    std::snprintf(text, sizeof text, f.folder ? "%s%.0f%% %s of %s, %s, ETA %s, %s%s" : "%s%3.0f%% %s of %s, %s, ETA %s, %s%s",
                  files.c_str(), f.size ? 100.0 * double(f.done) / double(f.size) : 100.0, human_bytes(f.done).c_str(),
                  human_bytes(f.size).c_str(), human_rate(f.rate).c_str(), left, plural(f.peers, "peer").c_str(),
                  f.checking ? ", checking the partial file" : "");
    return text;
}

std::string progress_line(const ProgressFigures& figures, int width) {
    const std::size_t room = static_cast<std::size_t>(std::max(width, 2) - 1);
    const std::string tag = "[" + std::to_string(figures.id) + "] ";
    const std::string rest = " " + progress_figures(figures);
    // The name gives way first (down to a few letters), then the figures' tail.
    const std::size_t fixed = columns_of(tag) + columns_of(rest);
    const std::size_t name_room = room > fixed ? room - fixed : 0;
    const std::string name = fit_columns(figures.name, std::max<std::size_t>(name_room, 8));
    return fit_columns(tag + name + rest, room);
}

std::string hashing_line(std::size_t files_done, std::size_t files_total, std::uint64_t bytes_done,
                         std::uint64_t bytes_total, int width) {
    const std::string text = "hashing " + std::to_string(files_done) + " of " + plural(files_total, "file") + ", " +
                             human_bytes(bytes_done) + " of " + human_bytes(bytes_total);
    return fit_columns(text, static_cast<std::size_t>(std::max(width, 2) - 1));
}

std::string download_summary(const DownloadSummary& s) {
    const double seconds = std::max(s.seconds, 1e-6);
    std::string users;
    for (const auto& user : s.users)
        users += (users.empty() ? "" : ", ") + user;
    char timing[64];
    std::snprintf(timing, sizeof timing, "%.3f s", seconds);
    std::string line = "downloaded " + s.remote + " from " + (users.empty() ? "nobody" : users) + " to " + s.local +
                       " (" + (s.folder ? plural(s.files, "file") + ", " : std::string()) +
                       std::to_string(s.size) + " bytes, " + timing + ", " +
                       human_rate(double(s.size - s.resumed) / seconds) + ", " + plural(s.users.size(), "peer");
    if (s.resumed > 0)
        line += ", " + std::to_string(s.resumed) + " bytes resumed";
    return line + ")";
}

std::vector<std::string> file_list_lines(const std::map<std::string, protocol::PeerInfo>& peers, bool long_form) {
    std::map<std::string, std::size_t> holders; // content id -> users holding it
    std::vector<std::string> lines;
    if (long_form)
        for (const auto& [name, peer] : peers) {
            std::vector<std::string> ids;
            for (const auto& file : peer.files)
                ids.push_back(file.content_id);
            std::sort(ids.begin(), ids.end());
            ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
            for (const auto& id : ids)
                ++holders[id];
        }
    std::size_t width = 0, size_width = 0;
    for (const auto& [name, peer] : peers)
        for (const auto& file : peer.files) {
            width = std::max(width, columns_of(name + " : " + quote_word(file.path)));
            size_width = std::max(size_width, human_bytes(file.size).size());
        }
    for (const auto& [name, peer] : peers)
        for (const auto& file : peer.files) {
            std::string line = name + " : " + quote_word(file.path);
            if (long_form) {
                const std::string size = human_bytes(file.size);
                line += std::string(width - columns_of(line) + 2, ' ') + std::string(size_width - size.size(), ' ') +
                        size + "  " + file.content_id.substr(0, 12) + "  " +
                        plural(holders[file.content_id], "holder");
            }
            lines.push_back(std::move(line));
        }
    return lines;
}

std::string host_port(const std::string& endpoint) {
    constexpr std::string_view scheme = "tcp://";
    return endpoint.compare(0, scheme.size(), scheme) == 0 ? endpoint.substr(scheme.size()) : endpoint;
}

std::vector<std::string> user_list_lines(const std::map<std::string, protocol::PeerInfo>& peers) {
    std::vector<std::string> lines;
    for (const auto& [name, peer] : peers)
        lines.push_back(name + " - " + host_port(peer.endpoint));
    return lines;
}

std::string seconds_ago(std::chrono::steady_clock::duration elapsed) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f s", std::chrono::duration<double>(elapsed).count());
    return text;
}

} // namespace zshare::node
