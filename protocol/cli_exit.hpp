// How every zshare program ends a command-line parse: --help and --version print and exit 0;
// a bad argument prints one line, "error: REASON (see --help)", and exits 2.
#pragma once

#include <CLI/CLI.hpp>
#include <iostream>

namespace zshare {

/// Returns: the exit status for `e`, after printing what the user needs to see.
inline int cli_exit(const CLI::App& app, const CLI::ParseError& e) {
    if (e.get_exit_code() == 0)
        return app.exit(e); // --help or --version: CLI11 prints them
    std::cerr << "error: " << e.what() << " (see --help)" << std::endl;
    return 2;
}

} // namespace zshare
