#include "word_completion.hpp"

#include "command_line.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <system_error>

namespace zshare::node {

namespace {

/// Returns: true when `text` starts with `prefix`.
bool starts_with(const std::string& text, const std::string& prefix) {
    return text.compare(0, prefix.size(), prefix) == 0;
}

} // namespace

CompletionContext completion_context(const std::string& before_cursor) {
    // The same walk as split_words(), which also notes where the last word starts.
    CompletionContext out;
    bool in_word = false;
    for (std::size_t i = 0; i < before_cursor.size(); ++i) {
        const char c = before_cursor[i];
        if (out.open_quote) {
            if (c == '\\' && i + 1 < before_cursor.size())
                out.partial += before_cursor[++i];
            else if (c == '"')
                out.open_quote = false;
            else
                out.partial += c;
        } else if (std::isspace(static_cast<unsigned char>(c))) {
            if (in_word)
                out.before.push_back(std::move(out.partial));
            out.partial.clear();
            in_word = false;
        } else {
            if (!in_word)
                out.start = i;
            in_word = true;
            if (c == '"')
                out.open_quote = true;
            else
                out.partial += c;
        }
    }
    if (!in_word)
        out.start = before_cursor.size();
    return out;
}

std::string completion_text(const std::string& candidate, bool complete_word) {
    const bool directory = !candidate.empty() && candidate.back() == '/';
    return quote_word(candidate) + (complete_word && !directory ? " " : "");
}

std::string common_prefix(const std::vector<std::string>& candidates) {
    if (candidates.empty())
        return {};
    std::size_t length = candidates.front().size();
    for (const auto& candidate : candidates) {
        const auto& first = candidates.front();
        const auto differ = std::mismatch(first.begin(), first.begin() + static_cast<std::ptrdiff_t>(length),
                                          candidate.begin(), candidate.end());
        length = static_cast<std::size_t>(differ.first - first.begin());
    }
    // Candidates that differ only after the lead byte of a sequence ("é" and "è") share that
    // byte, which is no text on its own: back up to the start of the sequence.
    const auto cuts_sequence = [&](std::size_t at) {
        return std::any_of(candidates.begin(), candidates.end(), [at](const std::string& candidate) {
            return at < candidate.size() && (static_cast<unsigned char>(candidate[at]) & 0xc0) == 0x80;
        });
    };
    while (length > 0 && cuts_sequence(length))
        --length;
    return candidates.front().substr(0, length);
}

std::string partial_text(const std::string& prefix) {
    if (prefix.empty())
        return prefix;
    std::string quoted = quote_word(prefix);
    if (quoted != prefix)
        quoted.pop_back(); // the closing quote
    return quoted;
}

std::vector<std::string> local_path_candidates(const std::string& partial) {
    namespace fs = std::filesystem;
    const std::size_t slash = partial.rfind('/');
    const std::string directory_part = slash == std::string::npos ? "" : partial.substr(0, slash + 1);
    const std::string name_part = slash == std::string::npos ? partial : partial.substr(slash + 1);

    std::string directory = directory_part.empty() ? "." : directory_part;
    if (starts_with(directory_part, "~/")) {
        const char* home = std::getenv("HOME");
        if (!home || !*home)
            return {};
        directory = std::string(home) + directory_part.substr(1);
    }

    std::vector<std::string> out;
    std::error_code ec;
    const bool show_hidden = starts_with(name_part, ".");
    for (auto it = fs::directory_iterator(directory, ec); !ec && it != fs::directory_iterator();
         it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if ((name.front() == '.' && !show_hidden) || !starts_with(name, name_part))
            continue;
        std::error_code type_ec; // a dangling link is no directory, and no reason to stop
        out.push_back(directory_part + name + (it->is_directory(type_ec) ? "/" : ""));
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<std::string> filter_prefix(std::vector<std::string> candidates, const std::string& partial) {
    candidates.erase(
        std::remove_if(candidates.begin(), candidates.end(),
                       [&](const std::string& candidate) { return !starts_with(candidate, partial); }),
        candidates.end());
    std::sort(candidates.begin(), candidates.end());
    candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
    return candidates;
}

} // namespace zshare::node
