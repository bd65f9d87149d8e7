// A holder's window: it grows while the rate grows, covers the path's bandwidth-delay product,
// and never shrinks with a falling rate.
#include <catch2/catch.hpp>

#include "holder_window.hpp"

using namespace zshare::node;
using namespace std::chrono_literals;
using Clock = HolderWindow::Clock;

namespace {
constexpr std::uint64_t chunk = 1u << 20;

/// Feeds `window` replies at `rate` bytes per second for `duration`, each `latency` after its request.
Clock::time_point feed(HolderWindow& window, Clock::time_point at, double rate, Clock::duration latency,
                       Clock::duration duration) {
    const auto step = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(double(chunk) / rate));
    for (const auto end = at + duration; at < end; at += step)
        window.on_reply(chunk, latency, at);
    return at;
}
} // namespace

TEST_CASE("the window starts small and grows while the rate grows", "[holder_window]") {
    HolderWindow window(4, 16, chunk);
    CHECK(window.size() == 4);
    auto at = Clock::now();
    double rate = 20e6;
    unsigned last = window.size();
    for (int step = 0; step < 6; ++step) {
        at = feed(window, at, rate, 5ms, 300ms);
        CHECK(window.size() >= last);
        last = window.size();
        rate *= 1.5;
    }
    CHECK(window.size() == 16); // capped at the most
}

TEST_CASE("the window holds the bandwidth-delay product", "[holder_window]") {
    // 110 MB/s (a gigabit link) over a 40 ms round trip: 4.4 MB in flight at least.
    HolderWindow window(2, 64, chunk);
    auto at = feed(window, Clock::now(), 110e6, 40ms, 1s);
    const double path_chunks = 110e6 * 0.040 / double(chunk);
    CHECK(window.size() >= unsigned(2 * path_chunks));
    CHECK(window.min_latency() == 40ms);
    (void)at;
}

TEST_CASE("a falling rate does not shrink the window", "[holder_window]") {
    HolderWindow window(4, 32, chunk);
    auto at = feed(window, Clock::now(), 100e6, 20ms, 1s);
    const unsigned grown = window.size();
    // Losses: the rate falls to a tenth.
    at = feed(window, at, 10e6, 20ms, 2s);
    CHECK(window.size() == grown);
    CHECK(window.rate() < 50e6);
}

TEST_CASE("the window never exceeds its most", "[holder_window]") {
    HolderWindow window(40, 8, chunk);
    CHECK(window.size() == 8);
    feed(window, Clock::now(), 1e9, 100ms, 1s);
    CHECK(window.size() == 8);
}
