// SIGINT and SIGTERM as a flag that event loops check: the handler only sets it, and the
// signal interrupts zmq::poll (EINTR) so the loop sees it at once.
#pragma once

namespace zshare {

/// Installs handlers for SIGINT and SIGTERM (without SA_RESTART) and ignores SIGPIPE.
void install_stop_handlers();

/// Returns: the stop signal received (SIGINT or SIGTERM), or 0.
int stop_requested();

} // namespace zshare
