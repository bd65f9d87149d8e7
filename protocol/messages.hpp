// The zshare wire messages: one struct per message, described in docs/protocol.md.
//
// Every struct lists its fields once, in `fields()`, as (wire key, member) pairs. The codec
// (codec.cpp, the only code that knows msgpack) walks that list to pack and to unpack, so a
// message is a msgpack map keyed by field name: a later version adds keys without breaking
// older readers, which ignore keys they do not know and keep defaults for keys they miss.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace zshare::protocol {

/// Version of the envelope and of the message set; a peer speaking another version is refused.
inline constexpr std::uint64_t protocol_version = 5;

/// Opaque bytes, carried as msgpack `bin` (text travels as msgpack `str`).
struct Bytes {
    std::string data; ///< the bytes themselves
    bool operator==(const Bytes&) const = default;
};

/// A content id as it travels: 32 raw bytes (msgpack `bin`), held in memory as 64 lowercase
/// hex digits. Half the bytes of the hex text on the wire and in the tracker's table.
template <class Text> struct HexAsBinary {
    Text& hex; ///< "" or 64 hex digits (the codec refuses a `bin` of another length)
};
template <class Text> HexAsBinary(Text&) -> HexAsBinary<Text>;

/// One shared file as the tracker knows it.
struct FileEntry {
    std::string path;       ///< absolute path on the sharing node, exactly as it serves it
    std::uint64_t size = 0; ///< size in bytes when it was registered
    std::string content_id; ///< BLAKE3 of the file's Manifest, 64 lowercase hex digits
                            ///< (32 bytes of `bin` on the wire)
    template <class Self, class Visit> static void fields(Self& s, Visit&& v) {
        v("path", s.path);
        v("size", s.size);
        v("content_id", HexAsBinary{s.content_id});
    }
    bool operator==(const FileEntry&) const = default;
};

/// One row of the peer table.
struct PeerInfo {
    std::string name;             ///< unique user name
    std::string endpoint;         ///< where its file server listens, "tcp://HOST:PORT"
    std::vector<FileEntry> files; ///< what it shares
    std::string key;              ///< its CURVE public key, 40 characters of Z85 ("" without
                                  ///< security): its file server's key, and the key it fetches with
    template <class Self, class Visit> static void fields(Self& s, Visit&& v) {
        v("name", s.name);
        v("endpoint", s.endpoint);
        v("files", s.files);
        v("key", s.key);
    }
    bool operator==(const PeerInfo&) const = default;
};

// ---------------------------------------------------------------- control: client -> tracker

/// Asks for the tracker's event endpoint and stream position without registering (taps).
struct Hello {
    static constexpr std::string_view type = "Hello";
    template <class Self, class Visit> static void fields(Self&, Visit&&) {}
    bool operator==(const Hello&) const = default;
};

/// Registers the sender under `name`. The name belongs to the sender's CURVE key (the first
/// key to ask for it owns it); the live registration is tied to the connection.
struct Connect {
    static constexpr std::string_view type = "Connect";
    std::string name;             ///< requested user name
    std::string endpoint;         ///< file server endpoint; a wildcard host is replaced by the
                                  ///< address the tracker sees the connection come from
    std::vector<FileEntry> files; ///< initial shares
    std::string instance;         ///< random per node process: the same process registering
                                  ///< again over a new connection, not a second node
    template <class Self, class Visit> static void fields(Self& s, Visit&& v) {
        v("name", s.name);
        v("endpoint", s.endpoint);
        v("files", s.files);
        v("instance", s.instance);
    }
    bool operator==(const Connect&) const = default;
};

/// Replaces the sender's whole file list (register and unregister both end here).
struct UpdateFiles {
    static constexpr std::string_view type = "UpdateFiles";
    std::vector<FileEntry> files; ///< the complete new list
    template <class Self, class Visit> static void fields(Self& s, Visit&& v) { v("files", s.files); }
    bool operator==(const UpdateFiles&) const = default;
};

/// Removes the sender from the table.
struct Disconnect {
    static constexpr std::string_view type = "Disconnect";
    template <class Self, class Visit> static void fields(Self&, Visit&&) {}
    bool operator==(const Disconnect&) const = default;
};

/// A node's heartbeat: keeps its registration alive (the tracker drops a peer silent for the
/// TTL). Answered by Pong.
struct Ping {
    static constexpr std::string_view type = "Ping";
    template <class Self, class Visit> static void fields(Self&, Visit&&) {}
    bool operator==(const Ping&) const = default;
};

