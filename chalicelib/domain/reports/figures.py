"""The rounding and quantile rules of contract 10 and 13, exactly, over Decimals.

Means and medians are rounded half-up (2 decimals; completeness and shares 4); a median of an even
count is the mean of the two middle values; p25, p75 and p90 are nearest ranks: the value at rank
ceil(q * n) of the ascending values. An empty set has no mean, median or quantile (None).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Final

CENTS: Final = Decimal("0.01")
BASIS: Final = Decimal("0.0001")  # 4 decimals: completeness means and shares
P25: Final = Fraction(1, 4)
P75: Final = Fraction(3, 4)
P90: Final = Fraction(9, 10)


def half_up(value: Decimal, quantum: Decimal = CENTS) -> Decimal:
    return value.quantize(quantum, rounding=ROUND_HALF_UP)


def mean(total: Decimal, count: int, quantum: Decimal = CENTS) -> Decimal | None:
    """total / count rounded half-up; None for an empty set."""
    if count == 0:
        return None
    return half_up(total / count, quantum)


def share(part: int, whole: int) -> Decimal | None:
    """part / whole with 4 decimals, half-up; None when there is no whole."""
    if whole == 0:
        return None
    return half_up(Decimal(part) / Decimal(whole), BASIS)


def median(ascending: Sequence[Decimal]) -> Decimal | None:
    """The middle value, or the mean of the two middle ones; rounded half-up to 2 decimals."""
    n = len(ascending)
    if n == 0:
        return None
    middle = n // 2
    if n % 2:
        return half_up(ascending[middle])
    return half_up((ascending[middle - 1] + ascending[middle]) / 2)


def nearest_rank(ascending: Sequence[Decimal], q: Fraction) -> Decimal | None:
    """The value at rank ceil(q * n) (1-based) of the ascending values; exact, no float."""
    n = len(ascending)
    if n == 0:
        return None
    rank = max(1, -((-q.numerator * n) // q.denominator))  # ceil without floats
    return ascending[rank - 1]
