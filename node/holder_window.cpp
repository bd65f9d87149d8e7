#include "holder_window.hpp"

#include <algorithm>
#include <cmath>

namespace zshare::node {

HolderWindow::HolderWindow(unsigned initial, unsigned most, std::uint64_t chunk_size)
    : m_size(std::min(initial, most)), m_most(most), m_chunk_size(std::max<std::uint64_t>(chunk_size, 1)) {}

void HolderWindow::on_reply(std::uint64_t bytes, Clock::duration latency, Clock::time_point now) {
    m_min_latency = std::min(m_min_latency, latency);
    if (m_mark == Clock::time_point{})
        m_mark = now - latency; // the first measurement starts when the first request left
    m_bytes += bytes;
    const double elapsed = std::chrono::duration<double>(now - m_mark).count();
    if (elapsed < std::chrono::duration<double>(interval).count())
        return;
    const double sample = double(m_bytes) / elapsed;
    m_rate = m_rate == 0 ? sample : 0.7 * m_rate + 0.3 * sample;
    m_bytes = 0;
    m_mark = now;
    // Slow start: while a larger window brings a higher rate, grow by half again.
    if (sample > m_best_rate * 1.05) {
        m_best_rate = std::max(m_best_rate, sample);
        m_size = std::min(m_most, m_size + std::max(1u, m_size / 2));
    }
    // And never below what the path holds: the best rate over the shortest round trip, twice
    // (the chunks in flight arrive one after another), plus two.
    const double path = m_best_rate * std::chrono::duration<double>(m_min_latency).count() / double(m_chunk_size);
    const double wanted = std::ceil(2 * path) + 2;
    if (wanted > m_size)
        m_size = static_cast<unsigned>(std::min(wanted, double(m_most)));
}

} // namespace zshare::node
