#include "stop_signal.hpp"

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <unistd.h>

namespace zshare {
namespace {
volatile std::sig_atomic_t g_stop_signal = 0;
int g_wake[2] = {-1, -1};

void on_stop_signal(int signal_number) {
    const int saved = errno;
    g_stop_signal = signal_number;
    if (g_wake[1] >= 0)
        (void)!::write(g_wake[1], "x", 1);
    errno = saved;
}
} // namespace

void install_stop_handlers() {
    if (g_wake[0] < 0 && ::pipe2(g_wake, O_CLOEXEC | O_NONBLOCK) != 0)
        g_wake[0] = g_wake[1] = -1;
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
    std::signal(SIGPIPE, SIG_IGN);
}

int stop_requested() { return g_stop_signal; }

int stop_fd() { return g_wake[0]; }

} // namespace zshare
