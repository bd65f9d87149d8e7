#include <catch2/catch.hpp>

#include "chunk_picker.hpp"

#include <cstdint>
#include <deque>
#include <optional>

using namespace zshare::node;
using State = ChunkPicker::ChunkState;
using Asked = std::deque<std::uint64_t>;

namespace {

constexpr HolderId alice = 1;
constexpr HolderId bob = 2;
constexpr HolderId carol = 3;

/// Picks for `holder` and records the request, as the swarm does. Returns: the chunk picked.
std::optional<std::uint64_t> ask(ChunkPicker &picker, HolderId holder, Asked &asked_of_holder,
                                 bool choosy = false) {
    const auto index = picker.pick(holder, asked_of_holder, choosy);
    if (index) {
        picker.asked(*index);
        asked_of_holder.push_back(*index);
    }
    return index;
}

} // namespace

TEST_CASE("a new picker has every chunk missing and unasked", "[chunk_picker]") {
    const ChunkPicker picker(5);
    CHECK(picker.chunks() == 5);
    CHECK(picker.verified_count() == 0);
    CHECK_FALSE(picker.complete());
    for (std::uint64_t index = 0; index < 5; ++index) {
        CHECK(picker.state(index) == State::missing);
        CHECK(picker.requests(index) == 0);
    }
}

TEST_CASE("zero chunks are complete and nothing is picked", "[chunk_picker]") {
    const ChunkPicker empty(0);
    CHECK(empty.chunks() == 0);
    CHECK(empty.complete());
    CHECK(empty.verified_count() == 0);
    CHECK(empty.pick(alice, {}, false) == std::nullopt);
    CHECK(empty.pick(alice, {}, true) == std::nullopt);

    const ChunkPicker by_default;
    CHECK(by_default.chunks() == 0);
    CHECK(by_default.complete());
    CHECK(by_default.pick(bob, {}, false) == std::nullopt);
}

TEST_CASE("the lowest missing chunk is picked first", "[chunk_picker]") {
    ChunkPicker picker(4);
    // Picking alone records nothing: the same answer twice.
    CHECK(picker.pick(alice, {}, false) == 0u);
    CHECK(picker.pick(alice, {}, false) == 0u);

    Asked of_alice, of_bob;
    CHECK(ask(picker, alice, of_alice) == 0u);
    CHECK(picker.requests(0) == 1);
    CHECK(ask(picker, bob, of_bob) == 1u);
    CHECK(ask(picker, alice, of_alice) == 2u);
    CHECK(ask(picker, bob, of_bob) == 3u);
}

TEST_CASE("verified chunks are skipped", "[chunk_picker]") {
    ChunkPicker picker(4);
    picker.verified(0);
    picker.verified(2);
    Asked of_alice;
    CHECK(ask(picker, alice, of_alice) == 1u);
    CHECK(ask(picker, alice, of_alice) == 3u);
    // Every missing chunk is asked of alice: nothing more for her.
    CHECK(picker.pick(alice, of_alice, false) == std::nullopt);
}

TEST_CASE("an answered chunk that was verified is never picked again", "[chunk_picker]") {
    ChunkPicker picker(2);
    Asked of_alice;
    REQUIRE(ask(picker, alice, of_alice) == 0u);
    of_alice.pop_front();
    picker.settled(0);
    picker.verified(0);
    CHECK(picker.pick(alice, of_alice, false) == 1u);
    CHECK(picker.pick(bob, {}, true) == 1u);
    picker.asked(1);
    // End game: only chunk 1 is left, and it is not asked of bob.
    CHECK(picker.pick(bob, {}, false) == 1u);
    picker.verified(1);
    CHECK(picker.complete());
    CHECK(picker.pick(bob, {}, false) == std::nullopt);
}

