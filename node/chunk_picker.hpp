// Which chunk to ask a holder for next (libtorrent's piece picker, reduced to what a swarm of
// whole-file holders needs). Pure bookkeeping, no I/O: the swarm tells it what was asked,
// answered, verified or found bad, and asks it what to request.
//
// Order: the lowest chunk that is missing and not asked of anyone; a chunk whose copy from a
// holder failed verification goes to another holder while there is one. When every missing
// chunk is in flight (the end game), a holder with room is given one already asked of someone
// else (the one asked least, at most twice in all), so that one slow holder cannot hold up the
// last chunks.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

namespace zshare::node {

/// A holder, as the picker knows it: an id the swarm hands out.
using HolderId = std::uint32_t;

class ChunkPicker {
public:
    /// What is known of a chunk.
    enum class ChunkState : std::uint8_t {
        missing,  ///< to fetch
        checking, ///< found in a partial file, being verified again: not to fetch (yet)
        verified, ///< written and checked
    };

    /// A picker for `chunks` chunks, all missing.
    explicit ChunkPicker(std::uint64_t chunks = 0);

    /// Returns: the chunk to ask `holder` for next, given the chunks already asked of it; or
    /// nothing. `choosy`: avoid giving it a chunk whose copy from it failed (there are others).
    std::optional<std::uint64_t> pick(HolderId holder, const std::deque<std::uint64_t>& asked_of_holder,
                                      bool choosy) const;
    /// Returns: the lowest chunk missing and asked of nobody (pick() without the end game).
    std::optional<std::uint64_t> pick_fresh(HolderId holder, bool choosy) const;
    /// Returns: the end game's pick: the missing chunk asked least, not of `holder` already.
    std::optional<std::uint64_t> pick_end_game(HolderId holder, const std::deque<std::uint64_t>& asked_of_holder,
                                               bool choosy) const;

    /// Records that `index` was asked of a holder.
    void asked(std::uint64_t index);
    /// Records that a request for `index` ended (answered, or its holder dropped).
    void settled(std::uint64_t index);
    /// Records that the copy of `index` from `holder` failed verification.
    void failed(std::uint64_t index, HolderId holder);
    /// Marks `index` as being checked again (resume).
    void checking(std::uint64_t index);
    /// Marks `index` verified.
    void verified(std::uint64_t index);
    /// Marks `index` missing again (a resumed chunk that no longer checks out).
    void missing(std::uint64_t index);

    ChunkState state(std::uint64_t index) const { return m_state[index]; }
    std::uint64_t chunks() const { return m_state.size(); }
    std::uint64_t verified_count() const { return m_verified; }
    bool complete() const { return m_verified == m_state.size(); }
    /// Returns: requests in flight for `index`.
    unsigned requests(std::uint64_t index) const { return m_requests[index]; }

private:
    std::vector<ChunkState> m_state;
    std::vector<std::uint16_t> m_requests;         ///< in flight, per chunk
    std::vector<std::optional<HolderId>> m_failed; ///< the last holder whose copy was bad
    std::uint64_t m_verified = 0;
    mutable std::uint64_t m_first_missing = 0;     ///< no chunk before it is missing and unasked
};

} // namespace zshare::node
