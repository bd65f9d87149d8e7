// The peers file of the original description: one "<name> - <host>:<port>" line per user,
// rewritten whenever the mirror changes. Readers never see a half-written file: it is
// written beside its final name and renamed over it.
#pragma once

#include "mirror.hpp"

#include <string>

namespace zshare::node {

/// Returns: the address part of a "tcp://HOST:PORT" endpoint ("HOST:PORT").
std::string host_port(const std::string& endpoint);

/// Returns: the peers file text for `mirror`, ordered by name.
std::string peers_file_text(const Mirror& mirror);

/// Replaces `path` with `text` atomically. Returns: an empty string, or why it failed.
std::string write_file_atomically(const std::string& path, const std::string& text);

} // namespace zshare::node
