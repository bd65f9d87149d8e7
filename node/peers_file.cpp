#include "peers_file.hpp"

#include "format.hpp"

namespace zshare::node {

std::string peers_file_text(const Mirror& mirror) {
    std::string text;
    for (const auto& line : user_list_lines(mirror.peers()))
        text += line + "\n";
    return text;
}

} // namespace zshare::node