/// Asks for the whole table; the reply is the snapshot of the Clone pattern, streamed: any
/// number of PeerList parts, then one SnapshotEnd, all with the request's id.
struct ListPeers {
    static constexpr std::string_view type = "ListPeers";
    template <class Self, class Visit> static void fields(Self&, Visit&&) {}
    bool operator==(const ListPeers&) const = default;
};

// ---------------------------------------------------------------- control: tracker -> client

/// Reply to Hello.
struct Welcome {
    static constexpr std::string_view type = "Welcome";
    std::string publish;    ///< event PUB endpoint; a wildcard host means "the tracker's host"
    std::uint64_t epoch = 0; ///< random per tracker run; events of another epoch are foreign
    std::uint64_t seq = 0;   ///< sequence number of the last event published
    std::uint64_t heartbeat_ms = 0; ///< as in Connected: how often an observer may Ping
    std::uint64_t ttl_ms = 0;       ///< as in Connected: silent this long, the tracker is gone
    template <class Self, class Visit> static void fields(Self& s, Visit&& v) {
        v("publish", s.publish);
        v("epoch", s.epoch);
        v("seq", s.seq);
        v("heartbeat_ms", s.heartbeat_ms);
        v("ttl_ms", s.ttl_ms);
    }
    bool operator==(const Welcome&) const = default;
};

/// Reply to a successful Connect.
struct Connected {
    static constexpr std::string_view type = "Connected";
    std::string name;        ///< the name now held
    std::string endpoint;    ///< the endpoint as advertised to every peer
    std::string publish;     ///< as in Welcome
    std::uint64_t epoch = 0; ///< as in Welcome
    std::uint64_t seq = 0;   ///< sequence number of the event that announced this peer
    std::uint64_t heartbeat_ms = 0; ///< send a Ping this often; Heartbeats come as often
    std::uint64_t ttl_ms = 0;       ///< silent this long, a peer is dropped (and the tracker is
                                    ///< taken for gone by its nodes)
    template <class Self, class Visit> static void fields(Self& s, Visit&& v) {
        v("name", s.name);
        v("endpoint", s.endpoint);
        v("publish", s.publish);
        v("epoch", s.epoch);
        v("seq", s.seq);
        v("heartbeat_ms", s.heartbeat_ms);
        v("ttl_ms", s.ttl_ms);
    }
    bool operator==(const Connected&) const = default;
};

/// One part of the reply to ListPeers: some rows of the table as of event `seq`. The parts
/// of one snapshot carry the same epoch and seq, and together every row once.
struct PeerList {
    static constexpr std::string_view type = "PeerList";
    std::uint64_t epoch = 0;     ///< tracker run
    std::uint64_t seq = 0;       ///< the table includes every event up to and including this one
    std::vector<PeerInfo> peers; ///< some connected peers, ordered by name across the parts
    template <class Self, class Visit> static void fields(Self& s, Visit&& v) {
        v("epoch", s.epoch);
        v("seq", s.seq);
        v("peers", s.peers);
    }
    bool operator==(const PeerList&) const = default;
};

/// The last reply to ListPeers: the snapshot is complete.
struct SnapshotEnd {
    static constexpr std::string_view type = "SnapshotEnd";
    std::uint64_t epoch = 0; ///< as in the parts
    std::uint64_t seq = 0;   ///< as in the parts
    std::uint64_t peers = 0; ///< rows in all parts together (a check that none was lost)
    template <class Self, class Visit> static void fields(Self& s, Visit&& v) {
        v("epoch", s.epoch);
        v("seq", s.seq);
        v("peers", s.peers);
    }
    bool operator==(const SnapshotEnd&) const = default;
};

/// Reply to Ping.
struct Pong {
    static constexpr std::string_view type = "Pong";
    std::uint64_t epoch = 0;  ///< tracker run: a new one means it restarted
    std::uint64_t seq = 0;    ///< last event published
    bool registered = false;  ///< false: the tracker does not know this connection (register again)
    template <class Self, class Visit> static void fields(Self& s, Visit&& v) {
        v("epoch", s.epoch);
        v("seq", s.seq);
        v("registered", s.registered);
    }
    bool operator==(const Pong&) const = default;
};

