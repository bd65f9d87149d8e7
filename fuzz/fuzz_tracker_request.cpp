// What the tracker's ROUTER gets: any bytes, decoded with the default limits (as the tracker
// does). A frame that decodes must encode again to a frame that decodes to the same message
// and request id: the codec reads nothing it cannot write.
#include "fuzz_support.hpp"

#include "codec.hpp"

#include <cstddef>
#include <cstdint>

using namespace zshare::protocol;
using zshare::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const Decoded decoded = decode(data, size);
    if (!decoded) {
        check(!decoded.error.empty(), "a failed decode names its reason");
        return 0;
    }
    check(decoded.error.empty(), "a successful decode has no error");
    const std::string again = encode(*decoded.message, decoded.request_id);
    const Decoded round = decode(again);
    check(bool(round), "a re-encoded message decodes");
    check(*round.message == *decoded.message, "a re-encoded message decodes to the same message");
    check(round.request_id == decoded.request_id, "a re-encoded message keeps its request id");
    return 0;
}
