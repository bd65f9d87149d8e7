// What the fuzz targets share: a check that stops the run with a reason (libFuzzer takes the
// abort for a crash and saves the input), and the framing of inputs that hold several frames.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

namespace zshare::fuzz {

/// Aborts with `what` when `ok` is false: a property of the code under test does not hold.
inline void check(bool ok, const char* what) {
    if (ok)
        return;
    std::fprintf(stderr, "fuzz check failed: %s\n", what);
    std::abort();
}

/// Separates the frames of an input that holds several (fuzz_events). 0xc1 is the one byte
/// msgpack never uses as a type, so the separator cannot begin a valid object; twice, so that
/// it is rare inside string and integer bytes too.
inline constexpr std::string_view frame_separator = "\xc1\xc1";

/// Returns: the frames of `input`, split at every frame_separator.
inline std::vector<std::string_view> split_frames(std::string_view input) {
    std::vector<std::string_view> frames;
    for (;;) {
        const auto at = input.find(frame_separator);
        frames.push_back(input.substr(0, at));
        if (at == std::string_view::npos)
            return frames;
        input.remove_prefix(at + frame_separator.size());
    }
}

} // namespace zshare::fuzz
