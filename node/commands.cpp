#include "commands.hpp"

#include <algorithm>

namespace zshare::node {

namespace {

/// download() takes its "&" as a flag: the table's handler type has none.
Outcome run_download(CommandHandlers& handlers, const std::vector<std::string>& args, bool background) {
    return handlers.download(args, background);
}

const std::vector<CommandSpec> table = {
    {"list-users", {}, "list-users", "who is online: <name> - <host>:<port>", 0, 0, false, {},
     &CommandHandlers::list_users},
    {"list-files", {"list"}, "list-files [-l] [<user> [<folder>]]",
     "what is shared: <name> : <path>, by everyone, one user, or under one user's folder; -l adds size, "
     "content id and how many hold it",
     0, 3, false, {ArgumentKind::user, ArgumentKind::remote_path}, &CommandHandlers::list_files},
    {"register", {}, "register <path>...", "share files; a directory is shared with everything under it", 1,
     any_number, false, {ArgumentKind::local_path}, &CommandHandlers::register_paths},
    {"unregister", {}, "unregister <path>...", "stop sharing files, or everything under a directory", 1,
     any_number, false, {ArgumentKind::shared_path}, &CommandHandlers::unregister_paths},
    {"download", {}, "download <user> <remote> [<local>] [&]",
     "fetch a file of <user>, or every file under a folder of <user>, from every holder of the same "
     "content; <local> defaults to the downloads directory plus its name; & runs it in the background",
     1, 3, true, {ArgumentKind::user_or_content, ArgumentKind::remote_path, ArgumentKind::local_path}, nullptr},
    {"downloads", {}, "downloads", "the downloads under way", 0, 0, false, {}, &CommandHandlers::list_downloads},
    {"cancel", {}, "cancel <id>", "stop a download; its partial file stays, so the same download resumes later",
     1, 1, false, {ArgumentKind::download_id}, &CommandHandlers::cancel},
    {"status", {}, "status", "the tracker, this node, its table, shares and downloads", 0, 0, false, {},
     &CommandHandlers::status},
    {"help", {}, "help [<command>]", "this text, or one command's", 0, 1, false, {ArgumentKind::command},
     &CommandHandlers::help},
    // The original description's register-user is what the node sends when it starts.
    {"register-user", {}, "register-user <name>", "the name is given once, with --name, when the node starts", 0,
     any_number, false, {}, &CommandHandlers::register_user},
    {"exit", {"quit"}, "exit", "leave, once background downloads are done (Ctrl-D does the same)", 0, 0, false,
     {}, &CommandHandlers::quit},
};

} // namespace

const std::vector<CommandSpec>& command_table() { return table; }

const CommandSpec* find_command(std::string_view word) {
    for (const auto& spec : table)
        if (spec.name == word || std::find(spec.aliases.begin(), spec.aliases.end(), word) != spec.aliases.end())
            return &spec;
    return nullptr;
}

ArgumentKind argument_kind(const CommandSpec& spec, std::size_t position) {
    if (position >= spec.max_args || spec.arguments.empty())
        return ArgumentKind::none;
    return spec.arguments[std::min(position, spec.arguments.size() - 1)];
}

Outcome dispatch(CommandHandlers& handlers, const std::vector<std::string>& words) {
    if (words.empty())
        return Outcome::ok;
    const CommandSpec* spec = find_command(words[0]);
    if (!spec)
        return handlers.refuse("unknown command '" + words[0] + "' (try help)");
    std::vector<std::string> args(words.begin() + 1, words.end());
    const bool background = spec->background && !args.empty() && args.back() == "&";
    if (background)
        args.pop_back();
    if (args.size() < spec->min_args || args.size() > spec->max_args)
        return handlers.refuse("usage: " + std::string(spec->usage));
    if (!spec->run)
        return run_download(handlers, args, background);
    return (handlers.*(spec->run))(args);
}

std::string help_text() {
    std::string text = "commands:\n";
    for (const auto& spec : table) {
        std::string names(spec.usage);
        for (const auto alias : spec.aliases)
            names += " (also: " + std::string(alias) + ")";
        text += "  " + names + "\n      " + std::string(spec.summary) + "\n";
    }
    text += "arguments with blanks go in double quotes: register \"my file.txt\"\n"
            "keys: Tab completes, Ctrl-C clears the line or stops the command under way, Ctrl-D leaves\n";
    return text;
}

std::optional<std::string> help_for(std::string_view word) {
    const CommandSpec* spec = find_command(word);
    if (!spec)
        return std::nullopt;
    return "usage: " + std::string(spec->usage) + "\n  " + std::string(spec->summary) + "\n";
}

} // namespace zshare::node
