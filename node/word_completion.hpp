// The pure half of the REPL's tab completion: where the word being typed starts, what it says
// without its quotes, and how to write a candidate back so that split_words() (the quoting
// rules of command_line.hpp) gives it back. Candidates come from the REPL's commands, from
// the mirror (user and file names) or, for local paths, from the file system.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace zshare::node {

/// The words of a line up to the cursor, as completion sees them.
struct CompletionContext {
    std::vector<std::string> before; ///< the complete words before the word being typed, unquoted
    std::string partial;             ///< the word being typed so far, unquoted ("" after a blank)
    std::size_t start = 0;           ///< byte offset where that word starts, its opening quote included
    bool open_quote = false;         ///< true when the word being typed is inside a quote
};

/// Returns: the completion context of the line `before_cursor` (the line up to the cursor),
/// read as split_words() reads it: blanks separate words, double quotes hold blanks, and a
/// backslash inside quotes escapes the next character (outside quotes it is ordinary).
CompletionContext completion_context(const std::string& before_cursor);

/// Returns: the text that replaces [start, cursor) for `candidate`: the candidate quoted as
/// quote_word() does (so a quote the user opened is closed), followed by a blank when
/// `complete_word` is true (a single match) and the candidate does not end in '/' (a
/// directory, whose entries the user may go on to complete).
std::string completion_text(const std::string& candidate, bool complete_word);

/// Returns: the longest common prefix of `candidates`, byte-wise but never ending inside a
/// UTF-8 sequence ("" for no candidates).
std::string common_prefix(const std::vector<std::string>& candidates);

/// Returns: how to write the unfinished word `prefix` (a common prefix of several candidates):
/// when it needs quoting, an opening quote and the escaped text but no closing quote, so that
/// the user goes on typing inside the quote; otherwise the text itself.
std::string partial_text(const std::string& prefix);

/// Returns: the local paths that complete `partial`, as a shell completes file names: the
/// entries of the directory before its last '/' (the current directory when it has none;
/// "~/" at the start is $HOME) whose names start with what follows it, each as the directory
/// part as typed plus the name, with a '/' after directories, sorted. Hidden entries only
/// when the typed name starts with '.'. Empty when the directory cannot be read.
std::vector<std::string> local_path_candidates(const std::string& partial);

/// Returns: the `candidates` that start with `partial`, sorted, without duplicates.
std::vector<std::string> filter_prefix(std::vector<std::string> candidates, const std::string& partial);

} // namespace zshare::node