TEST_CASE("a chunk whose copy failed goes to another holder when choosy", "[chunk_picker]") {
    ChunkPicker picker(4);
    Asked of_alice, of_bob;
    REQUIRE(ask(picker, alice, of_alice) == 0u);
    REQUIRE(ask(picker, bob, of_bob) == 1u);

    // Alice's copy of chunk 0 fails verification.
    of_alice.pop_front();
    picker.settled(0);
    picker.failed(0, alice);
    CHECK(picker.state(0) == State::missing);
    CHECK(picker.requests(0) == 0);

    // Choosy: alice gets the next chunk instead, and bob gets chunk 0 before any higher one.
    CHECK(picker.pick(alice, of_alice, true) == 2u);
    CHECK(picker.pick(bob, of_bob, true) == 0u);
    CHECK(picker.pick(carol, {}, true) == 0u);
    // Not choosy (she is the only holder left): alice may have it again.
    CHECK(picker.pick(alice, of_alice, false) == 0u);
}

TEST_CASE("only the last holder whose copy failed is avoided", "[chunk_picker]") {
    ChunkPicker picker(2);
    picker.asked(0);
    picker.settled(0);
    picker.failed(0, alice);
    picker.asked(0);
    picker.settled(0);
    picker.failed(0, bob);
    CHECK(picker.pick(bob, {}, true) == 1u);
    CHECK(picker.pick(alice, {}, true) == 0u);
}

TEST_CASE("a choosy holder is not handed back its failed chunk in the end game", "[chunk_picker]") {
    // When every other missing chunk is in flight, the holder whose copy failed is not given
    // that chunk again while another holder is there.
    ChunkPicker picker(2);
    Asked of_alice, of_bob;
    REQUIRE(ask(picker, alice, of_alice) == 0u);
    REQUIRE(ask(picker, bob, of_bob) == 1u);
    of_alice.pop_front();
    picker.settled(0);
    picker.failed(0, alice);

    CHECK(picker.pick(bob, of_bob, true) == 0u);
    CHECK(picker.pick(alice, of_alice, true) != std::optional<std::uint64_t>(0));
}

TEST_CASE("checking chunks are never picked until verified or missing", "[chunk_picker]") {
    ChunkPicker picker(4);
    picker.checking(0);
    picker.checking(1);
    picker.checking(3);
    CHECK(picker.state(0) == State::checking);
    CHECK(picker.verified_count() == 0);

    Asked of_alice;
    CHECK(ask(picker, alice, of_alice) == 2u);
    // Not in the end game either: chunk 2 (asked of alice) is the only candidate for bob.
    CHECK(picker.pick(bob, {}, false) == 2u);
    CHECK(picker.pick(bob, {2}, false) == std::nullopt);
    CHECK(picker.pick(alice, of_alice, false) == std::nullopt);
    CHECK(picker.pick(alice, of_alice, true) == std::nullopt);

    // Chunk 0 checks out; chunk 1 does not and becomes missing (below the chunks passed over).
    picker.verified(0);
    picker.missing(1);
    CHECK(picker.state(0) == State::verified);
    CHECK(picker.state(1) == State::missing);
    CHECK(picker.verified_count() == 1);
    CHECK(ask(picker, alice, of_alice) == 1u);
    CHECK(picker.state(3) == State::checking);
    picker.verified(3);
    CHECK(picker.pick(carol, {}, false) == 1u); // end game: least asked first, lowest on a tie
}

TEST_CASE("checking a chunk that is verified leaves it verified", "[chunk_picker]") {
    ChunkPicker picker(2);
    picker.verified(0);
    picker.checking(0);
    CHECK(picker.state(0) == State::verified);
    CHECK(picker.verified_count() == 1);
    picker.checking(1);
    picker.checking(1);
    CHECK(picker.state(1) == State::checking);
}

TEST_CASE("end game: the least-asked chunk not already asked of the holder", "[chunk_picker]") {
    ChunkPicker picker(3);
    Asked of_alice, of_bob, of_carol;
    REQUIRE(ask(picker, alice, of_alice) == 0u);
    REQUIRE(ask(picker, alice, of_alice) == 1u);
    REQUIRE(ask(picker, alice, of_alice) == 2u);
    // Every missing chunk is asked: alice has them all.
    CHECK(picker.pick(alice, of_alice, false) == std::nullopt);

    // Bob gets the least asked (all once: the lowest), then the next.
    CHECK(ask(picker, bob, of_bob) == 0u);
    CHECK(picker.requests(0) == 2);
    CHECK(ask(picker, bob, of_bob) == 1u);
    // Carol: chunk 2 is asked once, 0 and 1 twice already.
    CHECK(ask(picker, carol, of_carol) == 2u);
    CHECK(picker.requests(2) == 2);
    // At most twice in all: nothing left for anyone.
    CHECK(picker.pick(carol, of_carol, false) == std::nullopt);
    CHECK(picker.pick(99, {}, false) == std::nullopt);
    CHECK(picker.pick(99, {}, true) == std::nullopt);
}

