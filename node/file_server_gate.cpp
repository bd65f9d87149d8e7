#include "file_server_gate.hpp"

namespace zshare::node {

namespace {
/// Handshakes waiting at most at once: past that, unknown keys are refused at once (a flood
/// of strangers must not grow without bound).
constexpr std::size_t max_held = 256;
} // namespace

FileServerGate::FileServerGate(zmq::context_t& context, Reactor& reactor, const MemberKeys& keys,
                               std::chrono::milliseconds patience)
    : m_keys(keys), m_patience(patience) {
    m_timer = Reactor::Timer(reactor, [this] { on_deadline(); });
    m_handler = std::make_unique<protocol::ZapHandler>(
        context, reactor, [this](const auto& request, auto answer) { decide(request, std::move(answer)); });
}

MemberKeys::Map FileServerGate::keys_of(const Mirror& mirror) {
    MemberKeys::Map keys;
    for (const auto& [name, peer] : mirror.peers())
        if (!peer.key.empty())
            keys.emplace(peer.key, name);
    return keys;
}

void FileServerGate::decide(const protocol::ZapHandler::Request& request, protocol::ZapHandler::Answer answer) {
    if (m_keys.name_of(request.key))
        return answer(true, request.key);
    if (m_held.size() >= max_held)
        return answer(false, {});
    m_held.push_back({request.key, std::move(answer), Clock::now() + m_patience});
    m_timer.arm_no_later_than(m_held.back().until);
}

void FileServerGate::on_table_changed() {
    std::erase_if(m_held, [&](Held& held) {
        if (!m_keys.name_of(held.key))
            return false;
        held.answer(true, held.key);
        return true;
    });
}

void FileServerGate::on_deadline() {
    const auto now = Clock::now();
    std::erase_if(m_held, [&](Held& held) {
        if (held.until > now)
            return false;
        held.answer(false, {}); // the table had its time: a stranger
        return true;
    });
    for (const auto& held : m_held)
        m_timer.arm_no_later_than(held.until);
}

} // namespace zshare::node
