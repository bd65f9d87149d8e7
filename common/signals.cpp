#include "signals.hpp"

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <unistd.h>

namespace zshare {
namespace {
volatile std::sig_atomic_t g_stop_signal = 0;
volatile std::sig_atomic_t g_resized = 0;
int g_wake[2] = {-1, -1};

void on_signal(int signal_number) {
    const int saved = errno;
    if (signal_number == SIGWINCH)
        g_resized = 1;
    else
        g_stop_signal = signal_number;
    if (g_wake[1] >= 0)
        (void)!::write(g_wake[1], "x", 1);
    errno = saved;
}
} // namespace

void install_signal_handlers() {
    if (g_wake[0] < 0 && ::pipe2(g_wake, O_CLOEXEC | O_NONBLOCK) != 0)
        g_wake[0] = g_wake[1] = -1;
    struct sigaction action {};
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
    sigaction(SIGWINCH, &action, nullptr);
    std::signal(SIGPIPE, SIG_IGN);
}

int stop_requested() { return g_stop_signal; }

bool take_resized() {
    const bool resized = g_resized != 0;
    g_resized = 0;
    return resized;
}

int signal_fd() { return g_wake[0]; }

void drain_signal_fd() {
    char buffer[64];
    while (g_wake[0] >= 0 && ::read(g_wake[0], buffer, sizeof buffer) > 0) {
    }
}

} // namespace zshare
