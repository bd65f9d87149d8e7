// Key files a user hands to zshare: certificates (protocol::parse_certificate: a tracker's
// key, a node's own key pair) and a closed group's members file (broker::parse_members). What
// they accept must be keys that are valid; a certificate accepted must survive being written
// out again.
#include "fuzz_support.hpp"

#include "curve_keys.hpp"
#include "members.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

using namespace zshare;
using zshare::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);

    std::string error;
    if (const auto keys = protocol::parse_certificate(text, error)) {
        check(protocol::valid_key(keys->public_key), "a certificate's public key is valid");
        check(keys->secret_key.empty() || protocol::public_key_of(keys->secret_key) == keys->public_key,
              "a certificate's secret key belongs to its public key");
        const bool with_secret = !keys->secret_key.empty();
        std::string again_error;
        const auto again =
            protocol::parse_certificate(protocol::certificate_text(*keys, with_secret), again_error);
        check(again && again->public_key == keys->public_key && again->secret_key == keys->secret_key,
              "a certificate written out parses to the same keys");
    } else {
        check(!error.empty(), "a refused certificate names its reason");
    }

    error.clear();
    if (const auto members = broker::parse_members(text, error)) {
        check(members->keys.size() <= members->key_of_name.size(), "every key belongs to a member");
        for (const auto& [name, key] : members->key_of_name)
            check(protocol::valid_key(key) && members->keys.count(key) == 1,
                  "every member's key is valid and listed");
    } else {
        check(!error.empty(), "a refused members file names its reason");
    }
    return 0;
}
