"""Rank order (score descending, then credit code ascending) and the range key that encodes it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.scoring.ranking import (
    Ranked,
    RankKeyError,
    order,
    parse_rank_key,
    rank,
    rank_in_groups,
    rank_key,
)

D = Decimal
scores = st.integers(0, 100_000).map(lambda c: Decimal(c).scaleb(-2))
codes = st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=18, max_size=18)
entries = st.lists(st.tuples(scores, codes), max_size=60)
FAST = settings(max_examples=80, deadline=None)


def expected_ranks(items: list[tuple[Decimal, str]]) -> list[int]:
    """Rank order written the obvious way: a stable sort on (-score, code)."""
    positions = sorted(range(len(items)), key=lambda i: (-items[i][0], items[i][1]))
    ranks = [0] * len(items)
    for position, index in enumerate(positions, start=1):
        ranks[index] = position
    return ranks


@pytest.mark.parametrize(
    ("score", "key"),
    [
        (D("1000.00"), "000000#91360100X"),
        (D("1000"), "000000#91360100X"),
        (D("999.99"), "000001#91360100X"),
        (D("812.5"), "018750#91360100X"),
        (D("812.50"), "018750#91360100X"),
        (D("0.01"), "099999#91360100X"),
        (D("0"), "100000#91360100X"),
        (D("0.00"), "100000#91360100X"),
    ],
)
def test_rank_key(score: Decimal, key: str) -> None:
    assert rank_key(score, "91360100X") == key
    back, code = parse_rank_key(key)
    assert (back, code) == (score, "91360100X")
    assert str(back) == f"{score:.2f}"


@pytest.mark.parametrize("score", ["1000.01", "-0.01", "0.001", "812.505", "NaN", "Infinity", "-0"])
def test_rank_key_refuses_scores_it_cannot_order_exactly(score: str) -> None:
    if score == "-0":  # negative zero is zero: it has an exact key
        assert rank_key(D(score), "X") == "100000#X"
        return
    with pytest.raises(RankKeyError) as caught:
        rank_key(D(score), "X")
    assert caught.value.code == "INVALID_SCORE"


@pytest.mark.parametrize("key", ["", "812.50#X", "18750#X", "100001#X", "01875a#X", "018750X"])
def test_parse_rank_key_refuses_other_strings(key: str) -> None:
    with pytest.raises(RankKeyError):
        parse_rank_key(key)


@FAST
@given(entries)
def test_sorted_keys_are_rank_order(items: list[tuple[Decimal, str]]) -> None:
    by_key = sorted(items, key=lambda e: rank_key(*e))
    assert by_key == sorted(items, key=lambda e: (-e[0], e[1]))


@FAST
@given(entries)
def test_rank_and_order(items: list[tuple[Decimal, str]]) -> None:
    ranks = rank(items)
    assert ranks == expected_ranks(items)
    assert sorted(ranks) == list(range(1, len(items) + 1))
    assert [ranks[i] for i in order(items)] == list(range(1, len(items) + 1))


def test_ties_on_score_go_by_credit_code() -> None:
    items = [(D("700.00"), "B"), (D("700"), "A"), (D("812.5"), "Z"), (D("0"), "A")]
    assert rank(items) == [3, 2, 1, 4]
    assert order(items) == [2, 1, 0, 3]


def test_identical_entries_keep_their_input_order() -> None:
    assert rank([(D("5"), "A"), (D("5"), "A")]) == [1, 2]


def test_nothing_to_rank() -> None:
    assert rank([]) == []
    assert rank_in_groups([]) == []


@FAST
@given(st.lists(st.tuples(st.integers(-150, 100_150), st.booleans()), min_size=1, max_size=30))
def test_rank_refuses_a_list_with_any_bad_score(raw: list[tuple[int, bool]]) -> None:
    """Cents or thousandths, some negative or over 1000: the bulk check must agree with rank_key."""
    items = [
        (Decimal(v).scaleb(-3 if thousandths else -2), f"C{i}") for i, (v, thousandths) in enumerate(raw)
    ]
    valid = all(s == s.quantize(D("0.01")) and D(0) <= s <= D(1000) for s, _ in items)
    if valid:
        assert rank(items) == expected_ranks(items)
    else:
        with pytest.raises(RankKeyError):
            rank(items)


def test_truncation_errors_that_would_cancel_are_caught() -> None:
    # int() truncates -0.005 x 100 and 0.005 x 100 both to 0: the totals alone would agree
    with pytest.raises(RankKeyError):
        rank([(D("-0.005"), "A"), (D("0.005"), "B")])


@FAST
@given(st.lists(st.tuples(st.sampled_from(["startup", "growth", "mature"]), scores, codes), max_size=60))
def test_rank_in_groups(items: list[tuple[str, Decimal, str]]) -> None:
    result = rank_in_groups(items)
    for group in {g for g, _, _ in items}:
        members = [i for i, (g, _, _) in enumerate(items) if g == group]
        within = expected_ranks([(items[i][1], items[i][2]) for i in members])
        assert [result[i] for i in members] == [Ranked(r, len(members)) for r in within]


def test_rank_in_groups_takes_any_hashable_group() -> None:
    items = [
        ((2025, "growth"), D("600"), "A"),
        ((2024, "growth"), D("700"), "B"),
        ((2025, "growth"), D("650"), "C"),
    ]
    assert rank_in_groups(items) == [Ranked(2, 2), Ranked(1, 1), Ranked(1, 2)]
