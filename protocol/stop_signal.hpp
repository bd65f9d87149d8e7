// SIGINT and SIGTERM as a flag plus a wake-up: the handler sets the flag and writes a byte
// to a pipe that every event loop polls. (Any thread may take the signal, ZeroMQ's own
// among them, so an interrupted system call in the main thread cannot be relied on.)
#pragma once

namespace zshare {

/// Installs handlers for SIGINT and SIGTERM and ignores SIGPIPE.
void install_stop_handlers();

/// Returns: the stop signal received (SIGINT or SIGTERM), or 0.
int stop_requested();

/// Returns: a descriptor that polls readable once a stop signal arrived (-1 before install).
int stop_fd();

} // namespace zshare
