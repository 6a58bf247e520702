"""Plain domain records shared by validation, scoring, stores and queries.

Frozen dataclasses and named tuples (not pydantic): the scoring hot path builds millions of them, and
pydantic stays at the boundaries (files, events, API). Amounts are Decimal; flags are Decimal 1 or 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from chalicelib.domain.model.schema import Stage


@dataclass(frozen=True, slots=True)
class Master:
    """An enterprise's master record (registry, 2.1): the latest upload wins."""

    credit_code: str
    name: str
    established_on: date
    region_code: str
    industry_code: str
    batch_id: str = ""
    received_at: str = ""  # ISO-8601 UTC of the upload


@dataclass(frozen=True, slots=True)
class FactValue:
    """The current value of one indicator of one enterprise for one period, with its provenance."""

    value: Decimal
    department: str
    batch_id: str
    received_at: str = ""


@dataclass(frozen=True, slots=True)
class EnterpriseData:
    """Everything scoring needs about one enterprise: master data and its current facts.

    `facts[period][indicator_id]` holds scored departments' values; `cross_checks` holds the
    `stats` department's values the same way (never scored, compared for discrepancies).
    """

    credit_code: str
    master: Master | None
    facts: Mapping[int, Mapping[str, FactValue]] = field(default_factory=dict)
    cross_checks: Mapping[int, Mapping[str, FactValue]] = field(default_factory=dict)
    zone_id: str | None = (
        None  # the zone of its membership valid today, merges not yet followed (contract 14)
    )


class IndicatorScore(NamedTuple):
    """One indicator's entry on a card: numbers only; its sentence is rendered when read (`explain.py`).

    A named tuple rather than a frozen dataclass: a card holds ~30 of them and a national rescore makes
    ~15 million, and a tuple is built seven times faster than a dataclass's slots are filled.
    """

    id: str
    name_zh: str
    category: str | None  # None for input-only indicators (not listed on a card)
    value: Decimal | None  # None: missing (see `why`)
    points: Decimal  # 2 decimals; negative for deductions
    max_points: Decimal  # weight for core, points/cap for bonus, 0 for negative
    source_department: str | None  # a department id, "derived", or None when missing
    batch_id: str | None
    why: str | None = None  # why the value is missing (`scoring.compiled.WHY_CODES`); None when present
    numerator: Decimal | None = None  # derived: the ratio's numerator, or growth's value of the period
    base: Decimal | None = None  # derived: the ratio's denominator, or growth's previous-period value
    # The sentence itself, only on a card stored before cards held numbers only (shown as it was stored)
    explanation: str | None = None


class CategoryScore(NamedTuple):
    id: str
    points: Decimal
    max: Decimal


@dataclass(frozen=True, slots=True)
class Discrepancy:
    """A `stats` value more than the model's tolerance away from the scored value (多源校核)."""

    indicator: str
    period: int
    scored_value: Decimal
    scored_department: str
    stats_value: Decimal
    gap_pct: Decimal  # |stats - scored| / |scored| x 100, 2 decimals
    stats_batch_id: str


@dataclass(frozen=True, slots=True)
class ScoreCard:
    """One enterprise's score for one period under one model version."""

    credit_code: str
    period: int
    model_version: str
    stage: Stage
    indicators: tuple[IndicatorScore, ...]
    categories: tuple[CategoryScore, ...]
    core: Decimal
    bonus: Decimal  # after the cap
    deductions: Decimal  # positive number subtracted
    veto: bool
    score: Decimal  # clamp(core + bonus - deductions, 0, scale), 2 decimals
    grade: str
    whitelisted: bool
    completeness: Decimal  # core indicators with a value / number of core indicators, 4 decimals
    discrepancies: tuple[Discrepancy, ...] = ()


@dataclass(frozen=True, slots=True)
class WhitelistState:
    """The last published whitelist state of an enterprise for a period."""

    listed: bool
    score: Decimal | None
    grade: str | None
    sequence: int  # number of events published so far for (enterprise, period)


@dataclass(frozen=True, slots=True)
class WhitelistChange:
    """What a new score card does to the whitelist: the event type and the next state."""

    type: str  # whitelist.entered | whitelist.left | whitelist.grade_changed
    previous: WhitelistState | None
    state: WhitelistState
