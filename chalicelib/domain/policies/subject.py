"""What a criterion sees of an enterprise: its score card for the policy's period plus master data.

`age` is the period minus the year of establishment (contract 9). `rank` is the rank within
(period, stage) when the caller has it (it is counted from the score index, so only for trees that
name it); otherwise it is missing. Flag indicators are true/false, other values Decimal.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from chalicelib.domain.policies.evaluation import Actual
from chalicelib.domain.policies.vocabulary import CATEGORY_PREFIX, INDICATOR_PREFIX, Vocabulary
from chalicelib.domain.records import ScoreCard


def subject_of(
    card: ScoreCard,
    vocabulary: Vocabulary,
    *,
    region_code: str | None,
    industry_code: str | None,
    established_on: date | None,
    rank: int | None = None,
    zone: Mapping[str, str] | None = None,
) -> dict[str, Actual]:
    subject: dict[str, Actual] = {
        "score": card.score,
        "grade": card.grade,
        "stage": card.stage,
        "whitelisted": card.whitelisted,
        "veto": card.veto,
        "completeness": card.completeness,
        "rank": Decimal(rank) if rank is not None else None,
        "region_code": region_code or None,
        "industry_code": industry_code or None,
        "age": Decimal(card.period - established_on.year) if established_on is not None else None,
    }
    subject.update(zone or {})  # zone_id, zone_type, zone_level (contract 14); absent without a zone
    for category in card.categories:
        subject[CATEGORY_PREFIX + category.id] = category.points
    for indicator in card.indicators:
        if indicator.value is None:
            continue
        name = INDICATOR_PREFIX + indicator.id
        kind = vocabulary.kind(name)
        subject[name] = bool(indicator.value) if kind == "flag" else indicator.value
    return subject
