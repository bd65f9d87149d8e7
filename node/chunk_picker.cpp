#include "chunk_picker.hpp"

#include <algorithm>

namespace zshare::node {

ChunkPicker::ChunkPicker(std::uint64_t chunks)
    : m_state(chunks, ChunkState::missing), m_requests(chunks, 0), m_failed(chunks) {}

std::optional<std::uint64_t> ChunkPicker::pick(HolderId holder, const std::deque<std::uint64_t>& asked_of_holder,
                                               bool choosy) const {
    if (auto fresh = pick_fresh(holder, choosy))
        return fresh;
    return pick_end_game(holder, asked_of_holder, choosy);
}

std::optional<std::uint64_t> ChunkPicker::pick_fresh(HolderId holder, bool choosy) const {
    const std::uint64_t chunks = m_state.size();
    while (m_first_missing < chunks &&
           (m_state[m_first_missing] != ChunkState::missing || m_requests[m_first_missing] > 0))
        ++m_first_missing;
    for (std::uint64_t index = m_first_missing; index < chunks; ++index)
        if (m_state[index] == ChunkState::missing && m_requests[index] == 0 &&
            !(choosy && m_failed[index] == holder))
            return index;
    return std::nullopt;
}

std::optional<std::uint64_t> ChunkPicker::pick_end_game(HolderId holder,
                                                        const std::deque<std::uint64_t>& asked_of_holder,
                                                        bool choosy) const {
    // The missing chunk asked least, if not of this holder already.
    std::optional<std::uint64_t> best;
    for (std::uint64_t index = 0; index < m_state.size(); ++index) {
        if (m_state[index] != ChunkState::missing || m_requests[index] >= 2 || (choosy && m_failed[index] == holder) ||
            std::find(asked_of_holder.begin(), asked_of_holder.end(), index) != asked_of_holder.end())
            continue;
        if (!best || m_requests[index] < m_requests[*best])
            best = index;
    }
    return best;
}

void ChunkPicker::asked(std::uint64_t index) { ++m_requests[index]; }

void ChunkPicker::settled(std::uint64_t index) {
    if (m_requests[index] > 0)
        --m_requests[index];
    m_first_missing = std::min(m_first_missing, index);
}

void ChunkPicker::failed(std::uint64_t index, HolderId holder) {
    m_failed[index] = holder;
    m_first_missing = std::min(m_first_missing, index);
}

void ChunkPicker::checking(std::uint64_t index) {
    if (m_state[index] == ChunkState::missing)
        m_state[index] = ChunkState::checking;
}

void ChunkPicker::verified(std::uint64_t index) {
    if (m_state[index] != ChunkState::verified)
        ++m_verified;
    m_state[index] = ChunkState::verified;
}

void ChunkPicker::missing(std::uint64_t index) {
    if (m_state[index] == ChunkState::verified)
        --m_verified;
    m_state[index] = ChunkState::missing;
    m_first_missing = std::min(m_first_missing, index);
}

} // namespace zshare::node
