"""Indicator statistics (指标数据统计分析, contract 10 and 13): per core indicator, how many cards carry
it, its spread (min, nearest-rank p25 / p75, median, max), mean and how many reached full points.

The builder keeps them for every group a reader can ask for: the province, each city and each district,
each with all stages together and each stage alone. Each indicator's values are sorted once for the
whole period; walking them in order fills every group's list already sorted, so the cost is one sort
per indicator plus a pass, not a sort per group.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from operator import itemgetter
from typing import Final

from pydantic import BaseModel, ConfigDict

from chalicelib.domain.numbers import Num
from chalicelib.domain.reports.blocks import PROVINCE
from chalicelib.domain.reports.figures import P25, P75, mean, median, nearest_rank
from chalicelib.domain.reports.inputs import CardFacts

ALL_STAGES: Final = "all"
_ZERO: Final = Decimal(0)

Group = tuple[str, str]  # (region: "36", a city or a district; stage or ALL_STAGES)


class IndicatorStats(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    present: int
    missing: int
    min: Num | None
    p25: Num | None
    median: Num | None
    p75: Num | None
    max: Num | None
    mean: Num | None
    at_full: int


def groups_of(card: CardFacts) -> tuple[Group, ...]:
    regions = (PROVINCE, card.region_code[:4], card.region_code)
    return tuple((r, s) for r in regions for s in (ALL_STAGES, card.stage))


def stats(ascending: Sequence[Decimal], cards: int, at_full: int) -> IndicatorStats:
    """The figures of one indicator over one group: `ascending` its present values, `cards` the group."""
    n = len(ascending)
    return IndicatorStats(
        present=n,
        missing=cards - n,
        min=ascending[0] if n else None,
        p25=nearest_rank(ascending, P25),
        median=median(ascending),
        p75=nearest_rank(ascending, P75),
        max=ascending[-1] if n else None,
        mean=mean(sum(ascending, _ZERO), n),
        at_full=at_full,
    )


def indicator_statistics(
    cards: Sequence[CardFacts], indicator_ids: Sequence[str]
) -> dict[Group, dict[str, IndicatorStats]]:
    """Statistics of each indicator for every group that holds at least one card."""
    index_of: dict[Group, int] = {}
    memberships: list[tuple[int, ...]] = []
    for card in cards:  # groups as small ints: the hot loops below index lists, not hash tuples
        memberships.append(tuple(index_of.setdefault(g, len(index_of)) for g in groups_of(card)))
    groups = list(index_of)
    sizes = [0] * len(groups)
    for member in memberships:
        for g in member:
            sizes[g] += 1
    present: dict[str, list[tuple[Decimal, int]]] = {i: [] for i in indicator_ids}
    full: dict[str, list[int]] = {i: [0] * len(groups) for i in indicator_ids}
    for index, card in enumerate(cards):
        for figure in card.indicators:
            pairs = present.get(figure.id)
            if pairs is None:
                continue
            if figure.value is not None:
                pairs.append((figure.value, index))
            if figure.at_full:
                counts = full[figure.id]
                for g in memberships[index]:
                    counts[g] += 1
    out: dict[Group, dict[str, IndicatorStats]] = {g: {} for g in groups}
    for indicator in indicator_ids:
        pairs = present[indicator]
        pairs.sort(key=itemgetter(0))
        values: list[list[Decimal]] = [[] for _ in groups]
        for value, index in pairs:
            for g in memberships[index]:
                values[g].append(value)
        counts = full[indicator]
        for g, group in enumerate(groups):
            out[group][indicator] = stats(values[g], sizes[g], counts[g])
    return out
