"""Cohort ranks precomputed in chunks: the same rank as ranking the whole cohort, from one chunk."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.reports.inputs import CardFacts
from chalicelib.domain.reports.ranks import rank_chunks
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
        # the chunk a reader finds: the last of the stage whose first key is not after the card's key
        found = [c for c in chunks if c.stage == card.stage and c.first <= key][-1]
        assert (found.rank_of(key), found.cohort) == (want.rank, want.cohort_size)
        assert len(found.keys) <= size


def test_a_key_not_in_the_cohort_has_no_rank() -> None:
    (chunk,) = rank_chunks([_card(1, Decimal("700"), "growth"), _card(2, Decimal("650"), "growth")])
    assert chunk.rank_of(rank_key(Decimal("700"), credit_code(1))) == 1
    assert chunk.rank_of(rank_key(Decimal("699.99"), credit_code(1))) is None  # its card changed since
