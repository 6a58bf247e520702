"""A backtest's arithmetic: who would enter or leave the whitelist, and how scores would move.

Each chunk of enterprises gives a partial (plain JSON, exact decimals as text); partials merge into the
result of contract 11. Pure: the scores come from the engine, under both models from the same facts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final, Protocol


class Scored(Protocol):
    """What a backtest compares: a card (`ScoreCard`) as the engine scores it."""

    @property
    def score(self) -> Decimal: ...

    @property
    def grade(self) -> str: ...

    @property
    def whitelisted(self) -> bool: ...


# A result travels in one DynamoDB item (400 KB): code lists beyond this are cut, with the full counts.
MAX_LISTED_CODES: Final = 10_000
_CENTS: Final = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Comparison:
    """One enterprise of the period, scored under the active model (`before`) and the candidate."""

    credit_code: str
    region_code: str
    before: Scored | None
    after: Scored | None


def _listed(card: Scored | None) -> bool:
    return card is not None and card.whitelisted


def _city(region_code: str) -> str:
    return region_code[:4]


def compare(comparisons: Iterable[Comparison]) -> dict[str, Any]:
    """The partial of one chunk."""
    enterprises = changed = grade_changed = 0
    entered: list[str] = []
    left: list[str] = []
    delta_sum = Decimal(0)
    delta_min: Decimal | None = None
    delta_max: Decimal | None = None
    deltas = 0
    by_region: dict[str, dict[str, int]] = {}
    for c in comparisons:
        if c.before is None and c.after is None:
            continue
        enterprises += 1
        region = by_region.setdefault(_city(c.region_code), {"entered": 0, "left": 0, "changed": 0})
        before_score = c.before.score if c.before is not None else Decimal(0)
        after_score = c.after.score if c.after is not None else Decimal(0)
        delta = after_score - before_score
        deltas += 1
        delta_sum += delta
        delta_min = delta if delta_min is None else min(delta_min, delta)
        delta_max = delta if delta_max is None else max(delta_max, delta)
        if delta != 0:
            changed += 1
            region["changed"] += 1
        before_grade = c.before.grade if c.before is not None else None
        after_grade = c.after.grade if c.after is not None else None
        if before_grade != after_grade:
            grade_changed += 1
        if _listed(c.after) and not _listed(c.before):
            entered.append(c.credit_code)
            region["entered"] += 1
        elif _listed(c.before) and not _listed(c.after):
            left.append(c.credit_code)
            region["left"] += 1
    return {
        "enterprises": enterprises,
        "changed": changed,
        "grade_changed": grade_changed,
        "entered": entered,
        "left": left,
        "deltas": deltas,
        "delta_sum": str(delta_sum),
        "delta_min": str(delta_min) if delta_min is not None else None,
        "delta_max": str(delta_max) if delta_max is not None else None,
        "by_region": by_region,
    }


def _number(value: Decimal) -> float:
    """A 2-decimal number for JSON (half-up, as every figure of the contract)."""
    return float(value.quantize(_CENTS, rounding=ROUND_HALF_UP))


def merge(partials: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The backtest result (contract 11) from every chunk's partial."""
    enterprises = changed = grade_changed = deltas = 0
    entered: list[str] = []
    left: list[str] = []
    delta_sum = Decimal(0)
    delta_min: Decimal | None = None
    delta_max: Decimal | None = None
    by_region: dict[str, dict[str, int]] = {}
    for p in partials:
        enterprises += int(p["enterprises"])
        changed += int(p["changed"])
        grade_changed += int(p["grade_changed"])
        deltas += int(p["deltas"])
        entered.extend(p["entered"])
        left.extend(p["left"])
        delta_sum += Decimal(p["delta_sum"])
        if p["delta_min"] is not None:
            low = Decimal(p["delta_min"])
            delta_min = low if delta_min is None else min(delta_min, low)
        if p["delta_max"] is not None:
            high = Decimal(p["delta_max"])
            delta_max = high if delta_max is None else max(delta_max, high)
        for city, counts in p["by_region"].items():
            target = by_region.setdefault(city, {"entered": 0, "left": 0, "changed": 0})
            for key in target:
                target[key] += int(counts.get(key, 0))
    entered.sort()
    left.sort()
    return {
        "enterprises": enterprises,
        "changed": changed,
        "entered": entered[:MAX_LISTED_CODES],
        "left": left[:MAX_LISTED_CODES],
        "entered_count": len(entered),
        "left_count": len(left),
        "grade_changed": grade_changed,
        "score_delta": {
            "mean": _number(delta_sum / deltas) if deltas else None,
            "min": _number(delta_min) if delta_min is not None else None,
            "max": _number(delta_max) if delta_max is not None else None,
        },
        "by_region": dict(sorted(by_region.items())),
    }
