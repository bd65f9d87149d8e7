#include "download_plan.hpp"

#include "command_line.hpp"
#include "unique_fd.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <set>
#include <sys/stat.h>
#include <unordered_map>

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

const char* const usage = "usage: download <user> <remote_path or folder> [<local_path>], or download <file or "
                          "content id> [<local_path>]";

/// Returns: `path` split at its slashes (empty parts included).
std::vector<std::string> components_of(const std::string& path) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (;;) {
        const auto slash = path.find('/', start);
        parts.push_back(path.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
        if (slash == std::string::npos)
            return parts;
        start = slash + 1;
    }
}

/// Returns: `dir` without its trailing slashes ("/" stays).
std::string without_trailing_slash(std::string dir) {
    while (dir.size() > 1 && dir.back() == '/')
        dir.pop_back();
    return dir;
}

} // namespace

std::vector<Source> holders_of(const std::string& content_id, const std::map<std::string, PeerInfo>& peers,
                               const std::string& self) {
    const std::unordered_set<std::string> wanted{content_id};
    auto index = holders_by_content(peers, self, &wanted);
    const auto found = index.find(content_id);
    return found != index.end() ? std::move(found->second) : std::vector<Source>{};
}

HolderIndex holders_by_content(const std::map<std::string, PeerInfo>& peers, const std::string& self,
                               const std::unordered_set<std::string>* wanted) {
    HolderIndex index;
    for (const auto& [name, peer] : peers) {
        if (name == self)
            continue;
        for (const auto& file : peer.files) {
            if (file.content_id.empty() || (wanted && !wanted->count(file.content_id)))
                continue;
            auto& sources = index[file.content_id];
            if (sources.empty() || sources.back().user != name)
                sources.push_back({name, peer.endpoint, file.path, peer.key});
        }
    }
    return index;
}

std::optional<std::string> relative_inside(const std::string& path, const std::string& dir) {
    const std::string prefix = dir == "/" ? dir : dir + "/";
    if (path.size() <= prefix.size() || path.compare(0, prefix.size(), prefix) != 0)
        return std::nullopt;
    std::string relative = path.substr(prefix.size());
    for (const auto& part : components_of(relative))
        if (part.empty() || part == "." || part == "..")
            return std::nullopt;
    return relative;
}

std::vector<std::string> folders_of(const PeerInfo& peer) {
    std::set<std::string> folders;
    for (const auto& file : peer.files)
        for (auto slash = file.path.find('/', 1); slash != std::string::npos; slash = file.path.find('/', slash + 1))
            folders.insert(file.path.substr(0, slash));
    return {folders.begin(), folders.end()};
}

std::vector<PlannedFile> files_under(const std::string& owner, const PeerInfo& peer, const std::string& dir,
                                     const HolderIndex* holders, std::vector<std::string>* skipped) {
    const std::string prefix = dir == "/" ? dir : dir + "/";
    std::vector<PlannedFile> files;
    std::set<std::string> relatives;
    for (const auto& file : peer.files) {
        if (file.path.compare(0, prefix.size(), prefix) != 0)
            continue;
        const auto relative = relative_inside(file.path, dir);
        // A path that would land outside the folder (".."), or unverifiable, or listed twice.
        const char* problem = !relative                           ? "not a plain path inside the folder"
                              : file.content_id.empty()           ? "listed without a content id: it cannot be verified"
                              : !relatives.insert(*relative).second ? "listed twice"
                                                                  : nullptr;
        if (problem) {
            if (skipped)
                skipped->push_back(file.path + ": " + problem);
            continue;
        }
        PlannedFile planned{file.content_id, file.path, *relative, file.size, {}};
        planned.sources.push_back({owner, peer.endpoint, file.path, peer.key});
        if (const auto others = holders ? holders->find(file.content_id) : HolderIndex::const_iterator();
            holders && others != holders->end())
            for (const auto& source : others->second)
                if (source.user != owner)
                    planned.sources.push_back(source);
        files.push_back(std::move(planned));
    }
    std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.relative < b.relative; });
    return files;
}

