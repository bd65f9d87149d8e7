#include "completer.hpp"

#include "commands.hpp"
#include "download_plan.hpp"

#include <filesystem>

namespace zshare::node {

namespace {

std::string basename_of(const std::string& path) { return std::filesystem::path(path).filename().string(); }

/// Returns: every path `peer` shares, every file name among them, and every folder they are in.
void add_files_of(const protocol::PeerInfo& peer, std::vector<std::string>& out) {
    for (const auto& file : peer.files) {
        out.push_back(file.path);
        out.push_back(basename_of(file.path));
    }
    for (auto& folder : folders_of(peer))
        out.push_back(std::move(folder));
}

} // namespace

std::vector<std::string> complete_words(const CompletionContext& context, const CompletionSources& sources) {
    std::vector<std::string> candidates;
    if (context.before.empty()) {
        for (const auto& spec : command_table()) {
            candidates.emplace_back(spec.name);
            for (const auto alias : spec.aliases)
                candidates.emplace_back(alias);
        }
        return filter_prefix(std::move(candidates), context.partial);
    }
    const CommandSpec* spec = find_command(context.before[0]);
    if (!spec)
        return {};
    static const std::map<std::string, protocol::PeerInfo> no_peers;
    const auto& peers = sources.peers ? *sources.peers : no_peers;
    switch (argument_kind(*spec, context.before.size() - 1)) {
    case ArgumentKind::none:
        return {};
    case ArgumentKind::command:
        for (const auto& command : command_table())
            candidates.emplace_back(command.name);
        break;
    case ArgumentKind::user_or_content:
        // `download <user> ...` or `download <file name>`: users first in mind, but both go.
        for (const auto& [name, peer] : peers)
            if (name != sources.self) {
                candidates.push_back(name);
                for (const auto& file : peer.files)
                    candidates.push_back(basename_of(file.path));
            }
        break;
    case ArgumentKind::user:
        for (const auto& [name, peer] : peers)
            candidates.push_back(name);
        break;
    case ArgumentKind::remote_path:
        // After a user: that user's files and folders. After a content word: where to put it.
        if (const auto peer = peers.find(context.before.back()); peer != peers.end()) {
            add_files_of(peer->second, candidates);
            break;
        }
        if (spec->name == "list-files")
            return {};
        return local_path_candidates(context.partial);
    case ArgumentKind::local_path:
        return local_path_candidates(context.partial);
    case ArgumentKind::shared_path:
        candidates = sources.shared_paths;
        for (auto& local : local_path_candidates(context.partial))
            candidates.push_back(std::move(local));
        break;
    case ArgumentKind::download_id:
        for (const auto id : sources.downloads)
            candidates.push_back(std::to_string(id));
        break;
    }
    return filter_prefix(std::move(candidates), context.partial);
}

} // namespace zshare::node