/// Reply to UpdateFiles and Disconnect.
struct Ack {
    static constexpr std::string_view type = "Ack";
    std::uint64_t seq = 0; ///< sequence number of the event the request caused (or the current one)
    template <class Self, class Visit> static void fields(Self& s, Visit&& v) { v("seq", s.seq); }
    bool operator==(const Ack&) const = default;
};

/// Error reply, from the tracker or from a file server.
struct Error {
    static constexpr std::string_view type = "Error";
    std::string code;    ///< machine-readable, one of error_code::*
    std::string message; ///< human-readable detail
    template <class Self, class Visit> static void fields(Self& s, Visit&& v) {
        v("code", s.code);
        v("message", s.message);
    }
    bool operator==(const Error&) const = default;
};

/// Values of Error::code.
namespace error_code {
inline constexpr std::string_view bad_message = "bad_message";       ///< undecodable or invalid fields
inline constexpr std::string_view unexpected = "unexpected";         ///< valid message, wrong place
inline constexpr std::string_view name_taken = "name_taken";         ///< a live peer, or another key, holds the name
inline constexpr std::string_view invalid_name = "invalid_name";     ///< name breaks the name rules
inline constexpr std::string_view already_connected = "already_connected"; ///< other name on this link
inline constexpr std::string_view not_connected = "not_connected";   ///< request needs a Connect first
inline constexpr std::string_view not_shared = "not_shared";         ///< file server: not registered
inline constexpr std::string_view bad_range = "bad_range";           ///< file server: offset/length
inline constexpr std::string_view io_error = "io_error";             ///< file server: read failed
inline constexpr std::string_view endpoint_taken = "endpoint_taken"; ///< another user advertises it
inline constexpr std::string_view not_member = "not_member";         ///< file server: the requester's key
                                                                     ///< is in nobody's row (401)
} // namespace error_code

// ---------------------------------------------------------------- events: tracker PUB

/// A peer connected.
struct RegisterPeer {
    static constexpr std::string_view type = "RegisterPeer";
    std::uint64_t epoch = 0; ///< tracker run
    std::uint64_t seq = 0;   ///< strictly increasing within an epoch, starting at 1
    PeerInfo peer;           ///< the new row
    template <class Self, class Visit> static void fields(Self& s, Visit&& v) {
        v("epoch", s.epoch);
        v("seq", s.seq);
        v("peer", s.peer);
    }
    bool operator==(const RegisterPeer&) const = default;
};

/// A peer's row changed (its file list, or its endpoint on a repeated Connect). It carries
/// the change, not the row: the files added or changed and the paths removed, or, when that
/// would be longer, the whole new list (`full`).
struct UpdatePeer {
    static constexpr std::string_view type = "UpdatePeer";
    std::uint64_t epoch = 0;           ///< tracker run
    std::uint64_t seq = 0;             ///< as in RegisterPeer
    std::string name;                  ///< the row
    std::string endpoint;              ///< its file server now
    std::string key;                   ///< its key (unchanged: a name keeps its key)
    bool full = false;                 ///< `added` is the whole new list (and `removed` empty)
    std::vector<FileEntry> added;      ///< files new or changed (a path already listed: replaced)
    std::vector<std::string> removed;  ///< paths no longer shared
    template <class Self, class Visit> static void fields(Self& s, Visit&& v) {
        v("epoch", s.epoch);
        v("seq", s.seq);
        v("name", s.name);
        v("endpoint", s.endpoint);
        v("key", s.key);
        v("full", s.full);
        v("added", s.added);
        v("removed", s.removed);
    }
    bool operator==(const UpdatePeer&) const = default;
};

/// A peer left.
struct UnregisterPeer {
    static constexpr std::string_view type = "UnregisterPeer";
    std::uint64_t epoch = 0; ///< tracker run
    std::uint64_t seq = 0;   ///< as in RegisterPeer
    std::string name;        ///< the row removed
    template <class Self, class Visit> static void fields(Self& s, Visit&& v) {
        v("epoch", s.epoch);
        v("seq", s.seq);
        v("name", s.name);
    }
    bool operator==(const UnregisterPeer&) const = default;
};

/// Published every heartbeat interval and whenever a subscriber joins: tells subscribers the
/// stream's position, so that one which missed the last events (or joined late) notices.
struct Heartbeat {
    static constexpr std::string_view type = "Heartbeat";
    std::uint64_t epoch = 0; ///< tracker run
    std::uint64_t seq = 0;   ///< sequence number of the last event published (not a new one)
    template <class Self, class Visit> static void fields(Self& s, Visit&& v) {
        v("epoch", s.epoch);
        v("seq", s.seq);
    }
    bool operator==(const Heartbeat&) const = default;
};

