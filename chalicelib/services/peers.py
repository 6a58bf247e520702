"""Peers (自我评估, contract 16): where an enterprise stands in its stage, industry, city and zone.

Read from the cohort figures the report builder keeps (`domain/reports/peers.py`): the card and the
period's mark in one BatchGetItem, the cohorts in a second; never a scan, whatever the cohort's size.
The cohorts are as of the last build (`as_of`, at most about a minute old on the local stack); the
enterprise's own score and category points are its card's as it stands.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Final

from chalicelib.domain.reports.inputs import CATEGORIES
from chalicelib.domain.reports.peers import cohort_keys, percentile
from chalicelib.domain.scoring.cardcodec import card_from_dict
from chalicelib.stores import peer_reads, portrait_reads
from chalicelib.stores.scores import CurrentCard

PROBE_YEARS: Final = 3  # without a period: the cards of the last few years are asked for at once


class NotScoredError(LookupError):
    """No current card for that enterprise (and period)."""


class NotBuiltError(LookupError):
    """The period has no report build yet: its cohorts are not known."""


@dataclass(frozen=True, slots=True)
class CategoryStand:
    mine: Decimal
    mean: Decimal | None


@dataclass(frozen=True, slots=True)
class Cohort:
    kind: str
    key: str
    size: int
    percentile: Decimal | None
    mean: Decimal | None
    median: Decimal | None
    p90: Decimal | None
    categories: dict[str, CategoryStand]


@dataclass(frozen=True, slots=True)
class Peers:
    period: int
    score: Decimal
    as_of: str
    cohorts: list[Cohort]


def _number(text: Any) -> Decimal | None:
    return None if text is None else Decimal(str(text))


def _card(credit_code: str, period: int | None) -> tuple[CurrentCard, str, str]:
    if period is not None:
        read = portrait_reads.read(credit_code, [period])
        card = read.cards.get(period)
    else:
        year = datetime.now(UTC).year
        read = portrait_reads.read(credit_code, range(year - PROBE_YEARS + 1, year + 2))
        card = read.latest_card()
    if card is None or card.card is None:
        raise NotScoredError(credit_code)
    mark = read.marks.get(card.period)
    if mark is None:
        raise NotBuiltError(card.period)
    return card, mark.generation, mark.as_of


def peers_of(credit_code: str, period: int | None) -> Peers:
    stored, generation, as_of = _card(credit_code, period)
    assert stored.card is not None
    card = card_from_dict(stored.card)
    zone_id: str | None = getattr(stored, "zone_id", None)  # on the card item once zones land (issue 19)
    keys = cohort_keys(card.stage, stored.industry_code, stored.region_code, zone_id)
    figures = peer_reads.cohort_figures(card.period, generation, keys)
    mine = {c.id: c.points for c in card.categories}
    cohorts = []
    for kind, key in keys:
        data = figures.get((kind, key), {})
        score = data.get("score") or {}
        means = data.get("categories") or {}
        cohorts.append(
            Cohort(
                kind=kind,
                key=key,
                size=int(data.get("size") or 0),
                percentile=percentile(list(data.get("scores") or []), card.score),
                mean=_number(score.get("mean")),
                median=_number(score.get("median")),
                p90=_number(score.get("p90")),
                categories={
                    cat: CategoryStand(mine.get(cat, Decimal(0)), _number(means.get(cat)))
                    for cat in CATEGORIES
                },
            )
        )
    return Peers(card.period, card.score, as_of, cohorts)
