// The terminal in raw mode for as long as this object lives: keys arrive one byte at a time,
// unechoed, and Ctrl-C, Ctrl-Z and Ctrl-D arrive as bytes rather than as signals or an end of
// file, so that the line editor decides what they mean. Output processing stays on ("\n"
// still starts a new row), so that everything else prints as usual.
#pragma once

#include <termios.h>

namespace zshare::node {

class TerminalMode {
public:
    /// Puts the terminal on `fd` in raw mode (nothing happens if it is not a terminal).
    explicit TerminalMode(int fd);
    /// Puts it back as it was.
    ~TerminalMode();
    TerminalMode(const TerminalMode&) = delete;
    TerminalMode& operator=(const TerminalMode&) = delete;

    /// Puts the terminal back as it was, for now (before suspending the process).
    void suspend();
    /// Raw mode again (after the process was continued).
    void resume();

    /// Returns: the width of the terminal on `fd` in columns, or 80 when unknown.
    static int width_of(int fd);

private:
    int m_fd;
    bool m_active = false;
    struct termios m_saved {};
};

} // namespace zshare::node
