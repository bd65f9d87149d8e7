// Whole reads and writes at an offset, and files replaced atomically. pread and pwrite may do
// less than asked (signals, large requests), and every caller wants all of it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace zshare {

/// Reads up to `size` bytes at `offset`. Returns: the bytes read (fewer only at the end of the
/// file), or -1 with errno set.
std::ptrdiff_t read_at(int fd, char* data, std::size_t size, std::uint64_t offset);

/// Writes all `size` bytes at `offset`. Returns: 0, or the errno.
int write_at(int fd, const char* data, std::size_t size, std::uint64_t offset);

/// Writes all of `text` to `fd` (a pipe, a terminal), going on after short writes and
/// interruptions. Returns: 0, or the errno.
int write_all(int fd, const std::string& text);

/// Whether a file's bytes must reach the disk before its name says they are there.
enum class Durability {
    synced, ///< flushed first: after a power loss the name holds the old bytes or the new ones
    cached, ///< not flushed (a cache: after a power loss the name may hold nothing, which only
            ///< costs the work of making it again); a crash of the process still leaves no mix
};

/// Replaces `path` with `text` so that a reader sees the old file or the new one, never a mix,
/// even across a crash: written beside it, flushed to disk (unless `durability` says it need
/// not be), then renamed over it. `mode` is applied to a new file (0600 for secrets).
/// Returns: an empty string, or why it failed (then `path` is unchanged).
std::string write_file_atomically(const std::string& path, const std::string& text, unsigned mode = 0644,
                                  Durability durability = Durability::synced);

/// Returns: the whole content of `path`, or nothing with `error` set.
bool read_whole_file(const std::string& path, std::string& content, std::string& error);

} // namespace zshare
