// The states of a client's session with the tracker and what moves it between them, as one
// table (czmq's server state machines name theirs the same way). Pure: TrackerSession feeds it
// what happened on the wire and acts on the state it lands in.
//
//   connecting      first Connect (or Hello) out, no answer yet
//   registered      the tracker answers our Pings and knows us
//   re_registering  the tracker answers but no longer knows us (it restarted, or dropped us
//                   after a silence, or someone else's request did): Connect again
//   unreachable     no reply to anything for the TTL: keep Pinging, keep serving
#pragma once

namespace zshare::node {

enum class SessionState { connecting, registered, re_registering, unreachable };

enum class SessionEvent {
    accepted,          ///< Connected (or, for an observer, Welcome)
    refused,           ///< an Error answering Connect (the name is taken, say)
    tracker_knows_us,  ///< a Pong that lists us, in the run we registered with
    tracker_lost_us,   ///< a Pong that does not, a new tracker run, or not_connected
    silent,            ///< no reply to anything for the TTL
};

/// Returns: the state after `event` in `state`.
SessionState next_state(SessionState state, SessionEvent event);

/// Returns: the state's name for people ("registered", "re-registering", ...).
const char* state_name(SessionState state);

} // namespace zshare::node
