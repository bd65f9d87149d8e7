// A closed group: the members file names every user and the key that user connects with, one
// "<name> <Z85 key>" per line. A line whose first non-blank character is '#' is a comment ('#'
// also occurs inside Z85 keys, so it starts a comment only there).
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace zshare::broker {

struct Members {
    std::map<std::string, std::string> key_of_name; ///< name -> its key
    std::set<std::string> keys;                     ///< every member key
};

/// Returns: the members of `text`, or nothing with `error` naming the first bad line.
std::optional<Members> parse_members(std::string_view text, std::string& error);

} // namespace zshare::broker
