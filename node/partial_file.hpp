// The file a download writes: "<final>.part" with the bytes and "<final>.part.state" naming
// the chunks verified so far, owned together. The state is saved every second and when the
// owner lets go, data first, then the state that vouches for it, so that a download that is
// interrupted (killed, cancelled, no holder left) continues from there when started again.
// When every chunk is in, finish() renames the bytes to the final name, never over an
// existing file, and removes the state.
#pragma once

#include "content.hpp"
#include "unique_fd.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace zshare::node {

/// What a state file ("<final>.part.state") says. Its text is three lines: the magic
/// "zshare-partial 1", then "<content id> <size> <chunk size>", then one character per chunk,
/// '1' for a chunk verified ("-" when there are no chunks, so that the line is not empty).
struct PartialState {
    std::string content_id;             ///< the content the partial file belongs to
    std::uint64_t size = 0;             ///< its size in bytes
    std::uint64_t chunk_size = 0;       ///< its chunk size
    std::vector<std::uint64_t> claimed; ///< the chunks recorded as verified, in increasing order
};

/// Parses the text of a state file whose content has `expected_chunks` chunks. Lenient where
/// the reader always was: anything after the bitmap is ignored, and a bitmap character other
/// than '1' means "not verified". Pure: a fuzzer calls it on any bytes.
/// Returns: the state, or nothing when the magic line, a field or the bitmap's length is off.
std::optional<PartialState> parse_partial_state(std::string_view text, std::uint64_t expected_chunks);

class PartialFile {
public:
    /// Opens (or creates) the partial file of `final_path` for `content`, keeping what an
    /// earlier run of the same content wrote. The parent directory must exist.
    /// Returns: the file, or nothing with `error` set.
    static std::unique_ptr<PartialFile> open(const std::string& final_path, const Content& content,
                                             std::string& error);
    /// Saves the state of an unfinished file.
    ~PartialFile();
    PartialFile(const PartialFile&) = delete;
    PartialFile& operator=(const PartialFile&) = delete;

    /// Returns: the chunks an earlier run recorded as verified: to be checked again before
    /// they count (the file may have changed since). They stay recorded until confirmed or
    /// refuted, so that a crash meanwhile loses nothing.
    const std::vector<std::uint64_t>& claimed() const { return m_claimed; }

    /// Writes chunk `index`. Returns: 0, or the errno.
    int write(std::uint64_t index, const char* data, std::size_t size);
    /// Records chunk `index` as verified (after write(), or after a claim checked out).
    void mark_verified(std::uint64_t index);
    /// Records that a claimed chunk did not check out.
    void refute(std::uint64_t index);

    /// Saves the state if it changed: the data is flushed first.
    void save_state();
    /// Moves the complete file into place. Returns: an empty string, or why it failed (the
    /// partial file and its state then stay).
    std::string finish();

    const std::string& part_path() const { return m_part; }
    const std::string& final_path() const { return m_final; }

private:
    PartialFile() = default;

    std::string m_final;
    std::string m_part;
    std::string m_state;
    std::string m_content_id;
    std::uint64_t m_size = 0;
    std::uint64_t m_chunk_size = 0;
    UniqueFd m_fd;
    std::vector<std::uint8_t> m_recorded;     ///< per chunk: 1 when the state file may say so
    std::vector<std::uint64_t> m_claimed;     ///< what the earlier run's state said
    bool m_dirty = false;                     ///< m_recorded differs from the state file
    bool m_state_written = false;             ///< a state file exists
    bool m_finished = false;
};

} // namespace zshare::node
