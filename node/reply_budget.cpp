#include "reply_budget.hpp"

namespace zshare::node {

namespace {
/// What a charged message keeps until ZeroMQ frees it (on one of its I/O threads).
struct Charge {
    zmq::message_t frame;
    std::shared_ptr<std::atomic<std::uint64_t>> requester;
    std::shared_ptr<std::atomic<std::uint64_t>> total;
};

void release(void*, void* hint) {
    auto* charge = static_cast<Charge*>(hint);
    const std::uint64_t size = charge->frame.size();
    charge->requester->fetch_sub(size);
    charge->total->fetch_sub(size);
    delete charge;
}
} // namespace

ReplyBudget::ReplyBudget(std::uint64_t per_requester, std::uint64_t total)
    : m_per_requester(per_requester), m_limit(total) {}

bool ReplyBudget::open(const std::string& requester) const {
    // Always one reply at least, however large: a requester with nothing out is never stuck.
    const std::uint64_t out = in_flight(requester);
    return out == 0 || (out < m_per_requester && m_total->load() < m_limit);
}

zmq::message_t ReplyBudget::charge(const std::string& requester, zmq::message_t frame) {
    Counter& counter = m_requesters[requester];
    if (!counter)
        counter = std::make_shared<std::atomic<std::uint64_t>>(0);
    const std::uint64_t size = frame.size();
    counter->fetch_add(size);
    m_total->fetch_add(size);
    auto* charge = new Charge{std::move(frame), counter, m_total};
    return zmq::message_t(charge->frame.data(), size, &release, charge);
}

std::uint64_t ReplyBudget::in_flight(const std::string& requester) const {
    const auto it = m_requesters.find(requester);
    return it == m_requesters.end() ? 0 : it->second->load();
}

void ReplyBudget::forget_idle() {
    std::erase_if(m_requesters, [](const auto& entry) { return entry.second->load() == 0; });
}

} // namespace zshare::node
