// Exit statuses shared by every zshare program.
#pragma once

namespace zshare::exit_status {
inline constexpr int ok = 0;      ///< everything asked for was done
inline constexpr int failed = 1;  ///< a command or the start failed (the tracker unreachable, say)
inline constexpr int refused = 2; ///< a bad argument, or refused by the tracker (a name taken)
} // namespace zshare::exit_status
