#include "interfaces.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

namespace zshare {

std::vector<std::string> interface_addresses(bool loopback) {
    std::vector<std::string> outside, inside;
    ifaddrs* list = nullptr;
    if (::getifaddrs(&list) != 0)
        return {};
    for (ifaddrs* at = list; at; at = at->ifa_next) {
        if (!at->ifa_addr || at->ifa_addr->sa_family != AF_INET || !(at->ifa_flags & IFF_UP))
            continue;
        char text[INET_ADDRSTRLEN] = {};
        ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(at->ifa_addr)->sin_addr, text, sizeof text);
        (at->ifa_flags & IFF_LOOPBACK ? inside : outside).emplace_back(text);
    }
    ::freeifaddrs(list);
    if (loopback)
        outside.insert(outside.end(), inside.begin(), inside.end());
    return outside;
}

} // namespace zshare