// ---------------------------------------------------------------- transfer: node -> node

/// Asks a file server for the size of a shared file before fetching it.
struct StatFile {
    static constexpr std::string_view type = "StatFile";
    std::string path; ///< absolute path exactly as registered
    template <class Self, class Visit> static void fields(Self& s, Visit&& v) { v("path", s.path); }
    bool operator==(const StatFile&) const = default;
};

/// Reply to StatFile.
struct FileStat {
    static constexpr std::string_view type = "FileStat";
    std::string path;       ///< as asked
    std::uint64_t size = 0; ///< current size in bytes
    template <class Self, class Visit> static void fields(Self& s, Visit&& v) {
        v("path", s.path);
        v("size", s.size);
    }
    bool operator==(const FileStat&) const = default;
};

/// Asks for `length` bytes at `offset`; several may be in flight (credit-based flow control).
struct FetchChunk {
    static constexpr std::string_view type = "FetchChunk";
    std::string path;         ///< absolute path exactly as registered
    std::uint64_t offset = 0; ///< first byte wanted
    std::uint64_t length = 0; ///< bytes wanted, at most max_chunk_length
    template <class Self, class Visit> static void fields(Self& s, Visit&& v) {
        v("path", s.path);
        v("offset", s.offset);
        v("length", s.length);
    }
    bool operator==(const FetchChunk&) const = default;
};

/// Reply to FetchChunk: fewer bytes than asked only at the end of the file.
struct ChunkData {
    static constexpr std::string_view type = "ChunkData";
    std::string path;         ///< as asked
    std::uint64_t offset = 0; ///< as asked
    Bytes data;               ///< the bytes
    template <class Self, class Visit> static void fields(Self& s, Visit&& v) {
        v("path", s.path);
        v("offset", s.offset);
        v("data", s.data);
    }
    bool operator==(const ChunkData&) const = default;
};

/// Asks a file server for the manifest of a shared file (what its content id names).
struct GetManifest {
    static constexpr std::string_view type = "GetManifest";
    std::string path; ///< absolute path exactly as registered
    template <class Self, class Visit> static void fields(Self& s, Visit&& v) { v("path", s.path); }
    bool operator==(const GetManifest&) const = default;
};

/// Reply to GetManifest. The receiver checks BLAKE3(manifest) == content_id before use.
struct ManifestData {
    static constexpr std::string_view type = "ManifestData";
    std::string path;       ///< as asked
    std::string content_id; ///< as registered
    Bytes manifest;         ///< the encoded Manifest frame, exactly the bytes that were hashed
    template <class Self, class Visit> static void fields(Self& s, Visit&& v) {
        v("path", s.path);
        v("content_id", s.content_id);
        v("manifest", s.manifest);
    }
    bool operator==(const ManifestData&) const = default;
};

// ---------------------------------------------------------------- content

/// What a content id names: a file's size, its chunking and each chunk's BLAKE3. Travels
/// encoded like any message (inside ManifestData); the content id is the BLAKE3 of that frame.
struct Manifest {
    static constexpr std::string_view type = "Manifest";
    std::uint64_t size = 0;       ///< file size in bytes
    std::uint64_t chunk_size = 0; ///< bytes per chunk (the last one may be shorter)
    Bytes chunk_hashes;           ///< BLAKE3 of each chunk, 32 bytes each, in order
    template <class Self, class Visit> static void fields(Self& s, Visit&& v) {
        v("size", s.size);
        v("chunk_size", s.chunk_size);
        v("chunk_hashes", s.chunk_hashes);
    }
    bool operator==(const Manifest&) const = default;
};

/// The largest FetchChunk::length a file server honours.
inline constexpr std::uint64_t max_chunk_length = 4u << 20;

/// Every message that can travel. The order is irrelevant on the wire (types travel by name).
using Message = std::variant<Hello, Connect, UpdateFiles, Disconnect, ListPeers, Ping, Welcome, Connected,
                             PeerList, SnapshotEnd, Pong, Ack, Error, RegisterPeer, UpdatePeer, UnregisterPeer, Heartbeat,
                             StatFile, FileStat, FetchChunk, ChunkData, GetManifest, ManifestData,
                             Manifest>;

/// The wire name of a message's type.
std::string_view type_name(const Message& message);

} // namespace zshare::protocol
