// Splitting a REPL line into words: blanks separate, double quotes hold blanks, and a
// backslash inside quotes escapes the next character ("a \"b\" c").
#pragma once

#include <string>
#include <vector>

namespace zshare::node {

/// A tokenized line.
struct Words {
    std::vector<std::string> words; ///< the words, quotes removed
    std::string error;              ///< set when a quote is left open
};

/// Returns: the words of `line`.
Words split_words(const std::string& line);

/// Returns: `words` with the list separators of the original command descriptions removed
/// ("register a, b , c"): a lone "," is dropped and a trailing "," stripped.
std::vector<std::string> without_commas(const std::vector<std::string>& words);

/// Returns: `text` quoted when it holds blanks, quotes or backslashes, so that split_words()
/// gives it back.
std::string quote_word(const std::string& text);

} // namespace zshare::node
