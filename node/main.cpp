// zshare-node: a peer. Registers with the tracker, serves what it shares, downloads from other
// peers, and takes commands on standard input.
#include "cli.hpp"
#include "node.hpp"
#include "signals.hpp"

#include <algorithm>
#include <map>
#include <cstdlib>
#include <iostream>

namespace {
const char* const synopsis = R"(usage: zshare-node --name NAME --tracker-key=KEY [--tracker tcp://HOST:PORT]
                   [--share PATH]... [--listen tcp://HOST:PORT] [--downloads DIR]
                   [--key-dir DIR] [--peers-file FILE] [--upload-limit RATE] [--window N]
                   [--cache-dir DIR] [--tracker-timeout-ms MS] [--peer-timeout-ms MS]
       zshare-node --name NAME --insecure [...]

A zshare peer: it registers NAME with the tracker, serves the files it shares to the users in
the tracker's table only, and downloads files straight from the other peers, from every
holder of the same content at once, checking every chunk. Everything on the wire is
encrypted and authenticated (CURVE). Commands come from standard input: a prompt at a
terminal (type help), one command per line from a pipe.

  --name NAME               the user name to hold: 1-64 letters, digits, '.', '_', '-'
  --tracker tcp://HOST:PORT the tracker (default tcp://127.0.0.1:7400)
  --tracker-key=KEY         the tracker's public key (40 characters, as the tracker prints
                            it), or a file that holds it; also read from ZSHARE_TRACKER_KEY.
                            Write it with '=' and in single quotes: a key may start with '-'
  --key-dir DIR             this node's key pair, NAME.key and NAME.key_secret, made on first
                            use (default ~/.local/state/zshare/keys)
  --insecure                no encryption, no keys (only with a tracker that runs --insecure)
  --share PATH              a file or directory to share from the start (repeatable)
  --listen tcp://HOST:PORT  the file server (default tcp://*:0, an ephemeral port)
  --downloads DIR           where downloads go by default (default ./downloads)
  --peers-file FILE         keep a "<name> - <host>:<port>" line per user in FILE
  --upload-limit RATE       send at most RATE to other peers in all: 0 (no limit, the
                            default) or at least 1MiB, such as 20MiB or 1GiB (per second)
  --window N                most chunk requests in flight to one peer (2-256, default 16)
  --cache-dir DIR           where manifests are cached (default ~/.cache/zshare; "": none)
  --reply-buffer-per-peer SIZE, --reply-buffer SIZE
                            the file server's replies not yet sent, at most, to one peer
                            (default 64MiB) and in all (default 256MiB): past that it waits
                            for them to drain
  --tracker-timeout-ms MS   how long a request to the tracker may take (default 5000)
  --peer-timeout-ms MS      a holder silent this long is dropped (default 10000)
  --version, -h/--help

Exit status: 0 when every command and download succeeded, 1 when one failed (or the tracker
could not be reached at the start), 2 for a bad argument or a name the tracker refused.
)";
} // namespace

int main(int argc, char** argv) {
    zshare::node::NodeOptions options;
    CLI::App app("zshare-node");
    zshare::prepare_app(app, std::string("zshare-node ") + ZSHARE_VERSION);
    app.add_option("--tracker", options.tracker);
    app.add_option("--name", options.name)->required();
    app.add_option("--listen", options.listen);
    app.add_option("--share", options.shares);
    app.add_option("--downloads", options.downloads);
    app.add_option("--peers-file", options.peers_file);
    zshare::add_milliseconds(app, "--tracker-timeout-ms", options.tracker_timeout, 1, 3600000);
    zshare::add_milliseconds(app, "--peer-timeout-ms", options.tuning.timeout, 1, 3600000);
    std::uint64_t window = options.tuning.max_window;
    zshare::add_number(app, "--window", window, 2, 256);
    // Below 1 MiB/s, 1 MiB chunks would come slower than downloaders wait for a silent peer.
    zshare::add_rate(app, "--upload-limit", options.upload_limit, std::uint64_t(1) << 20);
    app.add_option("--cache-dir", options.cache_dir);
    zshare::add_size(app, "--reply-buffer-per-peer", options.requester_in_flight, std::uint64_t(1) << 20);
    zshare::add_size(app, "--reply-buffer", options.total_in_flight, std::uint64_t(1) << 20);
    // For measuring where chunks are best checked (bench/throughput.sh); the default is the
    // fastest measured (docs/benchmarks.md).
    const std::map<std::string, zshare::node::ChunkPipeline> pipelines{
        {"loop", zshare::node::ChunkPipeline::loop},
        {"writer", zshare::node::ChunkPipeline::writer},
        {"worker", zshare::node::ChunkPipeline::worker}};
    app.add_option("--chunk-pipeline", options.tuning.pipeline)
        ->transform(CLI::CheckedTransformer(pipelines, CLI::ignore_case).description(""));
    app.add_option("--tracker-key", options.tracker_key);
    app.add_option("--key-dir", options.key_dir);
    app.add_flag("--insecure", options.insecure);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return zshare::cli_exit(app, e, synopsis);
    }
    options.tuning.max_window = static_cast<unsigned>(window);
    if (options.tracker_key.empty())
        if (const char* key = std::getenv("ZSHARE_TRACKER_KEY"))
            options.tracker_key = key;
    options.tuning.total_window = std::max(options.tuning.total_window, options.tuning.max_window);
    zshare::install_signal_handlers();
    try {
        zshare::node::Node node(std::move(options));
        return node.run();
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << std::endl;
        return zshare::exit_status::failed;
    }
}
