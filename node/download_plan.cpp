#include "download_plan.hpp"

#include "command_line.hpp"

#include <filesystem>

namespace zshare::node {

using namespace protocol;
namespace fs = std::filesystem;

namespace {

std::string basename_of(const std::string& path) { return fs::path(path).filename().string(); }

/// Returns: true when `word` names `file`: its path, its file name, or (8 hex digits or more)
/// the start of its content id.
bool names_file(const std::string& word, const FileEntry& file) {
    return file.path == word || basename_of(file.path) == word ||
           (word.size() >= 8 && file.content_id.compare(0, word.size(), word) == 0);
}

bool names_content(const std::string& word, const std::map<std::string, PeerInfo>& peers) {
    for (const auto& [name, peer] : peers)
        for (const auto& file : peer.files)
            if (names_file(word, file))
                return true;
    return false;
}

const char* const usage = "usage: download <user> <remote_path> [<local_path>], or download <file or content id> "
                          "[<local_path>]";

} // namespace

std::vector<Source> holders_of(const std::string& content_id, const std::map<std::string, PeerInfo>& peers,
                               const std::string& self) {
    std::vector<Source> sources;
    if (content_id.empty())
        return sources;
    for (const auto& [name, peer] : peers) {
        if (name == self)
            continue;
        for (const auto& file : peer.files)
            if (file.content_id == content_id) {
                sources.push_back({name, peer.endpoint, file.path, peer.key});
                break;
            }
    }
    return sources;
}

std::variant<DownloadPlan, std::string> plan_download(const std::vector<std::string>& words,
                                                      const std::map<std::string, PeerInfo>& peers,
                                                      const std::string& self) {
    if (words.empty() || words.size() > 3)
        return std::string(usage);
    DownloadPlan plan;
    const bool by_content =
        words.size() == 1 || (words.size() == 2 && !peers.count(words[0]) && names_content(words[0], peers));
    if (by_content) {
        // By content id (or a prefix of one), or by a file's name or path: whoever holds it.
        const std::string& wanted = words[0];
        std::map<std::string, std::vector<std::string>> by_id; // content id -> "user path"
        for (const auto& [name, peer] : peers)
            for (const auto& file : peer.files)
                if (name != self && names_file(wanted, file)) {
                    by_id[file.content_id].push_back(name + " " + quote_word(file.path));
                    if (plan.remote.empty())
                        plan.remote = file.path; // what to call it: the first holder's path
                }
        if (by_id.empty() && peers.count(wanted))
            return "nobody shares a file named '" + wanted + "' (to fetch from user " + wanted + ": download " +
                   wanted + " <remote_path>)";
        if (by_id.empty())
            return "nobody shares '" + wanted + "'";
        if (by_id.size() > 1) {
            std::string list;
            for (const auto& [id, holders] : by_id)
                for (const auto& holder : holders)
                    list += "\n  " + id.substr(0, 12) + "  download " + holder;
            return "'" + wanted + "' names different contents; pick one:" + list;
        }
        plan.content_id = by_id.begin()->first;
        plan.sources = holders_of(plan.content_id, peers, self);
        if (words.size() > 1)
            plan.local = words[1];
        return plan;
    }
    const std::string& user = words[0];
    const std::string& remote = words[1];
    if (user == self)
        return "'" + user + "' is this node: it has its own files already";
    const auto peer = peers.find(user);
    if (peer == peers.end())
        return "unknown user '" + user + "' (see list-users)";
    std::vector<const FileEntry*> matches;
    for (const auto& file : peer->second.files)
        if (file.path == remote || (!remote.empty() && remote.front() != '/' && basename_of(file.path) == remote))
            matches.push_back(&file);
    if (matches.empty())
        return user + " does not share " + remote;
    if (matches.size() > 1)
        return "'" + remote + "' names several files of " + user + "; give the absolute path";
    plan.remote = matches[0]->path;
    plan.content_id = matches[0]->content_id;
    if (plan.content_id.empty())
        return user + " lists " + plan.remote + " without a content id: it cannot be verified";
    // The named user first; every other holder of the same content helps.
    plan.sources = holders_of(plan.content_id, peers, self);
    std::erase_if(plan.sources, [&](const Source& s) { return s.user == user; });
    plan.sources.insert(plan.sources.begin(), Source{user, peer->second.endpoint, plan.remote, peer->second.key});
    if (words.size() > 2)
        plan.local = words[2];
    return plan;
}

LocalTarget local_target(const std::string& given, const std::string& remote, const std::string& downloads_dir) {
    LocalTarget target;
    std::error_code ec;
    std::string local = given;
    if (local.empty()) {
        // The downloads directory is the one folder the node makes by itself.
        fs::create_directories(downloads_dir, ec);
        local = (fs::path(downloads_dir) / basename_of(remote)).string();
    } else if (fs::is_directory(local, ec)) {
        local = (fs::path(local) / basename_of(remote)).string();
    }
    target.path = fs::absolute(local, ec).lexically_normal().string();
    const fs::path parent = fs::path(target.path).parent_path();
    if (!fs::is_directory(parent, ec))
        target.error = "cannot save to " + target.path + ": the folder " + parent.string() + " does not exist";
    else if (fs::exists(fs::symlink_status(target.path, ec)))
        target.error = target.path + " already exists; choose another local path";
    return target;
}

} // namespace zshare::node