std::variant<Folder, std::string> folder_named(const std::string& user, const PeerInfo& peer,
                                               const std::string& word) {
    std::string dir = without_trailing_slash(word);
    if (dir.empty())
        return std::string();
    if (dir.front() == '/')
        return Folder{dir};
    std::vector<std::string> named;
    for (const auto& folder : folders_of(peer))
        if (basename_of(folder) == dir)
            named.push_back(folder);
    if (named.size() > 1)
        return "'" + word + "' names several folders of " + user + "; give the absolute path";
    if (named.empty())
        return std::string();
    return Folder{named.front()};
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
        for (const auto& [name, peer] : peers)
            for (const auto& file : peer.files)
                if (name != self && file.content_id == plan.content_id && plan.size == 0)
                    plan.size = file.size;
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
    if (matches.empty()) {
        // A folder: by its path, or by a name that names one of the user's folders.
        auto folder = folder_named(user, peer->second, remote);
        if (const auto* problem = std::get_if<std::string>(&folder); problem && !problem->empty())
            return *problem;
        if (std::holds_alternative<std::string>(folder))
            return user + " does not share " + remote;
        const std::string dir = std::get<Folder>(folder).path;
        if (dir == "/")
            return "give a folder below / (or the files' paths)";
        plan.folder = true;
        plan.owner = user;
        plan.remote = dir;
        const auto holders = holders_by_content(peers, self);
        plan.files = files_under(user, peer->second, dir, &holders, &plan.skipped);
        if (plan.files.empty() && plan.skipped.empty())
            return user + " does not share " + remote;
        if (words.size() > 2)
            plan.local = words[2];
        return plan;
    }
    if (matches.size() > 1)
        return "'" + remote + "' names several files of " + user + "; give the absolute path";
    plan.remote = matches[0]->path;
    plan.content_id = matches[0]->content_id;
    plan.size = matches[0]->size;
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

namespace {
/// Returns: where `remote` goes: `given`, or inside it when it is a directory, or inside the
/// downloads directory (made if need be) when none is given; absolute and normalised.
std::string target_path(const std::string& given, const std::string& remote, const std::string& downloads_dir) {
    std::error_code ec;
    std::string local = given;
    if (local.empty()) {
        // The downloads directory is the one folder the node makes by itself.
        fs::create_directories(downloads_dir, ec);
        local = (fs::path(downloads_dir) / basename_of(remote)).string();
    } else if (fs::is_directory(local, ec)) {
        local = (fs::path(local) / basename_of(remote)).string();
    }
    return fs::absolute(local, ec).lexically_normal().string();
}
} // namespace

LocalTarget local_target(const std::string& given, const std::string& remote, const std::string& downloads_dir) {
    LocalTarget target;
    std::error_code ec;
    target.path = target_path(given, remote, downloads_dir);
    const fs::path parent = fs::path(target.path).parent_path();
    if (!fs::is_directory(parent, ec))
        target.error = "cannot save to " + target.path + ": the folder " + parent.string() + " does not exist";
    else if (fs::exists(fs::symlink_status(target.path, ec)))
        target.error = target.path + " already exists; choose another local path";
    return target;
}

LocalTarget local_folder_target(const std::string& given, const std::string& remote, const std::string& downloads_dir,
                                const std::vector<PlannedFile>& files) {
    LocalTarget target;
    std::error_code ec;
    target.path = without_trailing_slash(target_path(given, remote, downloads_dir));
    // An existing <local> receives the folder inside it, unless it is the folder itself from
    // an earlier run of the same download (it did not exist then): nothing of that name in
    // it, but some of the folder's own files or subfolders.
    if (!given.empty() && fs::is_directory(given, ec) && !fs::exists(fs::symlink_status(target.path, ec)))
        for (const auto& file : files)
            if (fs::exists(fs::symlink_status(fs::path(given) / file.relative.substr(0, file.relative.find('/')), ec))) {
                target.path = without_trailing_slash(fs::absolute(given, ec).lexically_normal().string());
                break;
            }
    const fs::path parent = fs::path(target.path).parent_path();
    const auto status = fs::symlink_status(target.path, ec);
    if (!fs::is_directory(parent, ec))
        target.error = "cannot save to " + target.path + ": the folder " + parent.string() + " does not exist";
    else if (fs::exists(status) && !fs::is_directory(status))
        target.error = target.path + " already exists and is not a folder; choose another local path";
    return target;
}

std::string make_folders(const std::string& root, const std::string& relative_dir) {
    if (::mkdir(root.c_str(), 0755) != 0 && errno != EEXIST)
        return "cannot make the folder " + root + ": " + std::strerror(errno);
    const auto refused = [](const std::string& path) {
        return errno == ELOOP || errno == ENOTDIR ? path + " is a link or not a folder: not followed"
                                                  : "cannot open the folder " + path + ": " + std::strerror(errno);
    };
    UniqueFd dir(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dir)
        return refused(root);
    if (relative_dir.empty())
        return {};
    std::string path = root;
    for (const auto& part : components_of(relative_dir)) {
        path += "/" + part;
        if (part.empty() || part == "." || part == "..")
            return "refused folder " + path;
        if (::mkdirat(dir.get(), part.c_str(), 0755) != 0 && errno != EEXIST)
            return "cannot make the folder " + path + ": " + std::strerror(errno);
        UniqueFd next(::openat(dir.get(), part.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!next)
            return refused(path);
        dir = std::move(next);
    }
    return {};
}

} // namespace zshare::node
