// The REPL's commands, as one table: it drives dispatch (with the number of arguments each
// takes), `help`, and tab completion (what each argument position holds). Adding a command is
// adding a row here and a handler to CommandHandlers.
#pragma once

#include <cstddef>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace zshare::node {

/// What a command did.
enum class Outcome {
    ok,      ///< done
    failed,  ///< done, with an error (the exit status will be 1)
    pending, ///< under way: the REPL waits until the handler says it is over
    quit,    ///< leave
};

/// What an argument position holds, for completion.
enum class ArgumentKind {
    none,           ///< nothing to offer
    command,        ///< a command name
    user_or_content,///< a user online, or a shared file's name
    user,           ///< a user online (or an option)
    remote_path,    ///< after a user: that user's paths, file names and folders; else a local path
    local_path,     ///< a path on this machine
    shared_path,    ///< a path this node shares
    download_id,    ///< a download under way
};

/// The commands' handlers: the node implements them.
class CommandHandlers {
public:
    virtual ~CommandHandlers() = default;
    virtual Outcome list_users(const std::vector<std::string>& args) = 0;
    virtual Outcome list_files(const std::vector<std::string>& args) = 0;
    virtual Outcome register_paths(const std::vector<std::string>& args) = 0;
    virtual Outcome unregister_paths(const std::vector<std::string>& args) = 0;
    virtual Outcome download(const std::vector<std::string>& args, bool background) = 0;
    virtual Outcome list_downloads(const std::vector<std::string>& args) = 0;
    virtual Outcome cancel(const std::vector<std::string>& args) = 0;
    virtual Outcome status(const std::vector<std::string>& args) = 0;
    virtual Outcome help(const std::vector<std::string>& args) = 0;
    virtual Outcome quit(const std::vector<std::string>& args) = 0;
    virtual Outcome register_user(const std::vector<std::string>& args) = 0;
    /// Says `text` as an error (the node's console). Returns: Outcome::failed.
    virtual Outcome refuse(const std::string& text) = 0;
};

inline constexpr std::size_t any_number = std::numeric_limits<std::size_t>::max();

struct CommandSpec {
    std::string_view name;                 ///< what the user types
    std::vector<std::string_view> aliases; ///< other names for it
    std::string_view usage;                ///< its synopsis, for help and usage errors
    std::string_view summary;              ///< one line of help
    std::size_t min_args = 0;              ///< arguments it needs
    std::size_t max_args = 0;              ///< arguments it takes (any_number: no limit)
    bool background = false;               ///< takes a trailing "&"
    std::vector<ArgumentKind> arguments;   ///< per position; the last one repeats
    /// The handler (background commands go to download()).
    Outcome (CommandHandlers::*run)(const std::vector<std::string>&) = nullptr;
};

/// Returns: every command, in the order help lists them.
const std::vector<CommandSpec>& command_table();

/// Returns: the command called (or aliased) `word`, or null.
const CommandSpec* find_command(std::string_view word);

/// Returns: what argument `position` (0: the first after the command) of `spec` holds.
ArgumentKind argument_kind(const CommandSpec& spec, std::size_t position);

/// Runs the command `words[0]` with the rest as arguments on `handlers`: an unknown command,
/// or a wrong number of arguments, is refused with the usage line.
Outcome dispatch(CommandHandlers& handlers, const std::vector<std::string>& words);

/// Returns: the help text: every command's usage and summary.
std::string help_text();

/// Returns: the help of one command, or nothing when there is none of that name.
std::optional<std::string> help_for(std::string_view word);

} // namespace zshare::node
