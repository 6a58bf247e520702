"""Which (enterprise, period) pairs a set of stored changes affects (pure).

A fact of P affects P; a growth indicator's input of P also affects P+1 (its growth base);
a master-data change affects every period of the enterprise (period None).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache

from chalicelib.domain.model.schema import ScoringModel
from chalicelib.domain.scoring.rescore_request import Pair, RescoreRequest


@dataclass(frozen=True, slots=True)
class Change:
    credit_code: str
    period: int | None  # None: master data
    indicator: str | None = None


@cache
def growth_inputs(model: ScoringModel) -> frozenset[str]:
    return frozenset(
        i.derived.of for i in model.indicators if i.derived and i.derived.formula == "growth" and i.derived.of
    )


def affected_pairs(model: ScoringModel, changes: Iterable[Change]) -> dict[str, set[int] | None]:
    """credit_code -> the periods to rescore, or None for all of them."""
    inputs = growth_inputs(model)
    out: dict[str, set[int] | None] = {}
    for change in changes:
        if change.period is None:
            out[change.credit_code] = None
            continue
        periods = out.setdefault(change.credit_code, set())
        if periods is None:
            continue
        periods.add(change.period)
        if change.indicator in inputs:
            periods.add(change.period + 1)
    return out


def requests_for(
    affected: dict[str, set[int] | None],
    batch_id: str | None,
    chunk_size: int,
    versions: Mapping[str, int] | None = None,
) -> Iterator[RescoreRequest]:
    """Rescore messages of at most `chunk_size` pairs each, one enterprise's pairs kept together;
    `versions`: the facts version written per enterprise (`Pair.facts_version`, coalescing)."""
    pairs: list[Pair] = []
    for code in sorted(affected):
        periods = affected[code]
        v = (versions or {}).get(code)
        mine = (
            [Pair(credit_code=code, facts_version=v)]
            if periods is None
            else [Pair(credit_code=code, period=p, facts_version=v) for p in sorted(periods)]
        )
        if pairs and len(pairs) + len(mine) > chunk_size:
            yield RescoreRequest(reason="upload", batch_id=batch_id, pairs=pairs)
            pairs = []
        pairs.extend(mine)
    if pairs:
        yield RescoreRequest(reason="upload", batch_id=batch_id, pairs=pairs)
