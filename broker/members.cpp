#include "members.hpp"

#include "curve_keys.hpp"
#include "endpoint.hpp"

#include <sstream>

namespace zshare::broker {

std::optional<Members> parse_members(std::string_view text, std::string& error) {
    Members members;
    std::size_t number = 0;
    while (!text.empty()) {
        const auto end = text.find('\n');
        const std::string line(text.substr(0, end));
        text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
        ++number;
        std::istringstream words(line);
        std::string name, key, extra;
        words >> name;
        if (name.empty() || name.front() == '#')
            continue;
        words >> key >> extra;
        const std::string where = "line " + std::to_string(number) + ": ";
        if (!protocol::valid_peer_name(name)) {
            error = where + "'" + name + "' is not a valid user name";
            return std::nullopt;
        }
        if (!protocol::valid_key(key) || !extra.empty()) {
            error = where + "expected \"<name> <40-character Z85 key>\"";
            return std::nullopt;
        }
        if (!members.key_of_name.emplace(name, key).second) {
            error = where + "'" + name + "' is listed twice";
            return std::nullopt;
        }
        members.keys.insert(key);
    }
    return members;
}

} // namespace zshare::broker
