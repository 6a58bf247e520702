"""The rounding and quantile rules of contract 10/13, by example and by property."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.reports.figures import P25, P75, P90, half_up, mean, median, nearest_rank, share

D = Decimal
scores = st.lists(st.integers(0, 100_000).map(lambda c: Decimal(c).scaleb(-2)), min_size=1, max_size=60)


def test_half_up_not_bankers() -> None:
    assert half_up(D("2.345")) == D("2.35")
    assert half_up(D("2.355")) == D("2.36")
    assert half_up(D("0.12345"), D("0.0001")) == D("0.1235")


def test_median_of_even_count_is_mean_of_middle_two_rounded() -> None:
    assert median([D("1"), D("2"), D("3"), D("4")]) == D("2.50")
    assert median([D("1.01"), D("1.02")]) == D("1.02")  # 1.015 half-up
    assert median([D("5"), D("7"), D("100")]) == D("7.00")


def test_nearest_rank_by_hand() -> None:
    ten = [D(i) for i in range(1, 11)]
    assert nearest_rank(ten, P90) == D(9)  # ceil(9.0) = 9
    assert nearest_rank(ten, P25) == D(3)  # ceil(2.5) = 3
    assert nearest_rank(ten, P75) == D(8)  # ceil(7.5) = 8
    assert nearest_rank([D(4), D(6)], P90) == D(6)  # ceil(1.8) = 2


def test_empty_sets_give_none() -> None:
    assert mean(D(0), 0) is None
    assert median([]) is None
    assert nearest_rank([], P90) is None
    assert share(0, 0) is None


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 10**6).map(lambda c: Decimal(c).scaleb(-2)))
def test_median_and_quantiles_of_one_value_are_that_value(value: Decimal) -> None:
    assert median([value]) == half_up(value)
    for q in (P25, P75, P90):
        assert nearest_rank([value], q) == value


@settings(max_examples=200, deadline=None)
@given(scores)
def test_quantiles_are_ordered_and_within_range(values: list[Decimal]) -> None:
    ascending = sorted(values)
    p25, med, p75, p90 = (
        nearest_rank(ascending, P25),
        median(ascending),
        nearest_rank(ascending, P75),
        nearest_rank(ascending, P90),
    )
    assert p25 is not None and med is not None and p75 is not None and p90 is not None
    assert ascending[0] <= p25 <= p75 <= p90 <= ascending[-1]
    # scores have cents, so the rounded mean of the two middle values stays between them
    assert p25 <= med <= p75
    assert p90 >= med
    assert p90 == ascending[math.ceil(Fraction(9, 10) * len(ascending)) - 1]


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 500), st.integers(1, 500))
def test_share_is_a_fraction_with_four_decimals(part: int, extra: int) -> None:
    whole = part + extra  # never zero, never below part
    value = share(part, whole)
    assert value is not None
    assert D(0) <= value <= D(1)
    assert value == value.quantize(D("0.0001"))
