// TCP endpoints as zshare advertises them: "tcp://HOST:PORT", HOST an address, a name, or a
// wildcard ("*", "0.0.0.0", "::") that the receiving side replaces with an address it knows.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace zshare::protocol {

/// A parsed "tcp://HOST:PORT".
struct TcpEndpoint {
    std::string host;       ///< without IPv6 brackets
    std::uint16_t port = 0; ///< 0 only for a bind endpoint asking for an ephemeral port
    /// Returns: "tcp://HOST:PORT", with brackets around an IPv6 host.
    std::string str() const;
    /// Returns: true when the host means "every interface" rather than one address.
    bool wildcard_host() const;
};

/// Returns: the parts of `text`, or nothing when it is not "tcp://HOST:PORT" with a port from
/// 1 to 65535 (or "*" or "0", read as port 0, when `allow_any_port`, for bind addresses).
std::optional<TcpEndpoint> parse_tcp_endpoint(std::string_view text, bool allow_any_port = false);

/// Returns: `endpoint` with a wildcard host replaced by `host`; other endpoints unchanged.
std::string replace_wildcard_host(const std::string& endpoint, const std::string& host);

/// Returns: true when `name` can be a user name: 1 to 64 characters of letters, digits, '.',
/// '_' and '-', not starting with '-' (so it never reads as an option).
bool valid_peer_name(std::string_view name);

} // namespace zshare::protocol
