"""Peers (自我评估, contract 16): cohort figures the report builder keeps, and where one enterprise stands.

A cohort is the enterprises scored for P that share a stage, an industry code, a city (first 4 digits of
the region code) or a zone. Its figure holds the cohort's scores ascending (in cents: exact, compact),
the score's mean, median and p90 (contract 10 and 13 rules) and each category's mean points, so a
request reads one item per cohort and computes the percentile by bisection: never a scan.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from chalicelib.domain.reports.figures import BASIS, P90, half_up, mean, median, nearest_rank
from chalicelib.domain.reports.inputs import CATEGORIES, CardFacts

KINDS: Final = ("stage", "industry", "city", "zone")
_CENT: Final = Decimal(100)


@dataclass(frozen=True, slots=True)
class PeerCard:
    """What a cohort needs of one card."""

    score: Decimal
    stage: str
    industry_code: str | None
    region_code: str
    zone_id: str | None
    categories: tuple[Decimal, ...]  # in CATEGORIES order


def cohort_keys(
    stage: str, industry_code: str | None, region_code: str | None, zone_id: str | None
) -> list[tuple[str, str]]:
    """The (kind, key) cohorts an enterprise belongs to, in contract order; zone only when it has one."""
    keys = [("stage", stage)]
    if industry_code:
        keys.append(("industry", industry_code))
    if region_code:
        keys.append(("city", region_code[:4]))
    if zone_id:
        keys.append(("zone", zone_id))
    return keys


def cents(score: Decimal) -> int:
    return int((score * _CENT).to_integral_value())


def figure(members: Sequence[PeerCard]) -> dict[str, Any]:
    """One cohort's stored figure (JSON-ready: Decimals as exact text)."""
    ascending = sorted(m.score for m in members)
    n = len(ascending)
    total = sum(ascending, Decimal(0))
    category_means = {
        cat: mean(sum((m.categories[i] for m in members), Decimal(0)), n) for i, cat in enumerate(CATEGORIES)
    }
    return {
        "size": n,
        "scores": [cents(s) for s in ascending],
        "score": {"mean": mean(total, n), "median": median(ascending), "p90": nearest_rank(ascending, P90)},
        "categories": {k: (None if v is None else str(v)) for k, v in category_means.items()},
    }


def build_figures(cards: Iterable[PeerCard]) -> dict[tuple[str, str], dict[str, Any]]:
    """Every cohort of the period's cards: (kind, key) -> its figure."""
    groups: dict[tuple[str, str], list[PeerCard]] = {}
    for card in cards:
        for key in cohort_keys(card.stage, card.industry_code, card.region_code, card.zone_id):
            groups.setdefault(key, []).append(card)
    out = {}
    for key, members in groups.items():
        data = figure(members)
        data["score"] = {k: (None if v is None else str(v)) for k, v in data["score"].items()}
        out[key] = data
    return out


def percentile(ascending_cents: Sequence[int], score: Decimal) -> Decimal | None:
    """The share of the cohort with a lower score, 4 decimals half-up (None for an empty cohort).

    The cohort is the build's and includes the enterprise: when its card changed since the build, its
    old score is still among the cohort's until the next build (within a minute). At most size - 1
    can then be lower (the old entry is the enterprise itself), so a score above every stored one
    stands at (size - 1) / size, as it will after the next build."""
    if not ascending_cents:
        return None
    lower = min(bisect_left(ascending_cents, cents(score)), len(ascending_cents) - 1)
    return half_up(Decimal(lower) / Decimal(len(ascending_cents)), BASIS)


def peer_figures(cards: Iterable[CardFacts]) -> dict[tuple[str, str], dict[str, Any]]:
    """The report builder's cohorts from its period's card facts."""
    return build_figures(
        PeerCard(c.score, c.stage, c.industry_code, c.region_code, c.zone_id, c.categories) for c in cards
    )
