// The two REPLs behind Repl::open(): repl_piped.cpp and repl_terminal.cpp.
#pragma once

#include "repl.hpp"

namespace zshare::node {

std::unique_ptr<Repl> make_piped_repl(Reactor& reactor, Repl::Hooks hooks);
std::unique_ptr<Repl> make_terminal_repl(Reactor& reactor, const std::string& prompt, Repl::Hooks hooks);

} // namespace zshare::node
