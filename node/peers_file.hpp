// The peers file of the original description: one "<name> - <host>:<port>" line per user,
// rewritten (atomically: readers never see half a file) whenever the mirror changes.
#pragma once

#include "mirror.hpp"

#include <string>

namespace zshare::node {

/// Returns: the peers file text for `mirror`, ordered by name.
std::string peers_file_text(const Mirror& mirror);

} // namespace zshare::node
