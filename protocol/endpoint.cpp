#include "endpoint.hpp"

#include <cctype>
#include <charconv>

namespace zshare::protocol {

std::string TcpEndpoint::str() const {
    const bool ipv6 = host.find(':') != std::string::npos;
    return "tcp://" + (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

bool TcpEndpoint::wildcard_host() const {
    return host == "*" || host == "0.0.0.0" || host == "::" || host == "0:0:0:0:0:0:0:0";
}

std::optional<TcpEndpoint> parse_tcp_endpoint(std::string_view text, bool allow_any_port) {
    constexpr std::string_view scheme = "tcp://";
    if (text.substr(0, scheme.size()) != scheme)
        return std::nullopt;
    text.remove_prefix(scheme.size());
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0)
        return std::nullopt;
    TcpEndpoint endpoint;
    std::string_view host = text.substr(0, colon);
    const std::string_view port = text.substr(colon + 1);
    if (host.front() == '[') {
        if (host.size() < 3 || host.back() != ']')
            return std::nullopt;
        host = host.substr(1, host.size() - 2);
    }
    for (const char c : host)
        if (std::isspace(static_cast<unsigned char>(c)) || c == '/' || c == '[' || c == ']')
            return std::nullopt;
    endpoint.host = std::string(host);
    if ((port == "*" || port == "0") && allow_any_port)
        return endpoint; // port 0: the system picks one
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535)
        return std::nullopt;
    endpoint.port = static_cast<std::uint16_t>(value);
    return endpoint;
}

std::string replace_wildcard_host(const std::string& endpoint, const std::string& host) {
    auto parsed = parse_tcp_endpoint(endpoint);
    if (!parsed || !parsed->wildcard_host() || host.empty())
        return endpoint;
    // A dual-stack socket sees IPv4 peers as "::ffff:a.b.c.d": advertise the plain IPv4 form.
    constexpr std::string_view mapped = "::ffff:";
    const bool ipv4_mapped = host.compare(0, mapped.size(), mapped) == 0 &&
                             host.find('.') != std::string::npos;
    parsed->host = ipv4_mapped ? host.substr(mapped.size()) : host;
    return parsed->str();
}

bool valid_peer_name(std::string_view name) {
    if (name.empty() || name.size() > 64 || name.front() == '-')
        return false;
    for (const char c : name)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-')
            return false;
    return true;
}

} // namespace zshare::protocol
