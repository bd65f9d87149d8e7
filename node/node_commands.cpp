// The node's commands: the handlers the command table (commands.cpp) dispatches to.
#include "node.hpp"

#include "command_line.hpp"
#include "format.hpp"
#include "share_scan.hpp"

#include <filesystem>

namespace zshare::node {

using namespace protocol;
namespace fs = std::filesystem;

void Node::begin_pending(std::function<void()> cancel) {
    m_pending = true;
    ++m_pending_serial;
    m_cancel_pending = std::move(cancel);
    m_repl->set_busy(true);
}

void Node::end_pending(Outcome outcome) {
    if (!m_pending)
        return;
    m_pending = false;
    m_cancel_pending = nullptr;
    if (outcome == Outcome::failed)
        m_status = exit_status::failed;
    m_repl->set_busy(false);
    if (m_quit_asked)
        leave_when_idle();
}

Outcome Node::list_users(const std::vector<std::string>&) {
    for (const auto& line : user_list_lines(m_session->mirror().peers()))
        say(line);
    return Outcome::ok;
}

Outcome Node::list_files(const std::vector<std::string>& given) {
    std::vector<std::string> args = given;
    const bool long_form = !args.empty() && args[0] == "-l";
    if (long_form)
        args.erase(args.begin());
    if (args.size() > 2 || (!args.empty() && args[0] == "-l"))
        return refuse("usage: " + std::string(find_command("list-files")->usage));
    const auto& peers = m_session->mirror().peers();
    if (args.empty()) {
        for (const auto& line : file_list_lines(peers, long_form))
            say(line);
        return Outcome::ok;
    }
    // One user's files, or those under one of its folders.
    const auto peer = peers.find(args[0]);
    if (peer == peers.end())
        return refuse("unknown user '" + args[0] + "' (see list-users)");
    protocol::PeerInfo only = peer->second;
    if (args.size() == 2) {
        const auto folder = folder_named(args[0], peer->second, args[1]);
        if (const auto* problem = std::get_if<std::string>(&folder); problem && !problem->empty())
            return refuse(*problem);
        const std::string dir = std::holds_alternative<Folder>(folder) ? std::get<Folder>(folder).path : args[1];
        std::erase_if(only.files, [&](const protocol::FileEntry& file) { return !relative_inside(file.path, dir); });
        if (only.files.empty())
            return refuse(args[0] + " shares no file under " + args[1]);
    }
    for (const auto& line : file_list_lines({{peer->first, only}}, long_form))
        say(line);
    return Outcome::ok;
}

std::optional<std::vector<std::string>> Node::paths_argument(const std::vector<std::string>& given,
                                                             std::string_view command) {
    // The original descriptions write lists with commas ("register a, b") and put the user's
    // name first (`register <user> <file>...`): a node only ever speaks for itself, so its
    // own name is accepted there and any other user's name is refused.
    std::vector<std::string> args = without_commas(given);
    std::error_code ec;
    if (args.size() >= 2 && !fs::exists(args.front(), ec)) {
        if (args.front() == m_options.name) {
            args.erase(args.begin());
        } else if (m_session->mirror().find(args.front())) {
            refuse("this node is '" + m_options.name + "'; it cannot change what '" + args.front() + "' shares");
            return std::nullopt;
        }
    }
    if (args.empty()) {
        refuse("usage: " + std::string(find_command(command)->usage));
        return std::nullopt;
    }
    return args;
}

Outcome Node::register_paths(const std::vector<std::string>& given) {
    const auto args = paths_argument(given, "register");
    if (!args)
        return Outcome::failed;
    // Hashing can take minutes: it runs on the worker, the REPL shows how far it is, and
    // Ctrl-C stops it.
    const std::uint64_t serial = m_pending_serial + 1;
    const Hasher::JobId job = m_hasher->collect(
        *args,
        [this](const CollectProgress& p) {
            m_repl->status(hashing_line(p.files_done, p.files_total, p.bytes_done, p.bytes_total, m_repl->width()));
        },
        [this, given = *args, serial](Collected found) {
            if (serial == m_pending_serial)
                on_collected(given, std::move(found));
        });
    begin_pending([this, job] {
        m_hasher->cancel(job);
        say("register cancelled: nothing was shared");
        end_pending(Outcome::ok);
    });
    return Outcome::pending;
}

void Node::on_collected(const std::vector<std::string>& given, Collected found) {
    if (!found.error.empty())
        return end_pending(refuse(found.error));
    std::vector<std::string> added;
    for (const auto& file : found.files)
        if (!m_shares.find(file.path))
            added.push_back(file.path);
    m_shares.add(found.files);
    const std::uint64_t serial = m_pending_serial;
    // A register stopped now takes its files back, and tells the tracker so.
    m_cancel_pending = [this, added] {
        m_shares.remove_under(added);
        m_session->announce([](const std::string&) {});
        say("register cancelled: nothing was shared");
        end_pending(Outcome::ok);
    };
    m_session->announce([this, given, added, serial](const std::string& error) {
        if (serial != m_pending_serial || !m_pending)
            return;
        if (!error.empty()) {
            m_shares.remove_under(added); // the tracker did not take it: keep the old state
            return end_pending(refuse(error));
        }
        for (const auto& path : given) {
            const std::string absolute = absolute_path(path);
            say("registered " + absolute + " (" + plural(m_shares.count_under(absolute), "file") + ")");
        }
        end_pending(Outcome::ok);
    });
}

Outcome Node::unregister_paths(const std::vector<std::string>& given) {
    const auto args = paths_argument(given, "unregister");
    if (!args)
        return Outcome::failed;
    std::vector<std::string> paths;
    for (const auto& path : *args) {
        paths.push_back(absolute_path(path));
        if (m_shares.count_under(paths.back()) == 0)
            return refuse(paths.back() + " is not registered");
    }
    auto removed = m_shares.remove_under(paths);
    const std::uint64_t serial = m_pending_serial + 1;
    begin_pending([this, removed] {
        m_shares.add(removed);
        m_session->announce([](const std::string&) {});
        say("unregister cancelled: every file is still shared");
        end_pending(Outcome::ok);
    });
    m_session->announce([this, removed, serial](const std::string& error) {
        if (serial != m_pending_serial || !m_pending)
            return;
        if (!error.empty()) {
            m_shares.add(removed);
            return end_pending(refuse(error));
        }
        say("unregistered " + plural(removed.size(), "file"));
        end_pending(Outcome::ok);
    });
    return Outcome::pending;
}

Outcome Node::download(const std::vector<std::string>& args, bool background) {
    auto planned = plan_download(args, m_session->mirror().peers(), m_options.name);
    if (const auto* problem = std::get_if<std::string>(&planned))
        return refuse(*problem);
    const DownloadPlan& plan = std::get<DownloadPlan>(planned);
    const LocalTarget target = plan.folder ? local_folder_target(plan.local, plan.remote, m_options.downloads, plan.files)
                                           : local_target(plan.local, plan.remote, m_options.downloads);
    if (!target.error.empty())
        return refuse(target.error);
    if (plan.folder)
        if (auto problem = make_folders(target.path, ""); !problem.empty())
            return refuse(problem);
    if (m_downloads->writing(target.path))
        return refuse("a download is already writing " + target.path);
    if (background) {
        m_downloads->start(plan, target.path, true, m_session->mirror().epoch(), [](bool) {});
        return Outcome::ok;
    }
    const std::uint64_t serial = m_pending_serial + 1;
    begin_pending([this] { m_downloads->cancel_foreground(); });
    m_downloads->start(plan, target.path, false, m_session->mirror().epoch(), [this, serial](bool ok) {
        if (serial == m_pending_serial)
            end_pending(ok ? Outcome::ok : Outcome::failed);
    });
    return Outcome::pending;
}

Outcome Node::list_downloads(const std::vector<std::string>&) {
    const auto lines = m_downloads->lines();
    if (lines.empty())
        say("no downloads under way");
    for (const auto& line : lines)
        say(line);
    return Outcome::ok;
}

Outcome Node::cancel(const std::vector<std::string>& args) {
    std::string text = args[0];
    if (text.size() > 2 && text.front() == '[' && text.back() == ']')
        text = text.substr(1, text.size() - 2);
    char* end = nullptr;
    const unsigned long id = std::strtoul(text.c_str(), &end, 10);
    if (text.empty() || !end || *end != '\0' || !m_downloads->cancel(static_cast<unsigned>(id)))
        return refuse("no download " + args[0] + " (see downloads)");
    return Outcome::ok;
}

Outcome Node::status(const std::vector<std::string>&) {
    const Mirror& mirror = m_session->mirror();
    const auto heard = std::chrono::steady_clock::now() - m_session->last_heard();
    say("tracker: " + m_session->tracker() + " " + state_name(m_session->state()) + " (last heard " +
        seconds_ago(heard) + " ago)");
    say("name: " + m_options.name + (m_security.curve ? ", key " + m_security.keys.public_key : ", --insecure (no key)"));
    say("file server: bound to " + m_server->endpoint() + ", peers use " + m_session->advertised_endpoint());
    say("mirror: seq " + std::to_string(mirror.seq()) + ", epoch " + std::to_string(mirror.epoch()) + ", " +
        plural(mirror.peers().size(), "peer"));
    say("shares: " + plural(m_shares.entries().size(), "file"));
    say("downloads: " + std::to_string(m_downloads->size()) + " under way");
    return Outcome::ok;
}

Outcome Node::help(const std::vector<std::string>& args) {
    std::optional<std::string> text = args.empty() ? help_text() : help_for(args[0]);
    if (!text)
        return refuse("no command '" + args[0] + "' (try help)");
    if (!text->empty() && text->back() == '\n')
        text->pop_back();
    say(*text);
    return Outcome::ok;
}

Outcome Node::quit(const std::vector<std::string>&) { return Outcome::quit; }

Outcome Node::register_user(const std::vector<std::string>&) {
    return refuse("the user name is fixed when the node starts (--name); this node is '" + m_options.name + "'");
}

} // namespace zshare::node
