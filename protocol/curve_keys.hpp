// CURVE keys as zshare keeps them: Z85 text of 40 characters, as zmq_curve_keypair() makes
// them, in key files of the ZeroMQ certificate format czmq's zcert writes ("<name>.key" holds
// the public key, "<name>.key_secret" the pair, readable by its owner only), so that czmq's
// tools and zauth-style key folders can read them.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace zshare::protocol {

/// A CURVE key pair, both halves as Z85 text.
struct KeyPair {
    std::string public_key; ///< 40 characters: what others are shown
    std::string secret_key; ///< 40 characters: never leaves its file and this process
};

/// Returns: true when `text` is a Z85 CURVE key: 40 characters that decode to 32 bytes.
bool valid_key(std::string_view text);

/// Returns: a new key pair. Throws: std::runtime_error when libzmq has no CURVE.
KeyPair make_key_pair();

/// Returns: the public key of a secret key (for checking a key file's two halves agree).
std::optional<std::string> public_key_of(const std::string& secret_key);

/// Returns: a certificate file's text for `keys`: with the secret key, or the public one only.
std::string certificate_text(const KeyPair& keys, bool with_secret);

/// Returns: the keys a certificate file holds (the secret key empty when it has none), or
/// nothing with `error` set when it is not one, or its keys are not valid.
std::optional<KeyPair> parse_certificate(std::string_view text, std::string& error);

/// Returns: the key pair of `name` in `directory` ("<name>.key_secret"), made (with
/// "<name>.key" and the directory, mode 0700) when there is none yet; `made` tells which.
/// Refused when the secret file is readable by others, or its halves do not belong together.
std::optional<KeyPair> load_or_make_key_pair(const std::string& directory, const std::string& name,
                                             std::string& error, bool* made = nullptr);

/// Returns: the public key `given` names: the key itself, or the path of a file holding it (a
/// certificate, or the bare key on a line); or nothing with `error` set.
std::optional<std::string> resolve_public_key(const std::string& given, std::string& error);

/// Returns: `text` quoted for a POSIX shell, so that a command printed for a user to paste
/// keeps a key whole (Z85 keys may start with '-' and hold '&', '$', '(' ...).
std::string shell_quoted(std::string_view text);

/// Returns: "$XDG_STATE_HOME/zshare/<leaf>", else "$HOME/.local/state/zshare/<leaf>" ("" when
/// neither is set).
std::string default_state_directory(const std::string& leaf);

} // namespace zshare::protocol
