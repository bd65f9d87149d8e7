// What a node's or a tap's mirror gets: frames from the tracker's PUB socket (events) and its
// replies (the PeerList snapshot), decoded with the limits of node/mirror_feed.cpp and
// node/tracker_requests.cpp. An input is several frames, split at fuzz::frame_separator, each
// applied in turn to one Mirror (a PeerList resets it), so that sequences of events are
// explored; the mirror must keep the Clone pattern's promises.
#include "fuzz_support.hpp"

#include "codec.hpp"
#include "file_list_change.hpp"
#include "mirror.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

using namespace zshare;
using namespace zshare::protocol;
using zshare::fuzz::check;

namespace {


void feed(node::Mirror& mirror, const Message& message) {
    if (const auto* snapshot = std::get_if<PeerList>(&message)) {
        mirror.reset(*snapshot);
        check(mirror.synced() && mirror.epoch() == snapshot->epoch && mirror.seq() == snapshot->seq,
              "a snapshot sets the stream position");
        check(mirror.peers().size() <= snapshot->peers.size(), "a snapshot holds its peers, no more");
        for (const auto& peer : snapshot->peers)
            check(mirror.find(peer.name) != nullptr, "every peer of a snapshot is found");
        return;
    }
    const bool synced = mirror.synced();
    const std::uint64_t epoch = mirror.epoch(), seq = mirror.seq();
    const auto outcome = mirror.apply(message);
    check(mirror.synced() == synced && mirror.epoch() == epoch, "an event never resets the mirror");
    if (outcome == node::Mirror::Outcome::applied) {
        check(synced && mirror.seq() == seq + 1, "an applied event is the next in order");
        if (const auto* e = std::get_if<RegisterPeer>(&message))
            check(mirror.find(e->peer.name) && *mirror.find(e->peer.name) == e->peer,
                  "a registered peer is found");
        else if (const auto* u = std::get_if<UpdatePeer>(&message))
            check(mirror.find(u->name) && mirror.find(u->name)->endpoint == u->endpoint &&
                      mirror.find(u->name)->key == u->key && ordered_by_path(mirror.find(u->name)->files),
                  "an updated peer is found, with its new endpoint and an ordered list");
        else if (const auto* gone = std::get_if<UnregisterPeer>(&message))
            check(mirror.find(gone->name) == nullptr, "an unregistered peer is gone");
        else
            check(false, "only RegisterPeer, UpdatePeer and UnregisterPeer apply");
    } else {
        check(mirror.seq() == seq, "an event that does not apply leaves the position");
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const DecodeLimits limits = table_limits(); // what the mirror decodes with
    node::Mirror mirror;
    for (const std::string_view frame : fuzz::split_frames({reinterpret_cast<const char*>(data), size})) {
        const Decoded decoded = decode(frame.data(), frame.size(), limits);
        if (decoded)
            feed(mirror, *decoded.message);
    }
    return 0;
}
