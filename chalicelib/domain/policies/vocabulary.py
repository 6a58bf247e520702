"""What a criterion may name (contract 9): the fields of a score card and master data, and their kinds.

The kind decides which operators and values a leaf may use. Indicator and category fields come from
the scoring model, so a new model version brings its own vocabulary without code changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import Final, Literal

from chalicelib.domain.model.schema import ScoringModel

FieldKind = Literal["number", "flag", "text"]

# Fields every card has, whatever the model.
BASE_FIELDS: Final[Mapping[str, FieldKind]] = MappingProxyType(
    {
        "score": "number",
        "grade": "text",
        "stage": "text",
        "whitelisted": "flag",
        "veto": "flag",
        "completeness": "number",
        "rank": "number",
        "region_code": "text",
        "industry_code": "text",
        "age": "number",
        "zone_id": "text",  # contract 14: missing when the enterprise is in no zone
        "zone_type": "text",
        "zone_level": "text",
    }
)
INDICATOR_PREFIX: Final = "indicator."
CATEGORY_PREFIX: Final = "category."


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """Field name -> kind, for one scoring model."""

    fields: Mapping[str, FieldKind]
    stages: frozenset[str]
    grades: frozenset[str]

    def kind(self, field: str) -> FieldKind | None:
        return self.fields.get(field)


@cache
def vocabulary_of(model: ScoringModel) -> Vocabulary:
    fields: dict[str, FieldKind] = dict(BASE_FIELDS)
    for category in model.categories:
        fields[CATEGORY_PREFIX + category.id] = "number"
    for indicator in model.indicators:
        fields[INDICATOR_PREFIX + indicator.id] = "flag" if indicator.type == "flag" else "number"
    return Vocabulary(
        fields=MappingProxyType(fields),
        stages=frozenset(s.id for s in model.stages),
        grades=frozenset(g.grade for g in model.grades),
    )
