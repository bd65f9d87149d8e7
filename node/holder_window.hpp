// How many chunk requests to keep in flight to one holder: enough bytes for the path's
// bandwidth-delay product, found the way TCP's slow start finds it. The window grows while the
// holder's delivery rate grows with it, and never shrinks with the rate: a slow or lossy
// moment must not starve the connection of the requests that keep TCP's own window open (a
// window that followed the last rate shrank itself on a lossy link, and moved half what one
// TCP stream moves). Pure: the swarm reports replies, the window answers.
#pragma once

#include <chrono>
#include <cstdint>

namespace zshare::node {

class HolderWindow {
public:
    using Clock = std::chrono::steady_clock;

    /// A window of `initial` requests that may grow to `most`, for chunks of `chunk_size` bytes.
    HolderWindow(unsigned initial, unsigned most, std::uint64_t chunk_size);

    /// Records a reply of `bytes` that took `latency` from its request, arriving at `now`.
    void on_reply(std::uint64_t bytes, Clock::duration latency, Clock::time_point now);

    /// Returns: the requests to keep in flight.
    unsigned size() const { return m_size; }
    /// Returns: bytes per second, smoothed (0 before the first measurement).
    double rate() const { return m_rate; }
    /// Returns: the best rate seen in one measurement interval.
    double best_rate() const { return m_best_rate; }
    /// Returns: the shortest request-to-reply time seen (the round trip and one chunk's transfer).
    Clock::duration min_latency() const { return m_min_latency; }

    /// How long one rate measurement lasts.
    static constexpr auto interval = std::chrono::milliseconds(100);

private:
    unsigned m_size;
    unsigned m_most;
    std::uint64_t m_chunk_size;
    Clock::time_point m_mark{};          ///< start of the current measurement
    std::uint64_t m_bytes = 0;           ///< bytes in it so far
    double m_rate = 0;
    double m_best_rate = 0;
    Clock::duration m_min_latency = Clock::duration::max();
};

} // namespace zshare::node
