#include <catch2/catch.hpp>

#include "session_states.hpp"

#include <set>
#include <string>
#include <utility>
#include <vector>

using namespace zshare::node;
using S = SessionState;
using E = SessionEvent;

namespace {

const std::vector<S> all_states = {S::connecting, S::registered, S::re_registering, S::unreachable};
const std::vector<E> all_events = {E::accepted, E::refused, E::tracker_knows_us, E::tracker_lost_us,
                                   E::silent};

struct Transition {
    S from;
    E event;
    S to;
};

// The whole table: every state by every event.
const std::vector<Transition> table = {
    // Nothing heard yet: only an answer to Connect, or silence, moves it.
    {S::connecting, E::accepted, S::registered},
    {S::connecting, E::refused, S::connecting}, // the owner gives up on a first refusal
    {S::connecting, E::tracker_knows_us, S::connecting},
    {S::connecting, E::tracker_lost_us, S::connecting},
    {S::connecting, E::silent, S::unreachable},

    {S::registered, E::accepted, S::registered},
    {S::registered, E::refused, S::re_registering},
    {S::registered, E::tracker_knows_us, S::registered},
    {S::registered, E::tracker_lost_us, S::re_registering},
    {S::registered, E::silent, S::unreachable},

    {S::re_registering, E::accepted, S::registered},
    {S::re_registering, E::refused, S::re_registering}, // later refusals leave it trying
    {S::re_registering, E::tracker_knows_us, S::registered},
    {S::re_registering, E::tracker_lost_us, S::re_registering},
    {S::re_registering, E::silent, S::unreachable},

    {S::unreachable, E::accepted, S::registered},
    {S::unreachable, E::refused, S::re_registering},
    {S::unreachable, E::tracker_knows_us, S::registered},
    {S::unreachable, E::tracker_lost_us, S::re_registering},
    {S::unreachable, E::silent, S::unreachable},
};

} // namespace

TEST_CASE("the table covers every state and event once", "[session_states]") {
    CHECK(table.size() == all_states.size() * all_events.size());
    std::set<std::pair<int, int>> seen;
    for (const auto &t : table)
        seen.insert({static_cast<int>(t.from), static_cast<int>(t.event)});
    CHECK(seen.size() == table.size());
}

TEST_CASE("every transition", "[session_states]") {
    for (const auto &t : table) {
        INFO(state_name(t.from) << " on event " << static_cast<int>(t.event));
        CHECK(next_state(t.from, t.event) == t.to);
    }
}

TEST_CASE("accepted always registers and silence always makes unreachable", "[session_states]") {
    for (const auto state : all_states) {
        CHECK(next_state(state, E::accepted) == S::registered);
        CHECK(next_state(state, E::silent) == S::unreachable);
    }
}

TEST_CASE("a lost and found session goes back to registered", "[session_states]") {
    S state = S::connecting;
    state = next_state(state, E::accepted);
    CHECK(state == S::registered);
    state = next_state(state, E::silent);
    CHECK(state == S::unreachable);
    state = next_state(state, E::tracker_lost_us); // a new tracker run answers
    CHECK(state == S::re_registering);
    state = next_state(state, E::refused); // the name is still held by the old registration
    CHECK(state == S::re_registering);
    state = next_state(state, E::accepted);
    CHECK(state == S::registered);
    state = next_state(state, E::tracker_knows_us);
    CHECK(state == S::registered);
}

TEST_CASE("state names", "[session_states]") {
    CHECK(std::string(state_name(S::connecting)) == "connecting");
    CHECK(std::string(state_name(S::registered)) == "registered");
    CHECK(std::string(state_name(S::re_registering)) == "re-registering");
    CHECK(std::string(state_name(S::unreachable)) == "unreachable");
    std::set<std::string> names;
    for (const auto state : all_states)
        names.insert(state_name(state));
    CHECK(names.size() == all_states.size());
    // A value outside the enum gets a placeholder, not a crash.
    CHECK(std::string(state_name(static_cast<S>(42))) == "?");
}

TEST_CASE("an event outside the enum leaves the state alone", "[session_states]") {
    for (const auto state : all_states)
        CHECK(next_state(state, static_cast<E>(42)) == state);
}
