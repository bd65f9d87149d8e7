#include "reactor.hpp"

#include <algorithm>
#include <cerrno>

namespace zshare {

/// One watch or timer. Shared by its handle and, during a turn, by the loop, so that a handle
/// destroyed by a handler leaves the entry (and the running handler) intact until the turn ends.
struct Reactor::Entry {
    Reactor* reactor = nullptr;
    zmq::pollitem_t item{};      ///< for a watch
    bool is_timer = false;
    bool armed = false;          ///< for a timer: due at `when`
    Clock::time_point when;      ///< for a timer
    bool live = true;            ///< false once its handle let go
    Handler handler;
};

Reactor::Watch& Reactor::Watch::operator=(Watch&& other) noexcept {
    if (this != &other) {
        reset();
        m_entry = std::move(other.m_entry);
    }
    return *this;
}

void Reactor::Watch::reset() {
    if (m_entry)
        m_entry->live = false;
    m_entry.reset();
}

Reactor::Timer::Timer(Reactor& reactor, Handler handler) {
    Entry entry;
    entry.is_timer = true;
    entry.handler = std::move(handler);
    m_entry = reactor.add(std::move(entry));
}

Reactor::Timer& Reactor::Timer::operator=(Timer&& other) noexcept {
    if (this != &other) {
        reset();
        m_entry = std::move(other.m_entry);
    }
    return *this;
}

void Reactor::Timer::arm_at(Clock::time_point when) {
    if (!m_entry)
        return;
    m_entry->armed = true;
    m_entry->when = when;
}

void Reactor::Timer::arm_no_later_than(Clock::time_point when) {
    if (m_entry && (!m_entry->armed || when < m_entry->when))
        arm_at(when);
}

void Reactor::Timer::disarm() {
    if (m_entry)
        m_entry->armed = false;
}

bool Reactor::Timer::armed() const { return m_entry && m_entry->armed; }

void Reactor::Timer::reset() {
    if (m_entry)
        m_entry->live = false;
    m_entry.reset();
}

std::shared_ptr<Reactor::Entry> Reactor::add(Entry entry) {
    entry.reactor = this;
    auto shared = std::make_shared<Entry>(std::move(entry));
    m_entries.push_back(shared);
    return shared;
}

Reactor::Watch Reactor::watch(zmq::socket_ref socket, Handler handler, short events) {
    Entry entry;
    entry.item = {socket.handle(), 0, events, 0};
    entry.handler = std::move(handler);
    return Watch(add(std::move(entry)));
}

Reactor::Watch Reactor::watch_fd(int fd, Handler handler, short events) {
    Entry entry;
    entry.item = {nullptr, fd, events, 0};
    entry.handler = std::move(handler);
    return Watch(add(std::move(entry)));
}

void Reactor::defer(Handler handler) { m_deferred.push_back(std::move(handler)); }

void Reactor::prune() {
    std::erase_if(m_entries, [](const auto& entry) { return !entry->live; });
}

std::optional<Reactor::Clock::time_point> Reactor::next_deadline() const {
    std::optional<Clock::time_point> next;
    for (const auto& entry : m_entries)
        if (entry->live && entry->is_timer && entry->armed && (!next || entry->when < *next))
            next = entry->when;
    return next;
}

void Reactor::run_once(Clock::duration most) {
    prune();
    // Deferred work first: it was asked for "as soon as possible". A turn that ran some does
    // not wait in its poll: what it did may be what the owner's loop waits for (a stop).
    const bool ran_deferred = !m_deferred.empty();
    if (ran_deferred) {
        auto deferred = std::move(m_deferred);
        m_deferred.clear();
        for (auto& handler : deferred)
            handler();
        prune();
    }
    const auto now = Clock::now();
    auto wake = ran_deferred || !m_deferred.empty() ? now : now + most;
    if (const auto deadline = next_deadline())
        wake = std::min(wake, *deadline);
    // The turn works on a snapshot: handlers may add and withdraw entries meanwhile.
    std::vector<std::shared_ptr<Entry>> polled;
    std::vector<zmq::pollitem_t> items;
    for (const auto& entry : m_entries)
        if (!entry->is_timer) {
            polled.push_back(entry);
            items.push_back(entry->item);
        }
    poll_items(items.data(), items.size(), until(wake));
    for (std::size_t i = 0; i < polled.size(); ++i)
        if (polled[i]->live && (items[i].revents & (items[i].events | ZMQ_POLLERR)))
            polled[i]->handler();
    const auto after = Clock::now();
    std::vector<std::shared_ptr<Entry>> due;
    for (const auto& entry : m_entries)
        if (entry->live && entry->is_timer && entry->armed && entry->when <= after)
            due.push_back(entry);
    std::sort(due.begin(), due.end(), [](const auto& a, const auto& b) { return a->when < b->when; });
    for (const auto& entry : due)
        if (entry->live && entry->armed && entry->when <= after) {
            entry->armed = false; // before the call: the handler may arm it again
            entry->handler();
        }
}

int poll_items(zmq::pollitem_t* items, std::size_t count, std::chrono::milliseconds timeout) {
    try {
        return zmq::poll(items, count, timeout);
    } catch (const zmq::error_t& e) {
        if (e.num() != EINTR)
            throw;
        for (std::size_t i = 0; i < count; ++i)
            items[i].revents = 0;
        return 0;
    }
}

std::chrono::milliseconds until(std::chrono::steady_clock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    return left.count() < 0 ? std::chrono::milliseconds(0) : left + std::chrono::milliseconds(1);
}

} // namespace zshare
