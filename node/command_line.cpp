#include "command_line.hpp"

#include <cctype>

namespace zshare::node {

Words split_words(const std::string& line) {
    Words out;
    std::string word;
    bool in_word = false, quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted) {
            if (c == '\\' && i + 1 < line.size()) {
                word += line[++i];
            } else if (c == '"') {
                quoted = false;
            } else {
                word += c;
            }
        } else if (c == '"') {
            quoted = in_word = true;
        } else if (std::isspace(static_cast<unsigned char>(c))) {
            if (in_word)
                out.words.push_back(std::move(word));
            word.clear();
            in_word = false;
        } else {
            word += c;
            in_word = true;
        }
    }
    if (quoted)
        out.error = "unterminated quote";
    else if (in_word)
        out.words.push_back(std::move(word));
    return out;
}

std::vector<std::string> without_commas(const std::vector<std::string>& words) {
    std::vector<std::string> out;
    for (auto word : words) {
        if (word.size() > 1 && word.back() == ',')
            word.pop_back();
        if (word != ",")
            out.push_back(std::move(word));
    }
    return out;
}

std::string quote_word(const std::string& text) {
    bool plain = !text.empty();
    for (const char c : text)
        if (std::isspace(static_cast<unsigned char>(c)) || c == '"' || c == '\\')
            plain = false;
    if (plain)
        return text;
    std::string out = "\"";
    for (const char c : text) {
        if (c == '"' || c == '\\')
            out += '\\';
        out += c;
    }
    return out + "\"";
}

} // namespace zshare::node
