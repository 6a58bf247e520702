"""Building score records fast: the very same frozen dataclasses, their slots filled directly."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from decimal import Decimal
from typing import Any, Final

from chalicelib.domain.records import (
    CategoryScore,
    IndicatorScore,
    ScoreCard,
)

# --- building records fast ---------------------------------------------------------------------------
# A frozen dataclass's __init__ goes through object.__setattr__ once per field, which made building the
# ~30 records of a card the largest cost of scoring. Filling the slots directly gives the very same
# objects (same class, same fields, same equality) at a third of the cost. The field lists are checked
# at import, so a change to records.py fails loudly here instead of filling the wrong slot.
_Setter = Callable[[object, Any], None]
new_object = object.__new__


def _slot_setters(cls: type, names: tuple[str, ...]) -> tuple[_Setter, ...]:
    if tuple(f.name for f in fields(cls)) != names or "__slots__" not in vars(cls):  # pragma: no cover
        raise ImportError(f"records.{cls.__name__} changed its fields: update scoring.engine")
    return tuple(getattr(cls, name).__set__ for name in names)


s_id, s_name, s_cat, s_value, s_points, s_max, s_source, s_batch, s_text = _slot_setters(
    IndicatorScore,
    (
        "id",
        "name_zh",
        "category",
        "value",
        "points",
        "max_points",
        "source_department",
        "batch_id",
        "explanation",
    ),
)
_c_id, _c_points, _c_max = _slot_setters(CategoryScore, ("id", "points", "max"))
_CARD_FIELDS: Final = (
    "credit_code",
    "period",
    "model_version",
    "stage",
    "indicators",
    "categories",
    "core",
    "bonus",
    "deductions",
    "veto",
    "score",
    "grade",
    "whitelisted",
    "completeness",
    "discrepancies",
)
_CARD_SETTERS: Final = _slot_setters(ScoreCard, _CARD_FIELDS)


def indicator_entry(
    id: str,
    name_zh: str,
    category: str,
    value: Decimal | None,
    points: Decimal,
    max_points: Decimal,
    source: str | None,
    batch: str | None,
    text: str,
) -> IndicatorScore:
    item: IndicatorScore = new_object(IndicatorScore)
    s_id(item, id)
    s_name(item, name_zh)
    s_cat(item, category)
    s_value(item, value)
    s_points(item, points)
    s_max(item, max_points)
    s_source(item, source)
    s_batch(item, batch)
    s_text(item, text)
    return item


def category_score(id: str, points: Decimal, max: Decimal) -> CategoryScore:
    item: CategoryScore = new_object(CategoryScore)
    _c_id(item, id)
    _c_points(item, points)
    _c_max(item, max)
    return item


def build_card(*values: Any) -> ScoreCard:
    """A ScoreCard from its fields in `_CARD_FIELDS` order."""
    card: ScoreCard = new_object(ScoreCard)
    for setter, value in zip(_CARD_SETTERS, values, strict=True):
        setter(card, value)
    return card
