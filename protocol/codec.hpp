// The one codec: Message <-> msgpack bytes. Nothing else in zshare includes msgpack.
//
// A frame is the msgpack array [version, type, body] or [version, type, body, request_id]:
// `version` is protocol_version, `type` the message's wire name, `body` a map of its fields,
// and `request_id` (a positive integer, absent when 0) ties a reply to its request. Decoding never throws: it bounds every
// size msgpack would otherwise trust (4 GiB by default), requires the whole frame to be one
// object, checks every field's type, and returns the reason when anything is off.
#pragma once

#include "messages.hpp"

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>
#include <zmq.hpp>

namespace zshare::protocol {

/// Bounds applied while decoding; the defaults fit every control message.
struct DecodeLimits {
    std::size_t max_frame = 64u << 20;  ///< bytes in the whole frame
    std::size_t max_array = 1u << 20;   ///< elements in one array (peers, files)
    std::size_t max_map = 64;           ///< keys in one map (a message's fields)
    std::size_t max_string = 64u << 10; ///< bytes in one string (paths, names)
    std::size_t max_bytes = 8u << 20;   ///< bytes in one bin (chunk data)
    std::size_t max_depth = 12;         ///< nesting of arrays and maps
};

/// The largest message that carries a whole table (a PeerList, an event with a long file
/// list): what clients of the tracker accept.
inline constexpr std::int64_t max_table_message = 256 << 20;

/// Returns: the limits for messages that carry a table (PeerList replies, events).
inline DecodeLimits table_limits() {
    DecodeLimits limits;
    limits.max_frame = max_table_message;
    limits.max_array = 16u << 20;
    return limits;
}

/// The outcome of decode(): a message, or why there is none.
struct Decoded {
    std::optional<Message> message; ///< set on success
    std::string error;              ///< set on failure: a one-line reason
    std::uint64_t request_id = 0;   ///< the envelope's request id (0: none), read even when
                                    ///< the body is malformed, so that the Error reply carries it
    explicit operator bool() const { return message.has_value(); }
};

/// Returns: the frame for `message`, with `request_id` in the envelope unless it is 0.
/// Throws: std::bad_alloc only.
std::string encode(const Message& message, std::uint64_t request_id = 0);

/// Returns: `message` as a ZeroMQ message, built without copying the packed bytes again.
zmq::message_t encode_zmq(const Message& message, std::uint64_t request_id = 0);

/// Builds the frame of ChunkData{path, offset, <length bytes>} with the bytes written straight
/// into it by `fill(into, length)`, which returns how many it wrote (fewer when the file
/// shrank) or a negative number on failure. This spares the file server a copy of every chunk.
/// Returns: the frame, or nothing when `fill` failed.
std::optional<zmq::message_t> encode_chunk_data(const std::string& path, std::uint64_t offset,
                                                std::size_t length,
                                                const std::function<std::ptrdiff_t(char*, std::size_t)>& fill,
                                                std::uint64_t request_id = 0);

/// Returns: the decoded message, or an error naming the first problem found. Never throws.
Decoded decode(const void* data, std::size_t size, const DecodeLimits& limits = {});

/// A ChunkData whose bytes stay in the frame they arrived in: the data is not copied.
struct ChunkDataView {
    std::string path;         ///< as in ChunkData
    std::uint64_t offset = 0; ///< as in ChunkData
    const char* data = nullptr; ///< the chunk's bytes, inside the frame
    std::size_t size = 0;     ///< their number
    std::uint64_t request_id = 0; ///< as in Decoded
};

/// Returns: a view of `frame` when it is a valid ChunkData (the view lives as long as the
/// frame); nothing otherwise: decode() the frame then, for the message or the reason.
std::optional<ChunkDataView> view_chunk_data(const zmq::message_t& frame, const DecodeLimits& limits = {});

/// Returns: one PeerInfo packed as PeerList and RegisterPeer carry it, for a table that keeps
/// its rows the way they travel (the tracker's). Throws: std::bad_alloc only.
std::string encode_peer(const PeerInfo& peer);

/// Returns: `encoded` (from encode_peer) as a PeerInfo, or nothing when it is not one.
std::optional<PeerInfo> decode_peer(std::string_view encoded, const DecodeLimits& limits = table_limits());

/// Returns: the frame of PeerList{epoch, seq, peers} from rows packed by encode_peer, built in
/// one allocation without unpacking them.
zmq::message_t encode_peer_list(std::uint64_t epoch, std::uint64_t seq, const std::vector<std::string_view>& peers,
                                std::uint64_t request_id = 0);

/// Returns: the frame of RegisterPeer{epoch, seq, peer} from a row packed by encode_peer.
zmq::message_t encode_register_peer(std::uint64_t epoch, std::uint64_t seq, std::string_view peer);

/// Returns: decode() of a ZeroMQ message's bytes.
inline Decoded decode(const zmq::message_t& frame, const DecodeLimits& limits = {}) {
    return decode(frame.data(), frame.size(), limits);
}

/// Returns: decode() of a byte string.
inline Decoded decode(const std::string& frame, const DecodeLimits& limits = {}) {
    return decode(frame.data(), frame.size(), limits);
}

} // namespace zshare::protocol
