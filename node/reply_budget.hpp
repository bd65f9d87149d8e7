// How many reply bytes a file server has out, per requester and in all: a reply counts from
// the moment it is made until ZeroMQ lets go of it (written to the connection, or dropped with
// it), which the message's free callback tells. The serving loop asks open() before it makes a
// requester's next reply. The bounds hold to within one reply per requester: a requester with
// nothing out always gets one, however large, so that nobody is stuck.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <zmq.hpp>

namespace zshare::node {

class ReplyBudget {
public:
    /// At most `per_requester` bytes out to any one requester, and `total` in all.
    ReplyBudget(std::uint64_t per_requester, std::uint64_t total);

    /// Returns: true when `requester` may be sent another reply now.
    bool open(const std::string& requester) const;

    /// Returns: `frame` as a message that counts against `requester` until ZeroMQ frees it
    /// (no bytes are copied: the new message points into the old one, which it keeps).
    zmq::message_t charge(const std::string& requester, zmq::message_t frame);

    /// Returns: the bytes out to `requester`, and in all.
    std::uint64_t in_flight(const std::string& requester) const;
    std::uint64_t total() const { return m_total->load(); }

    /// Forgets requesters with nothing out (their counters cost memory).
    void forget_idle();

private:
    using Counter = std::shared_ptr<std::atomic<std::uint64_t>>;
    std::uint64_t m_per_requester;
    std::uint64_t m_limit;
    Counter m_total = std::make_shared<std::atomic<std::uint64_t>>(0);
    std::map<std::string, Counter> m_requesters;
};

} // namespace zshare::node
