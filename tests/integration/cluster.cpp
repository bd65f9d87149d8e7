#include "cluster.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace zshare::testing {

namespace fs = std::filesystem;

std::string random_bytes(std::size_t size, unsigned seed) {
    std::mt19937_64 random(seed);
    std::string out(size, '\0');
    for (std::size_t i = 0; i < size; i += 8) {
        const auto value = random();
        for (std::size_t k = 0; k < 8 && i + k < size; ++k)
            out[i + k] = static_cast<char>(value >> (8 * k));
    }
    return out;
}

bool exists(const std::string& path) {
    std::error_code ec;
    return fs::exists(fs::symlink_status(path, ec));
}

TrackerProcess::TrackerProcess(std::vector<std::string> extra_args) {
    std::vector<std::string> argv{ZSHARE_TRACKER_BIN};
    if (std::find(extra_args.begin(), extra_args.end(), "--listen") == extra_args.end())
        argv.insert(argv.end(), {"--listen", "tcp://127.0.0.1:*"});
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    m_process = std::make_unique<Process>(argv);
    const auto ready = m_process->wait_for(Process::Stream::out, "ready");
    if (!ready)
        throw std::runtime_error("tracker did not start: " + m_process->text(Process::Stream::err));
    // "zshare-tracker ready: requests on tcp://127.0.0.1:P, events on tcp://127.0.0.1:Q"
    const auto requests = ready->find("requests on ");
    const auto comma = ready->find(',', requests);
    const auto events = ready->find("events on ");
    m_endpoint = ready->substr(requests + 12, comma - requests - 12);
    m_events = ready->substr(events + 10);
}

std::unique_ptr<Process> start_node(const TrackerProcess& tracker, const std::string& name,
                                    const std::string& cwd, std::vector<std::string> extra_args,
                                    bool wait_online) {
    // The manifest cache goes with the node's files, into the test's temporary directory.
    std::vector<std::string> argv{ZSHARE_NODE_BIN, "--tracker", tracker.endpoint(), "--name", name,
                                  "--listen", "tcp://127.0.0.1:*", "--cache-dir", cwd + "/.zshare-cache"};
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    auto node = std::make_unique<Process>(argv, cwd);
    if (wait_online && !node->wait_for(Process::Stream::err, name + " online"))
        FAIL("node " << name << " did not come online: " << node->text(Process::Stream::err));
    return node;
}

bool eventually_shows(Process& node, const std::string& command, const std::string& expect,
                      std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        node.write(command + "\n");
        if (node.wait_for(Process::Stream::out, expect, 200ms))
            return true;
    }
    return false;
}

ScriptRun run_script(const TrackerProcess& tracker, const std::string& name, const std::string& cwd,
                     const std::string& script, std::vector<std::string> extra_args) {
    auto node = start_node(tracker, name, cwd, std::move(extra_args), false);
    node->write(script);
    node->close_stdin();
    ScriptRun run;
    run.status = node->wait_exit(60s).value_or(-1);
    if (run.status < 0)
        run.status = node->stop();
    run.out = node->text(Process::Stream::out);
    run.err = node->text(Process::Stream::err);
    return run;
}

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!condition()) {
        if (std::chrono::steady_clock::now() >= deadline)
            return false;
        std::this_thread::sleep_for(10ms);
    }
    return true;
}

std::size_t count_lines(const std::string& text, const std::string& line) {
    std::size_t count = 0;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);)
        count += l == line ? 1 : 0;
    return count;
}

} // namespace zshare::testing

namespace zshare::testing {

std::size_t verified_in_state(const std::string& state_path) {
    // The last line is the bitmap: one '1' per verified chunk.
    const std::string text = read_file(state_path);
    if (text.size() < 2)
        return 0;
    const auto last_line = text.rfind('\n', text.size() - 2);
    return last_line == std::string::npos ? 0 : std::size_t(std::count(text.begin() + long(last_line), text.end(), '1'));
}

} // namespace zshare::testing