TEST_CASE("end game prefers the chunk asked least", "[chunk_picker]") {
    ChunkPicker picker(3);
    picker.asked(0);
    picker.asked(1);
    picker.asked(2);
    picker.asked(0); // chunk 0 twice, 1 and 2 once
    CHECK(picker.pick(carol, {}, false) == 1u);
    CHECK(picker.pick(carol, {1}, false) == 2u);
    CHECK(picker.pick(carol, {1, 2}, false) == std::nullopt);

    // A chunk verified while a request for it is in flight is not asked again.
    picker.verified(1);
    CHECK(picker.pick(carol, {}, false) == 2u);
    picker.verified(2);
    CHECK(picker.pick(carol, {}, false) == std::nullopt);
}

TEST_CASE("settled after a dropped holder makes its chunks pickable again", "[chunk_picker]") {
    ChunkPicker picker(4);
    Asked of_alice, of_bob;
    REQUIRE(ask(picker, alice, of_alice) == 0u);
    REQUIRE(ask(picker, alice, of_alice) == 1u);
    REQUIRE(ask(picker, bob, of_bob) == 2u);
    REQUIRE(ask(picker, bob, of_bob) == 3u);
    CHECK(picker.pick(bob, of_bob, false) == 0u); // end game

    // Alice drops: her requests end unanswered.
    for (const auto index : of_alice)
        picker.settled(index);
    of_alice.clear();
    CHECK(picker.requests(0) == 0);
    CHECK(picker.requests(1) == 0);
    CHECK(picker.state(0) == State::missing);
    CHECK(ask(picker, bob, of_bob, true) == 0u);
    CHECK(ask(picker, bob, of_bob, true) == 1u);
}

TEST_CASE("settling a chunk with nothing in flight does not go below zero", "[chunk_picker]") {
    ChunkPicker picker(2);
    picker.settled(1);
    picker.settled(1);
    CHECK(picker.requests(1) == 0);
    picker.asked(1);
    CHECK(picker.requests(1) == 1);
    picker.settled(1);
    picker.settled(1);
    CHECK(picker.requests(1) == 0);
    CHECK(picker.pick(alice, {}, false) == 0u);
}

TEST_CASE("verified count and completion", "[chunk_picker]") {
    ChunkPicker picker(3);
    picker.verified(1);
    CHECK(picker.verified_count() == 1);
    picker.verified(1); // twice counts once
    CHECK(picker.verified_count() == 1);
    picker.verified(0);
    CHECK_FALSE(picker.complete());
    picker.verified(2);
    CHECK(picker.verified_count() == 3);
    CHECK(picker.complete());

    // A verified chunk found bad again.
    picker.missing(2);
    CHECK(picker.verified_count() == 2);
    CHECK_FALSE(picker.complete());
    CHECK(picker.state(2) == State::missing);
    CHECK(picker.pick(alice, {}, false) == 2u);
    // Missing twice does not count down twice.
    picker.missing(2);
    CHECK(picker.verified_count() == 2);
    picker.missing(0);
    picker.missing(1);
    CHECK(picker.verified_count() == 0);
    CHECK(picker.pick(alice, {}, false) == 0u);
}

TEST_CASE("a chunk made missing below the picked ones comes first", "[chunk_picker]") {
    ChunkPicker picker(5);
    picker.verified(0);
    picker.verified(1);
    Asked of_alice;
    REQUIRE(ask(picker, alice, of_alice) == 2u);
    REQUIRE(ask(picker, alice, of_alice) == 3u);
    picker.missing(0);
    CHECK(picker.pick(bob, {}, false) == 0u);
    // A failed copy below the picked ones too.
    picker.asked(0);
    picker.settled(0);
    picker.failed(0, bob);
    CHECK(picker.pick(alice, of_alice, true) == 0u);
    CHECK(picker.pick(bob, {}, true) == 4u);
}
