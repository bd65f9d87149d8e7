// Writes the seed corpora of the fuzz targets: a few real, valid inputs each, made by the
// code that makes them in zshare (the codec, certificate_text, the partial file format), so
// that fuzzing starts from inputs that get deep. Run it again when the protocol changes:
//   build-fuzz/fuzz/zshare-make-corpus fuzz/corpus
#include "fuzz_support.hpp"

#include "codec.hpp"
#include "content.hpp"
#include "curve_keys.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using namespace zshare;
using namespace zshare::protocol;

namespace {

std::filesystem::path root;

void write(const std::string& target, const std::string& name, const std::string& bytes) {
    const auto dir = root / target;
    std::filesystem::create_directories(dir);
    std::ofstream(dir / name, std::ios::binary | std::ios::trunc) << bytes;
}

/// Returns: `frames` joined as fuzz_events reads them.
std::string frames(const std::vector<Message>& messages) {
    std::string out;
    for (const auto& message : messages)
        out += (out.empty() ? "" : std::string(fuzz::frame_separator)) + encode(message);
    return out;
}

/// Bytes with every value, so that chunks and hashes are not all alike.
std::string bytes(std::size_t size) {
    std::string out(size, '\0');
    for (std::size_t i = 0; i < size; ++i)
        out[i] = static_cast<char>((i * 31 + i / 256) % 256);
    return out;
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s CORPUS_DIRECTORY\n", argv[0]);
        return 2;
    }
    root = argv[1];

    const std::string id(64, 'c');
    const std::string key = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7";
    const FileEntry file{"/home/alice/a.txt", 12, id};
    const PeerInfo alice{"alice", "tcp://127.0.0.1:5001", {file}, key};
    const PeerInfo bob{"bob", "tcp://10.0.0.2:5002", {}, ""};

    // Every message type, some with a request id: what any ROUTER may get.
    const std::vector<std::pair<std::string, Message>> every = {
        {"hello", Hello{}},
        {"connect", Connect{"alice", "tcp://*:5001", {file}, "instance-1"}},
        {"update_files", UpdateFiles{{file, {"/home/alice/b.bin", 0, id}}}},
        {"disconnect", Disconnect{}},
        {"list_peers", ListPeers{}},
        {"ping", Ping{}},
        {"welcome", Welcome{"tcp://*:5556", 7, 3, 1000, 5000}},
        {"connected", Connected{"alice", "tcp://127.0.0.1:5001", "tcp://*:5556", 7, 3, 1000, 5000}},
        {"peer_list", PeerList{7, 3, {alice, bob}}},
        {"pong", Pong{7, 3, true}},
        {"ack", Ack{4}},
        {"error", Error{std::string(error_code::name_taken), "alice is taken"}},
        {"register_peer", RegisterPeer{7, 4, alice}},
        {"update_peer", UpdatePeer{7, 5, "bob", bob.endpoint, "", false, {file}, {"/home/bob/gone"}}},
        {"snapshot_end", SnapshotEnd{7, 3, 2}},
        {"unregister_peer", UnregisterPeer{7, 6, "bob"}},
        {"heartbeat", Heartbeat{7, 6}},
        {"stat_file", StatFile{"/home/alice/a.txt"}},
        {"file_stat", FileStat{"/home/alice/a.txt", 12}},
        {"fetch_chunk", FetchChunk{"/home/alice/a.txt", 0, 12}},
        {"chunk_data", ChunkData{"/home/alice/a.txt", 0, {"hello world\n"}}},
        {"get_manifest", GetManifest{"/home/alice/a.txt"}},
        {"manifest_data", ManifestData{"/home/alice/a.txt", id, {"manifest"}}},
        {"manifest", Manifest{12, 1u << 20, {std::string(32, '\x11')}}},
    };
    for (std::size_t i = 0; i < every.size(); ++i)
        write("fuzz_tracker_request", every[i].first, encode(every[i].second, i % 2 == 0 ? 0 : i));

    // File server requests: the target swaps in its shared file's path.
    write("fuzz_file_server_request", "stat_file", encode(StatFile{"/shared/data.bin"}, 1));
    write("fuzz_file_server_request", "get_manifest", encode(GetManifest{"/shared/data.bin"}, 2));
    write("fuzz_file_server_request", "fetch_first", encode(FetchChunk{"/shared/data.bin", 0, 1024}, 3));
    write("fuzz_file_server_request", "fetch_tail", encode(FetchChunk{"/shared/data.bin", 4096, 4096}));
    write("fuzz_file_server_request", "ping", encode(Ping{}, 4));

    // Event streams: a snapshot, then events in order, a gap, a stale one, a new tracker run.
    write("fuzz_events", "snapshot_then_events",
          frames({PeerList{7, 3, {bob}}, RegisterPeer{7, 4, alice}, UpdatePeer{7, 5, "bob", bob.endpoint, "", false, {file}, {}},
                  Heartbeat{7, 5},
                  UnregisterPeer{7, 6, "alice"}}));
    write("fuzz_events", "gap_and_stale",
          frames({RegisterPeer{7, 1, bob}, PeerList{7, 3, {alice, bob}}, UpdatePeer{7, 3, "bob", bob.endpoint, "", true, {}, {}},
                  UnregisterPeer{7, 5, "bob"}, Heartbeat{7, 9}}));
    write("fuzz_events", "new_epoch",
          frames({PeerList{7, 3, {alice}}, RegisterPeer{8, 1, bob}, Heartbeat{8, 1}}));

    // Manifests (their content id is computed by the target) and chunk data frames.
    const std::string data = bytes(2500);
    Manifest three{data.size(), 1024, {}};
    for (std::size_t offset = 0; offset < data.size(); offset += 1024) {
        const std::string chunk = data.substr(offset, 1024);
        const auto digest = node::blake3(chunk.data(), chunk.size());
        three.chunk_hashes.data.append(reinterpret_cast<const char*>(digest.data()), digest.size());
    }
    write("fuzz_manifest", "three_chunks", encode(three));
    write("fuzz_manifest", "empty_file", encode(Manifest{0, 1u << 20, {}}));
    write("fuzz_manifest", "chunk_data",
          encode(ChunkData{"/home/alice/a.txt", 1024, {data.substr(1024, 100)}}, 9));
    write("fuzz_manifest", "chunk_data_empty", encode(ChunkData{"/home/alice/a.txt", 2500, {}}));

    // Partial file states, as PartialFile::save_state writes them.
    write("fuzz_partial_state", "some_verified", "zshare-partial 1\n" + id + " 5000000 1048576\n10110\n");
    write("fuzz_partial_state", "none_verified", "zshare-partial 1\n" + id + " 3000 1024\n000\n");
    write("fuzz_partial_state", "no_chunks", "zshare-partial 1\n" + id + " 0 1048576\n-\n");

    // Key files: certificates (public, and a pair) and a members file.
    const KeyPair pair = make_key_pair();
    const KeyPair other = make_key_pair();
    write("fuzz_key_file", "public_certificate", certificate_text(pair, false));
    write("fuzz_key_file", "secret_certificate", certificate_text(pair, true));
    write("fuzz_key_file", "members",
          "# the group\nalice " + pair.public_key + "\n  bob   " + other.public_key + "  \n\n#carol " + key +
              "\n");
    return 0;
}
