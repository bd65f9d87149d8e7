// What a `download` command means: its arguments resolved against the mirrored table into
// the content to fetch, who holds it (the named user first) and what to call it. Pure: the
// table and the words in, a plan or the reason out. Where the bytes go on this machine is
// local_target()'s business, which looks at the file system.
//
//   download <user> <remote> [<local>]   <remote>: that user's absolute path, or a file name
//                                        naming exactly one of that user's files
//   download <content> [<local>]         <content>: a content id or 8+ of its first digits, a
//                                        file name, or a path, naming one content
// With two words, the first is taken as content only when it is no user's name online and
// names a shared file.
#pragma once

#include "messages.hpp"
#include "swarm.hpp"

#include <map>
#include <string>
#include <variant>
#include <vector>

namespace zshare::node {

struct DownloadPlan {
    std::string content_id;      ///< what to fetch
    std::string remote;          ///< how to call it: the named user's path, else the first holder's
    std::vector<Source> sources; ///< every other user who holds it, the named one first
    std::string local;           ///< the local path the user gave, or "" for the default
};

/// Returns: the plan for the words after `download` (a trailing "&" already removed), for a
/// node called `self` with table `peers`; or why there is none.
std::variant<DownloadPlan, std::string> plan_download(const std::vector<std::string>& words,
                                                      const std::map<std::string, protocol::PeerInfo>& peers,
                                                      const std::string& self);

/// Returns: every user but `self` holding `content_id`, one Source each (its first path).
std::vector<Source> holders_of(const std::string& content_id,
                               const std::map<std::string, protocol::PeerInfo>& peers, const std::string& self);

/// Where a download goes: `given` (a file path, or an existing directory that receives
/// `remote`'s file name), or the downloads directory (created if need be, the only one that
/// is) plus that name. Refused when the path exists or its parent folder does not.
struct LocalTarget {
    std::string path;  ///< absolute and normalised
    std::string error; ///< set when refused
};
LocalTarget local_target(const std::string& given, const std::string& remote, const std::string& downloads_dir);

} // namespace zshare::node
