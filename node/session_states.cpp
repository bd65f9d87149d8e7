#include "session_states.hpp"

namespace zshare::node {

SessionState next_state(SessionState state, SessionEvent event) {
    using S = SessionState;
    using E = SessionEvent;
    switch (event) {
    case E::accepted:
        return S::registered;
    case E::silent:
        return S::unreachable;
    case E::refused:
        // The first refusal ends a start (the owner gives up); later ones leave us trying.
        return state == S::connecting ? S::connecting : S::re_registering;
    case E::tracker_knows_us:
        return state == S::connecting ? S::connecting : S::registered;
    case E::tracker_lost_us:
        return state == S::connecting ? S::connecting : S::re_registering;
    }
    return state;
}

const char* state_name(SessionState state) {
    switch (state) {
    case SessionState::connecting:
        return "connecting";
    case SessionState::registered:
        return "registered";
    case SessionState::re_registering:
        return "re-registering";
    case SessionState::unreachable:
        return "unreachable";
    }
    return "?";
}

} // namespace zshare::node
