// Whole reads and writes at an offset: pread and pwrite may do less than asked (signals, large
// requests), and every caller wants all of it.
#pragma once

#include <cstddef>
#include <cstdint>

namespace zshare::node {

/// Reads up to `size` bytes at `offset`. Returns: the bytes read (fewer only at the end of the
/// file), or -1 with errno set.
std::ptrdiff_t read_at(int fd, char* data, std::size_t size, std::uint64_t offset);

/// Writes all `size` bytes at `offset`. Returns: 0, or the errno.
int write_at(int fd, const char* data, std::size_t size, std::uint64_t offset);

} // namespace zshare::node
