// A TCP relay on loopback for tests: it forwards every connection made to it to a target and
// keeps a copy of what each client sent, so that a test can look at what travels on the wire
// (what a stranger on the path would see).
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace zshare::testing {

class TcpRelay {
public:
    /// Listens on an ephemeral loopback port and forwards to 127.0.0.1:`target_port`.
    explicit TcpRelay(std::uint16_t target_port);
    /// Closes every connection and stops.
    ~TcpRelay();
    TcpRelay(const TcpRelay&) = delete;
    TcpRelay& operator=(const TcpRelay&) = delete;

    /// Returns: "tcp://127.0.0.1:PORT", where clients connect.
    std::string endpoint() const { return "tcp://127.0.0.1:" + std::to_string(m_port); }
    /// Returns: what clients sent so far, one string per connection, oldest first.
    std::vector<std::string> client_bytes() const;
    /// From now on, the connections already made carry nothing either way, but stay open (a
    /// path that went dead without a word); new connections are relayed as before.
    void silence_current();

private:
    void run();

    std::uint16_t m_target;
    std::uint16_t m_port = 0;
    int m_listener = -1;
    int m_stop[2] = {-1, -1};
    mutable std::mutex m_mutex;
    std::vector<std::string> m_sent; ///< per connection
    std::size_t m_silenced = 0;      ///< connections below this index carry nothing
    std::thread m_thread;
};

/// Returns: the routing id a ZMTP 3 client announced in its READY command (the "Identity"
/// property, sent in clear by a NULL-security socket), or "" when none is found in `bytes`.
std::string zmtp_identity(const std::string& bytes);

/// Returns: the port of a "tcp://HOST:PORT" endpoint.
std::uint16_t port_of(const std::string& endpoint);

} // namespace zshare::testing
