"""Cohort ranks precomputed in chunks: the same rank as ranking the whole cohort, from one chunk."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.reports.inputs import CardFacts
from chalicelib.domain.reports.ranks import RankChunk, place, rank_chunks
from chalicelib.domain.scoring.ranking import rank_in_groups, rank_key
from scripts.synthetic import credit_code


def _card(n: int, score: Decimal, stage: str) -> CardFacts:
    return CardFacts(credit_code(n), "360111", stage, "B", score, False, Decimal(1), (), ())


cohorts = st.lists(
    st.tuples(st.integers(0, 400), st.sampled_from(["startup", "growth", "mature"])),
    min_size=1,
    max_size=60,
)


@settings(max_examples=60, deadline=None)
@given(cohorts, st.integers(1, 7))
def test_a_chunk_gives_every_card_its_rank_in_its_stage(entries: list[tuple[int, str]], size: int) -> None:
    # quarters of a point make ties in score: the credit code must break them
    cards = [_card(n, Decimal(points) / 4, stage) for n, (points, stage) in enumerate(entries)]
    chunks = rank_chunks(cards, size)
    expected = rank_in_groups([(c.stage, c.score, c.credit_code) for c in cards])
    for card, want in zip(cards, expected, strict=True):
        key = rank_key(card.score, card.credit_code)
        found = _found(chunks, card.stage, key)
        assert found is not None
        assert (found.rank_of(key), found.cohort) == (want.rank, want.cohort_size)
        assert len(found.keys) <= size
        placed = place(found, key, card.credit_code)  # a card unchanged since the build: exact
        assert (placed.rank, placed.cohort, placed.in_build) == (want.rank, want.cohort_size, True)


def test_a_key_not_in_the_cohort_has_no_rank() -> None:
    (chunk,) = rank_chunks([_card(1, Decimal("700"), "growth"), _card(2, Decimal("650"), "growth")])
    assert chunk.rank_of(rank_key(Decimal("700"), credit_code(1))) == 1
    assert chunk.rank_of(rank_key(Decimal("699.99"), credit_code(1))) is None  # its card changed since


def _found(chunks: list[RankChunk], stage: str, key: str) -> RankChunk | None:
    """The chunk a reader finds: the last of the stage whose stored key (`lower`) is not after `key`."""
    found = [c for c in chunks if c.stage == stage and c.lower <= key]
    return found[-1] if found else None


@settings(max_examples=150, deadline=None)
@given(
    cohorts, st.integers(1, 7), st.integers(0, 70), st.integers(0, 400), st.sampled_from(["growth", "mature"])
)
def test_a_changed_card_is_placed_among_the_builds_keys(
    entries: list[tuple[int, str]], size: int, who: int, points: int, stage: str
) -> None:
    # the build's cards; then card `who` (one of them, or a new enterprise) is rescored to `points` / 4
    cards = [_card(n, Decimal(p) / 4, s) for n, (p, s) in enumerate(entries)]
    chunks = rank_chunks(cards, size)
    code = credit_code(who)
    key = rank_key(Decimal(points) / 4, code)
    built = sorted(rank_key(c.score, c.credit_code) for c in cards if c.stage == stage)
    old = next((k for k in built if k.endswith(code)), None)
    found = _found(chunks, stage, key)
    newcomer = who >= len(entries)  # no card of the period before: its card item's first version
    if not built:  # the build had no card of the stage: no chunk (the reader counts that cohort)
        assert found is None
        return
    assert found is not None  # the first chunk answers for every key: even one that now leads
    placed = place(found, key, code, first_card=newcomer)
    # the exact answer as of the build, with this card's current score
    others = [k for k in built if k != old]
    exact = sum(k < key for k in others) + 1
    # the old key ahead in an earlier chunk cannot be seen: then (only then) one too many
    unseen_ahead = old is not None and old < key and old not in found.keys
    assert placed.rank == exact + unseen_ahead
    assert placed.in_build == (old == key)
    if newcomer:  # told apart: the true cohort
        assert placed.cohort == len(others) + 1 == len(built) + 1
    else:  # in the build (the cohort unchanged), or moved here from another stage (one short)
        assert placed.cohort == max(len(built), placed.rank)
        # never below the rank: one over only with a rank one over (the old key unseen, ahead)
        assert len(others) <= placed.cohort <= len(others) + 1 + unseen_ahead


def test_a_card_that_now_leads_finds_the_first_chunk() -> None:
    cards = [_card(n, Decimal(500 - n), "growth") for n in range(5)]
    chunks = rank_chunks(cards, 2)
    assert [c.lower for c in chunks] == ["", chunks[1].first, chunks[2].first]
    key = rank_key(Decimal(900), credit_code(4))  # the last one, now first
    found = _found(chunks, "growth", key)
    assert found is not None
    placed = place(found, key, credit_code(4))
    assert (placed.rank, placed.cohort, placed.in_build) == (1, 5, False)
