// Signals as flags plus one wake-up descriptor: a handler only sets a flag and writes a byte to
// a pipe that the process's event loop watches. (Any thread may take a signal, ZeroMQ's own
// among them, so an interrupted system call in the main thread cannot be relied on.)
//   SIGINT, SIGTERM  stop the process (a terminal in raw mode sends Ctrl-C as a byte instead)
//   SIGWINCH         the terminal changed size
//   SIGPIPE          ignored: a closed pipe is an error value, not a death
#pragma once

namespace zshare {

/// Installs the handlers above. Call once, before any thread starts.
void install_signal_handlers();

/// Returns: the stop signal received (SIGINT or SIGTERM), or 0.
int stop_requested();

/// Returns: true once after each SIGWINCH (the flag is cleared).
bool take_resized();

/// Returns: a descriptor that polls readable after any of the signals above arrived (-1 before
/// install). Call drain_signal_fd() when it does.
int signal_fd();

/// Empties the wake-up pipe.
void drain_signal_fd();

} // namespace zshare
