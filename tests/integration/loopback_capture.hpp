// Every frame that crosses the loopback interface while this object lives, as a real capture
// would see it (an AF_PACKET socket, as tcpdump uses): what a stranger on the path reads.
// Needs CAP_NET_RAW (root); available() says whether it could start.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <thread>

namespace zshare::testing {

class LoopbackCapture {
public:
    /// Starts capturing, keeping at most `max_bytes` (the oldest are dropped past that).
    explicit LoopbackCapture(std::size_t max_bytes = 256u << 20);
    ~LoopbackCapture();
    LoopbackCapture(const LoopbackCapture&) = delete;
    LoopbackCapture& operator=(const LoopbackCapture&) = delete;

    /// Returns: true when the capture runs; else why not is in error().
    bool available() const { return m_fd >= 0; }
    const std::string& error() const { return m_error; }
    /// Returns: true when `needle` occurs in what was captured so far.
    bool saw(const std::string& needle) const;

private:
    int m_fd = -1;
    std::string m_error;
    std::atomic<bool> m_stop{false};
    mutable std::mutex m_mutex;
    std::string m_bytes;
    std::size_t m_max;
    std::thread m_thread;
};

} // namespace zshare::testing
