// What a download finds in "<final>.part.state" when it starts again: any bytes, parsed by
// node::parse_partial_state. A state it accepts claims only chunks that exist, in increasing
// order, and survives being written out in the same format and parsed again.
#include "fuzz_support.hpp"

#include "partial_file.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

using namespace zshare;
using zshare::fuzz::check;

namespace {

bool blank(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/// Returns: the length of the word the bitmap should be (the fourth after the first line), so
/// that inputs reach the bitmap whatever its length; 0 when there is none.
std::uint64_t bitmap_length(std::string_view text) {
    const auto newline = text.find('\n');
    text = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);
    std::string_view word;
    for (int i = 0; i < 4; ++i) {
        while (!text.empty() && blank(text.front()))
            text.remove_prefix(1);
        std::size_t end = 0;
        while (end < text.size() && !blank(text[end]))
            ++end;
        word = text.substr(0, end);
        text.remove_prefix(end);
    }
    return word.size();
}

/// Returns: `state` in the format PartialFile::save_state writes.
std::string text_of(const node::PartialState& state, std::uint64_t chunks) {
    std::string bitmap(chunks, '0');
    for (const std::uint64_t index : state.claimed)
        bitmap[index] = '1';
    return "zshare-partial 1\n" + state.content_id + " " + std::to_string(state.size) + " " +
           std::to_string(state.chunk_size) + "\n" + (chunks == 0 ? "-" : bitmap) + "\n";
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const std::uint64_t length = bitmap_length(text);
    // The right length, a wrong one, and none (a file of no chunks).
    for (const std::uint64_t chunks : {length, length + 1, std::uint64_t(0)}) {
        const auto state = node::parse_partial_state(text, chunks);
        if (!state)
            continue;
        check(!state->content_id.empty(), "a state names its content");
        for (std::size_t i = 0; i < state->claimed.size(); ++i)
            check(state->claimed[i] < chunks && (i == 0 || state->claimed[i - 1] < state->claimed[i]),
                  "claimed chunks exist and are in increasing order");
        const auto again = node::parse_partial_state(text_of(*state, chunks), chunks);
        check(again && again->content_id == state->content_id && again->size == state->size &&
                  again->chunk_size == state->chunk_size && again->claimed == state->claimed,
              "a state written out parses to the same state");
    }
    return 0;
}
