// What a `download` command means: its arguments resolved against the mirrored table into
// the content to fetch, who holds it (the named user first) and what to call it. Pure: the
// table and the words in, a plan or the reason out. Where the bytes go on this machine is
// local_target()'s business, which looks at the file system.
//
//   download <user> <remote> [<local>]   <remote>: that user's absolute path, or a file name
//                                        naming exactly one of that user's files
//   download <content> [<local>]         <content>: a content id or 8+ of its first digits, a
//                                        file name, or a path, naming one content
//   download <user> <folder> [<local>]   <folder>: a folder that user shares files under (its
//                                        absolute path, or a folder name naming exactly one):
//                                        every file under it, at its path relative to it
// With two words, the first is taken as content only when it is no user's name online and
// names a shared file.
#pragma once

#include "messages.hpp"
#include "swarm.hpp"

#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <variant>
#include <vector>

namespace zshare::node {

/// One file of a folder.
struct PlannedFile {
    std::string content_id;      ///< what to fetch
    std::string remote;          ///< the folder owner's path
    std::string relative;        ///< its path inside the folder ("a/b.txt")
    std::uint64_t size = 0;      ///< as the table lists it
    std::vector<Source> sources; ///< every holder, the folder's owner first
};

struct DownloadPlan {
    std::string content_id;      ///< what to fetch (one file)
    std::string remote;          ///< how to call it: the named user's path (or folder), else the first holder's
    std::vector<Source> sources; ///< every other user who holds it, the named one first
    std::string local;           ///< the local path the user gave, or "" for the default
    std::uint64_t size = 0;      ///< its size as the table lists it
    bool folder = false;         ///< a folder: `files`, not `content_id`
    std::string owner;           ///< the folder's user
    std::vector<PlannedFile> files;   ///< the folder's files
    std::vector<std::string> skipped; ///< the folder's files refused: "<path>: <why>"
};

/// Returns: `path` relative to the folder `dir` when it lies inside it, every component a
/// plain name (no "", "." or ".."): what a folder download may write; nothing otherwise.
std::optional<std::string> relative_inside(const std::string& path, const std::string& dir);

/// Every holder of every content in the table but `self`, one Source per user (its first path
/// for it), by content id: what holders_of() says for each, in one pass.
using HolderIndex = std::unordered_map<std::string, std::vector<Source>>;

/// Returns: the files `owner` (row `peer`) shares under folder `dir`, in path order, each
/// with the owner as its first holder and, when `holders` is given, every other holder of its
/// content; those refused (a path that is not plain, no content id, listed twice) go to
/// `skipped` as "<path>: <why>".
std::vector<PlannedFile> files_under(const std::string& owner, const protocol::PeerInfo& peer, const std::string& dir,
                                     const HolderIndex* holders, std::vector<std::string>* skipped = nullptr);

/// A folder of a user's, by its absolute path.
struct Folder {
    std::string path;
};

/// Returns: the folder `word` names among those of `user` (row `peer`): an absolute path as
/// it is (trailing slashes dropped), or a name that is the last component of exactly one of
/// that user's folders; else "" when it names none, or why it is ambiguous.
std::variant<Folder, std::string> folder_named(const std::string& user, const protocol::PeerInfo& peer,
                                               const std::string& word);

/// Returns: the folders `peer` shares files under (every ancestor of every path but "/").
std::vector<std::string> folders_of(const protocol::PeerInfo& peer);

/// Returns: the plan for the words after `download` (a trailing "&" already removed), for a
/// node called `self` with table `peers`; or why there is none.
std::variant<DownloadPlan, std::string> plan_download(const std::vector<std::string>& words,
                                                      const std::map<std::string, protocol::PeerInfo>& peers,
                                                      const std::string& self);

/// Returns: every user but `self` holding `content_id`, one Source each (its first path).
std::vector<Source> holders_of(const std::string& content_id,
                               const std::map<std::string, protocol::PeerInfo>& peers, const std::string& self);

/// Returns: the HolderIndex of `peers` for every content, or only for those in `wanted` when
/// it is given (following the table for a download needs the download's contents only).
HolderIndex holders_by_content(const std::map<std::string, protocol::PeerInfo>& peers, const std::string& self,
                               const std::unordered_set<std::string>* wanted = nullptr);

/// Where a download goes: `given` (a file path, or an existing directory that receives
/// `remote`'s file name), or the downloads directory (created if need be, the only one that
/// is) plus that name. Refused when the path exists or its parent folder does not.
struct LocalTarget {
    std::string path;  ///< absolute and normalised
    std::string error; ///< set when refused
};
LocalTarget local_target(const std::string& given, const std::string& remote, const std::string& downloads_dir);

/// Where a folder download of `files` goes: like local_target(), but the folder may exist
/// already (a real folder, not a link: an earlier run of the same download, resumed), and a
/// `given` folder that holds some of `files` already is taken as that earlier run's.
LocalTarget local_folder_target(const std::string& given, const std::string& remote, const std::string& downloads_dir,
                                const std::vector<PlannedFile>& files = {});

/// Creates the folders of `relative_dir` ("a/b") under `root` (created too if need be),
/// never following a link: a component that is one, or not a folder, is refused.
/// Returns: "" or why not.
std::string make_folders(const std::string& root, const std::string& relative_dir);

} // namespace zshare::node
