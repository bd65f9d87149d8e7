#include "terminal_mode.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

namespace zshare::node {

TerminalMode::TerminalMode(int fd) : m_fd(fd) {
    if (::tcgetattr(m_fd, &m_saved) == 0)
        resume();
}

TerminalMode::~TerminalMode() { suspend(); }

void TerminalMode::suspend() {
    if (m_active)
        ::tcsetattr(m_fd, TCSAFLUSH, &m_saved);
    m_active = false;
}

void TerminalMode::resume() {
    struct termios raw = m_saved;
    raw.c_iflag &= ~tcflag_t(BRKINT | ICRNL | INPCK | ISTRIP | IXON);
    raw.c_cflag |= CS8;
    raw.c_lflag &= ~tcflag_t(ECHO | ICANON | IEXTEN | ISIG);
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    m_active = ::tcsetattr(m_fd, TCSAFLUSH, &raw) == 0;
}

int TerminalMode::width_of(int fd) {
    struct winsize size {};
    if (::ioctl(fd, TIOCGWINSZ, &size) == 0 && size.ws_col > 1)
        return size.ws_col;
    return 80;
}

} // namespace zshare::node
