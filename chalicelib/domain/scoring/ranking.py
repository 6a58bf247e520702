"""Ranking: score descending, then credit code ascending (contract section 3).

Everything sorts on one string per entry, `rank_key`: the score inverted into zero-padded cents, a
`#`, then the credit code. Sorting those strings ascending is rank order, which is why the DynamoDB
indexes use the same string as their range key. Codes are unique within a cohort, so ranks are plain
positions 1..n (no ties); identical entries keep their input order.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable, Sequence
from decimal import Decimal, Inexact, InvalidOperation, localcontext
from functools import cache
from operator import itemgetter
from typing import Final, NamedTuple, TypeVar

# The contract's scale is 0-1000: 100,000 cents fit six digits. A model with a larger scale would need
# a wider key, and therefore a new index; rank_key refuses such scores rather than mis-sort them.
MAX_CENTS: Final = 100_000
_WIDTH: Final = 6
_SEPARATOR: Final = "#"
_CENT: Final = Decimal("0.01")
_HUNDRED: Final = Decimal(100)
_ZERO: Final = Decimal(0)
_MAX_SCORE: Final = Decimal(MAX_CENTS).scaleb(-2)

G = TypeVar("G", bound=Hashable)


class RankKeyError(ValueError):
    """A score that has no exact rank key: outside 0.00-1000.00 or finer than a cent."""

    code = "INVALID_SCORE"


class Ranked(NamedTuple):
    rank: int  # 1-based position within its cohort
    cohort_size: int


def _cents(score: Decimal) -> int:
    """A score as whole cents, refusing anything that is not an exact cent amount in range."""
    try:
        whole = score.quantize(_CENT)
        if whole != score or not 0 <= whole <= _MAX_SCORE:
            raise InvalidOperation
    except (InvalidOperation, TypeError, AttributeError):
        raise RankKeyError(
            f"score {score!r} cannot be ranked / 分数 {score!r} 不在 0.00–1000.00 之间或精度超过两位小数"
        ) from None
    return int(whole.scaleb(2))


def _all_cents(scores: list[Decimal]) -> list[int]:
    """`_cents` of every score, checked in bulk: the per-element check costs more than the sort.

    int() truncates towards zero, so for scores that are all >= 0 every truncation error is >= 0 and
    the exact totals agree only if each score was a whole number of cents. Anything odd (a negative or
    inexact total, NaN, infinity) falls back to the per-score check, which names the culprit.
    """
    try:
        cents = list(map(int, map(_HUNDRED.__mul__, scores)))
        with localcontext() as ctx:
            ctx.traps[Inexact] = True
            exact = (
                min(scores, default=_ZERO) >= 0
                and max(cents, default=0) <= MAX_CENTS
                and sum(scores, _ZERO) * _HUNDRED == sum(cents)
            )
    except (ArithmeticError, ValueError, TypeError):
        exact = False
    return cents if exact else [_cents(score) for score in scores]


def rank_key(score: Decimal, credit_code: str) -> str:
    """`<100000 - cents, 6 digits>#<credit_code>`: ascending order is rank order (score desc, code asc)."""
    return f"{MAX_CENTS - _cents(score):0{_WIDTH}d}{_SEPARATOR}{credit_code}"


@cache
def _prefixes() -> tuple[str, ...]:
    """Every key prefix, by cents: indexing beats formatting a million times. Built on first bulk use,
    not at import, so that a cold start that only writes one key does not pay for it."""
    return tuple(f"{MAX_CENTS - cents:0{_WIDTH}d}{_SEPARATOR}" for cents in range(MAX_CENTS + 1))


def parse_rank_key(key: str) -> tuple[Decimal, str]:
    """The (score, credit_code) a rank key was built from."""
    head, sep, code = key.partition(_SEPARATOR)
    if not sep or len(head) != _WIDTH or not head.isdigit() or int(head) > MAX_CENTS:
        raise RankKeyError(f"not a rank key: {key!r} / 无效的排名键")
    return Decimal(MAX_CENTS - int(head)).scaleb(-2), code


def _keys(scores: list[Decimal], codes: list[str]) -> list[str]:
    return list(map(str.__add__, map(_prefixes().__getitem__, _all_cents(scores)), codes))


def order(entries: Sequence[tuple[Decimal, str]]) -> list[int]:
    """Indices of `entries` in rank order."""
    keys = _keys(list(map(itemgetter(0), entries)), list(map(itemgetter(1), entries)))
    return sorted(range(len(keys)), key=keys.__getitem__)


def rank(entries: Sequence[tuple[Decimal, str]]) -> list[int]:
    """The 1-based rank of each (score, credit_code) entry, in input order."""
    ranks = [0] * len(entries)
    # a scatter driven from C (no bytecode per entry): ranks[index] = position
    deque(map(ranks.__setitem__, order(entries), range(1, len(entries) + 1)), maxlen=0)
    return ranks


def rank_in_groups(entries: Sequence[tuple[G, Decimal, str]]) -> list[Ranked]:
    """Rank and cohort size of each (group, score, credit_code) entry within its group, in input order.

    The group is any hashable value, e.g. (period, stage). One sort serves every group: rank order
    within a group is the global rank order restricted to it.
    """
    groups = list(map(itemgetter(0), entries))
    keys = _keys(list(map(itemgetter(1), entries)), list(map(itemgetter(2), entries)))
    seen: dict[G, int] = {}
    positions = [0] * len(entries)
    for index in sorted(range(len(keys)), key=keys.__getitem__):
        group = groups[index]
        seen[group] = positions[index] = seen.get(group, 0) + 1
    return [Ranked(position, seen[group]) for position, group in zip(positions, groups, strict=True)]
