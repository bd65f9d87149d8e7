// The addresses of this host's network interfaces: where others may reach it.
#pragma once

#include <string>
#include <vector>

namespace zshare {

/// Returns: the IPv4 addresses of the interfaces that are up, loopback ones last (or left out
/// without `loopback`), in the order the system lists them.
std::vector<std::string> interface_addresses(bool loopback = true);

} // namespace zshare
