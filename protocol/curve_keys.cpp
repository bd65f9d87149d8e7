#include "curve_keys.hpp"

#include "file_io.hpp"

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <stdexcept>
#include <sys/stat.h>
#include <zmq.h>

namespace zshare::protocol {

namespace fs = std::filesystem;

bool valid_key(std::string_view text) {
    // Z85's alphabet only: libzmq's decoder stops at a zero byte and reads a shorter key.
    static constexpr std::string_view alphabet =
        "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";
    if (text.size() != 40 || text.find_first_not_of(alphabet) != std::string_view::npos)
        return false;
    const std::string terminated(text);
    std::array<std::uint8_t, 32> bytes{};
    return zmq_z85_decode(bytes.data(), terminated.c_str()) != nullptr;
}

KeyPair make_key_pair() {
    char public_key[41] = {}, secret_key[41] = {};
    if (zmq_curve_keypair(public_key, secret_key) != 0)
        throw std::runtime_error(std::string("cannot make a CURVE key pair: ") + zmq_strerror(zmq_errno()));
    return {public_key, secret_key};
}

std::optional<std::string> public_key_of(const std::string& secret_key) {
    if (!valid_key(secret_key))
        return std::nullopt;
    char public_key[41] = {};
    if (zmq_curve_public(public_key, secret_key.c_str()) != 0)
        return std::nullopt;
    return std::string(public_key);
}

std::string certificate_text(const KeyPair& keys, bool with_secret) {
    char when[64];
    const std::time_t now = std::time(nullptr);
    std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", std::localtime(&now));
    std::string text = std::string("#   ****  Generated on ") + when + " by zshare  ****\n";
    if (with_secret)
        text += "#   ZeroMQ CURVE **Secret** Certificate\n"
                "#   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions.\n";
    else
        text += "#   ZeroMQ CURVE Public Certificate\n"
                "#   Exchange securely, or use a secure mechanism to verify the contents\n"
                "#   of this file after exchange.\n";
    text += "\nmetadata\ncurve\n    public-key = \"" + keys.public_key + "\"\n";
    if (with_secret)
        text += "    secret-key = \"" + keys.secret_key + "\"\n";
    return text;
}

namespace {

/// Returns: `text` without blanks at both ends.
std::string_view trimmed(std::string_view text) {
    const auto first = text.find_first_not_of(" \t\r");
    if (first == std::string_view::npos)
        return {};
    const auto last = text.find_last_not_of(" \t\r");
    return text.substr(first, last - first + 1);
}

/// Returns: a ZPL value without its quotes ("..." or '...'), or as it stands up to a comment.
std::string zpl_value(std::string_view raw) {
    raw = trimmed(raw);
    if (raw.size() >= 2 && (raw.front() == '"' || raw.front() == '\'')) {
        const auto close = raw.find(raw.front(), 1);
        return std::string(raw.substr(1, close == std::string_view::npos ? raw.size() - 1 : close - 1));
    }
    // Unquoted: up to a comment. (Z85 has '#' in its alphabet: keys are written quoted.)
    return std::string(trimmed(raw.substr(0, raw.find(" #"))));
}

} // namespace

std::optional<KeyPair> parse_certificate(std::string_view text, std::string& error) {
    // ZPL (czmq's zconfig): a section starts at column 0, its entries are indented by four
    // spaces per level, "name = value". Only the "curve" section's two keys matter here.
    KeyPair keys;
    std::string section;
    while (!text.empty()) {
        const auto end = text.find('\n');
        std::string_view line = text.substr(0, end);
        text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
        const std::string_view content = trimmed(line);
        if (content.empty() || content.front() == '#')
            continue;
        const bool indented = line.front() == ' ' || line.front() == '\t';
        const auto equals = content.find('=');
        if (!indented) {
            section = std::string(trimmed(content.substr(0, equals)));
            continue;
        }
        if (section != "curve" || equals == std::string_view::npos)
            continue;
        const std::string_view name = trimmed(content.substr(0, equals));
        if (name == "public-key")
            keys.public_key = zpl_value(content.substr(equals + 1));
        else if (name == "secret-key")
            keys.secret_key = zpl_value(content.substr(equals + 1));
    }
    if (!valid_key(keys.public_key)) {
        error = keys.public_key.empty() ? "no curve public-key in it" : "its public-key is not a Z85 CURVE key";
        return std::nullopt;
    }
    if (!keys.secret_key.empty() && public_key_of(keys.secret_key) != keys.public_key) {
        error = "its secret-key does not belong to its public-key";
        return std::nullopt;
    }
    return keys;
}

std::optional<KeyPair> load_or_make_key_pair(const std::string& directory, const std::string& name,
                                             std::string& error, bool* made) {
    const std::string secret_path = directory + "/" + name + ".key_secret";
    const std::string public_path = directory + "/" + name + ".key";
    if (made)
        *made = false;
    struct stat info {};
    if (::stat(secret_path.c_str(), &info) == 0) {
        // As ssh does: a secret others can read, or change, is no longer a secret.
        if (info.st_mode & (S_IRWXG | S_IRWXO)) {
            error = secret_path + " can be read or written by others: make it private (chmod 600) or remove it";
            return std::nullopt;
        }
        std::string text, problem;
        if (!read_whole_file(secret_path, text, problem)) {
            error = problem;
            return std::nullopt;
        }
        auto keys = parse_certificate(text, problem);
        if (!keys || keys->secret_key.empty()) {
            error = secret_path + " is not a key file: " + (keys ? "it holds no secret-key" : problem);
            return std::nullopt;
        }
        std::error_code ec;
        if (!fs::exists(public_path, ec)) // the public half is only a copy: made again when lost
            (void)write_file_atomically(public_path, certificate_text(*keys, false), 0644);
        return keys;
    }
    std::error_code ec;
    const bool existed = fs::is_directory(directory, ec);
    fs::create_directories(directory, ec);
    if (ec) {
        error = "cannot make " + directory + ": " + ec.message();
        return std::nullopt;
    }
    if (!existed) // a directory of the user's own keeps its permissions
        fs::permissions(directory, fs::perms::owner_all, fs::perm_options::replace, ec);
    const KeyPair keys = make_key_pair();
    // The secret first: a public file without its secret would be a key nobody holds.
    if (auto problem = write_file_atomically(secret_path, certificate_text(keys, true), 0600); !problem.empty()) {
        error = problem;
        return std::nullopt;
    }
    if (auto problem = write_file_atomically(public_path, certificate_text(keys, false), 0644); !problem.empty()) {
        error = problem;
        return std::nullopt;
    }
    if (made)
        *made = true;
    return keys;
}

std::optional<std::string> resolve_public_key(const std::string& given, std::string& error) {
    if (valid_key(given))
        return given;
    std::string text, problem;
    if (!read_whole_file(given, text, problem)) {
        error = "'" + given + "' is neither a 40-character Z85 key nor a readable key file (" + problem + ")";
        return std::nullopt;
    }
    const std::string_view bare = trimmed(std::string_view(text).substr(0, text.find('\n')));
    if (valid_key(bare))
        return std::string(bare);
    auto keys = parse_certificate(text, problem);
    if (!keys) {
        error = given + " holds no key: " + problem;
        return std::nullopt;
    }
    return keys->public_key;
}

std::string shell_quoted(std::string_view text) {
    std::string out = "'";
    for (const char c : text) {
        if (c == '\'')
            out += "'\\''";
        else
            out += c;
    }
    return out + "'";
}

std::string default_state_directory(const std::string& leaf) {
    if (const char* xdg = std::getenv("XDG_STATE_HOME"); xdg && *xdg == '/')
        return std::string(xdg) + "/zshare/" + leaf;
    if (const char* home = std::getenv("HOME"); home && *home == '/')
        return std::string(home) + "/.local/state/zshare/" + leaf;
    return {};
}

} // namespace zshare::protocol
