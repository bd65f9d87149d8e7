// What Tab offers for the word being typed, by the command table's argument kinds: command
// names, users online, another user's paths and file names, local paths, shared paths,
// download ids. Pure but for local paths, which come from the file system.
#pragma once

#include "messages.hpp"
#include "word_completion.hpp"

#include <map>
#include <string>
#include <vector>

namespace zshare::node {

/// What completion draws on.
struct CompletionSources {
    const std::map<std::string, protocol::PeerInfo>* peers = nullptr; ///< the mirrored table
    std::string self;                                                 ///< this node's name
    std::vector<std::string> shared_paths;                            ///< what this node shares
    std::vector<unsigned> downloads;                                  ///< ids under way
};

/// Returns: the completions of `context`'s word, each starting with what was typed.
std::vector<std::string> complete_words(const CompletionContext& context, const CompletionSources& sources);

} // namespace zshare::node
