#include "codec.hpp"

#include <concepts>
#include <cstdlib>
#include <cstring>
#include <msgpack.hpp>

namespace zshare::protocol {
namespace {

/// True for the structs that list their fields (messages and the records inside them).
template <class T>
concept has_fields = requires(T& t) { T::fields(t, [](const char*, auto&) {}); };

// ------------------------------------------------------------------------------- packing

class Packer {
public:
    explicit Packer(msgpack::sbuffer& buffer) : m_pk(buffer) {}

    void value(const std::string& s) {
        m_pk.pack_str(static_cast<std::uint32_t>(s.size()));
        m_pk.pack_str_body(s.data(), static_cast<std::uint32_t>(s.size()));
    }
    void value(std::string_view s) {
        m_pk.pack_str(static_cast<std::uint32_t>(s.size()));
        m_pk.pack_str_body(s.data(), static_cast<std::uint32_t>(s.size()));
    }
    void value(std::uint64_t v) { m_pk.pack_uint64(v); }
    void value(const Bytes& b) {
        m_pk.pack_bin(static_cast<std::uint32_t>(b.data.size()));
        m_pk.pack_bin_body(b.data.data(), static_cast<std::uint32_t>(b.data.size()));
    }
    template <class T> void value(const std::vector<T>& items) {
        m_pk.pack_array(static_cast<std::uint32_t>(items.size()));
        for (const auto& item : items)
            value(item);
    }
    template <has_fields T> void value(const T& record) {
        std::uint32_t count = 0;
        T::fields(record, [&](const char*, const auto&) { ++count; });
        m_pk.pack_map(count);
        T::fields(record, [&](const char* key, const auto& field) {
            value(std::string_view(key));
            value(field);
        });
    }
    void envelope(const Message& message) {
        m_pk.pack_array(3);
        m_pk.pack_uint64(protocol_version);
        std::visit(
            [&](const auto& m) {
                value(m.type);
                value(m);
            },
            message);
    }

private:
    msgpack::packer<msgpack::sbuffer> m_pk;
};

msgpack::sbuffer pack(const Message& message) {
    // Room for the largest field up front: growing the buffer copies it each time.
    std::size_t room = 256;
    if (const auto* chunk = std::get_if<ChunkData>(&message))
        room += chunk->data.data.size() + chunk->path.size();
    msgpack::sbuffer buffer(room);
    Packer(buffer).envelope(message);
    return buffer;
}

// ----------------------------------------------------------------------------- unpacking

/// Thrown inside the reader only; decode() turns it into an error value.
struct FieldError {
    std::string reason;
};

class Reader {
public:
    void value(const msgpack::object& o, std::string& out, const char* key) {
        expect(o.type == msgpack::type::STR, key, "a string");
        out.assign(o.via.str.ptr, o.via.str.size);
    }
    void value(const msgpack::object& o, std::uint64_t& out, const char* key) {
        expect(o.type == msgpack::type::POSITIVE_INTEGER, key, "an unsigned integer");
        out = o.via.u64;
    }
    void value(const msgpack::object& o, Bytes& out, const char* key) {
        expect(o.type == msgpack::type::BIN, key, "binary data");
        out.data.assign(o.via.bin.ptr, o.via.bin.size);
    }
    template <class T> void value(const msgpack::object& o, std::vector<T>& out, const char* key) {
        expect(o.type == msgpack::type::ARRAY, key, "an array");
        out.clear();
        out.resize(o.via.array.size);
        for (std::uint32_t i = 0; i < o.via.array.size; ++i)
            value(o.via.array.ptr[i], out[i], key);
    }
    template <has_fields T> void value(const msgpack::object& o, T& out, const char* key) {
        expect(o.type == msgpack::type::MAP, key, "a map");
        const auto& map = o.via.map;
        T::fields(out, [&](const char* name, auto& field) {
            const std::size_t name_length = std::strlen(name);
            for (std::uint32_t i = 0; i < map.size; ++i) {
                const auto& k = map.ptr[i].key;
                if (k.type == msgpack::type::STR && k.via.str.size == name_length &&
                    std::memcmp(k.via.str.ptr, name, name_length) == 0) {
                    value(map.ptr[i].val, field, name);
                    return; // the first occurrence of a key wins
                }
            }
            // A missing key keeps its default: later versions may drop optional fields.
        });
    }

private:
    static void expect(bool ok, const char* key, const char* what) {
        if (!ok)
            throw FieldError{std::string("field '") + key + "' must be " + what};
    }
};

/// Returns: the body decoded as the alternative of Message named `type`, if there is one.
template <std::size_t I = 0>
std::optional<Message> body_of(std::string_view type, const msgpack::object& body) {
    if constexpr (I == std::variant_size_v<Message>) {
        return std::nullopt;
    } else {
        using T = std::variant_alternative_t<I, Message>;
        if (type != T::type)
            return body_of<I + 1>(type, body);
        T message;
        Reader().value(body, message, "body");
        return Message(std::move(message));
    }
}

} // namespace

std::string_view type_name(const Message& message) {
    return std::visit([](const auto& m) { return m.type; }, message);
}

std::string encode(const Message& message) {
    const auto buffer = pack(message);
    return std::string(buffer.data(), buffer.size());
}

zmq::message_t encode_zmq(const Message& message) {
    auto buffer = pack(message);
    const std::size_t size = buffer.size();
    // sbuffer allocates with malloc: hand its block to ZeroMQ, which frees it when sent.
    char* block = buffer.release();
    return zmq::message_t(block, size, [](void* data, void*) { std::free(data); }, nullptr);
}

std::optional<zmq::message_t> encode_chunk_data(const std::string& path, std::uint64_t offset,
                                                std::size_t length,
                                                const std::function<std::ptrdiff_t(char*, std::size_t)>& fill) {
    // Pack everything but the bin body, then let `fill` write the body in place.
    const auto header = [&](std::size_t body) {
        msgpack::sbuffer buffer(256 + path.size());
        msgpack::packer<msgpack::sbuffer> pk(buffer);
        Packer fields(buffer);
        pk.pack_array(3);
        pk.pack_uint64(protocol_version);
        fields.value(ChunkData::type);
        pk.pack_map(3);
        fields.value(std::string_view("path"));
        fields.value(path);
        fields.value(std::string_view("offset"));
        fields.value(offset);
        fields.value(std::string_view("data"));
        pk.pack_bin(static_cast<std::uint32_t>(body));
        return std::string(buffer.data(), buffer.size());
    };
    std::string head = header(length);
    zmq::message_t frame(head.size() + length);
    char* bytes = static_cast<char*>(frame.data());
    std::memcpy(bytes, head.data(), head.size());
    const std::ptrdiff_t written = fill(bytes + head.size(), length);
    if (written < 0)
        return std::nullopt;
    if (static_cast<std::size_t>(written) == length)
        return frame;
    // Short: the bin header changes, so the frame is built again (rare: the file shrank).
    const std::string short_head = header(static_cast<std::size_t>(written));
    zmq::message_t shorter(short_head.size() + static_cast<std::size_t>(written));
    std::memcpy(shorter.data(), short_head.data(), short_head.size());
    std::memcpy(static_cast<char*>(shorter.data()) + short_head.size(), bytes + head.size(),
                static_cast<std::size_t>(written));
    return shorter;
}

Decoded decode(const void* data, std::size_t size, const DecodeLimits& limits) {
    Decoded result;
    if (size > limits.max_frame) {
        result.error = "message of " + std::to_string(size) + " bytes exceeds the limit of " +
                       std::to_string(limits.max_frame);
        return result;
    }
    try {
        std::size_t offset = 0;
        const msgpack::unpack_limit bounds(limits.max_array, limits.max_map, limits.max_string,
                                           limits.max_bytes, 0, limits.max_depth);
        // Strings and binary data are referenced in `data`, not copied: the reader below copies
        // each once into the message, before `data` can go away.
        const auto reference = [](msgpack::type::object_type, std::size_t, void*) { return true; };
        msgpack::object_handle handle = msgpack::unpack(static_cast<const char*>(data), size,
                                                        offset, reference, nullptr, bounds);
        if (offset != size) {
            result.error = "trailing bytes after the message";
            return result;
        }
        const msgpack::object& root = handle.get();
        if (root.type != msgpack::type::ARRAY || root.via.array.size != 3) {
            result.error = "not a zshare frame: expected [version, type, body]";
            return result;
        }
        const msgpack::object& version = root.via.array.ptr[0];
        const msgpack::object& type = root.via.array.ptr[1];
        const msgpack::object& body = root.via.array.ptr[2];
        if (version.type != msgpack::type::POSITIVE_INTEGER) {
            result.error = "protocol version must be an unsigned integer";
            return result;
        }
        if (version.via.u64 != protocol_version) {
            result.error = "unsupported protocol version " + std::to_string(version.via.u64) +
                           " (this side speaks " + std::to_string(protocol_version) + ")";
            return result;
        }
        if (type.type != msgpack::type::STR) {
            result.error = "message type must be a string";
            return result;
        }
        const std::string_view type_text(type.via.str.ptr, type.via.str.size);
        result.message = body_of(type_text, body);
        if (!result.message)
            result.error = "unknown message type '" + std::string(type_text) + "'";
    } catch (const FieldError& e) {
        result.error = e.reason;
    } catch (const msgpack::insufficient_bytes&) {
        result.error = "truncated message";
    } catch (const msgpack::depth_size_overflow&) {
        result.error = "message nested too deeply";
    } catch (const msgpack::size_overflow&) {
        result.error = "a size in the message exceeds the limits";
    } catch (const std::exception& e) {
        result.error = std::string("malformed message: ") + e.what();
    }
    if (!result.error.empty())
        result.message.reset();
    return result;
}

} // namespace zshare::protocol
