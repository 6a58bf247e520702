"""Candidate arithmetic of contract 17: per criterion threshold, actual, met and gap; unmet; closeness.

- `threshold`: the criterion's value, or its band's by the band field (hnte: rd_intensity ≥ 5 when
  operating_revenue ≤ 5000, ≥ 4 when ≤ 20000, else ≥ 3; with revenue missing, the ≥ 5 band).
- `gap`: threshold − actual for `>=`, actual − threshold for `<=`; 0 when met; None when the value is
  missing (then unmet).
- `closeness`: the mean over the criteria of min(actual / threshold, 1) for `>=` and
  min(threshold / actual, 1) for `<=` (missing: 0; a zero denominator: 1; never below 0), rounded
  half-up to 4 decimals. Candidates are ordered by unmet, then this published closeness descending,
  then credit code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from chalicelib.domain.cultivation.programs import AGE, IP_PARTS, IP_TOTAL, CriterionDef, ProgramDef

_ZERO: Final = Decimal(0)
_ONE: Final = Decimal(1)
_PLACES: Final = Decimal("0.0001")


@dataclass(frozen=True, slots=True)
class CriterionResult:
    id: str
    name_zh: str
    field: str
    op: str
    threshold: Decimal
    actual: Decimal | None
    met: bool
    gap: Decimal | None

    @property
    def ratio(self) -> Decimal:
        """This criterion's share of closeness, in [0, 1]."""
        if self.actual is None:
            return _ZERO
        if self.met:
            return _ONE
        numerator, denominator = (
            (self.actual, self.threshold) if self.op == ">=" else (self.threshold, self.actual)
        )
        if denominator == 0:
            return _ONE
        return max(_ZERO, min(numerator / denominator, _ONE))


@dataclass(frozen=True, slots=True)
class Assessment:
    program: str
    held: bool
    unmet: int
    closeness: Decimal  # 4 decimals, half-up
    criteria: tuple[CriterionResult, ...]

    def sort_key(self, credit_code: str) -> tuple[int, Decimal, str]:
        return (self.unmet, -self.closeness, credit_code)


def field_value(values: Mapping[str, Decimal | None], age: int | None, field: str) -> Decimal | None:
    """A criterion field's value for P: `age`, `ip_total`, or the indicator's value (None: missing)."""
    if field == AGE:
        return None if age is None else Decimal(age)
    if field == IP_TOTAL:
        parts = [values.get(part) for part in IP_PARTS]
        present = [p for p in parts if p is not None]
        return sum(present, _ZERO) if present else None
    return values.get(field)


def evaluate(
    criterion: CriterionDef, values: Mapping[str, Decimal | None], age: int | None
) -> CriterionResult:
    band = values.get(criterion.bands.by) if criterion.bands is not None else None
    threshold = criterion.threshold(band)
    actual = field_value(values, age, criterion.field)
    if actual is None:
        met, gap = False, None
    elif criterion.op == ">=":
        met = actual >= threshold
        gap = _ZERO if met else threshold - actual
    else:
        met = actual <= threshold
        gap = _ZERO if met else actual - threshold
    return CriterionResult(
        criterion.id, criterion.name_zh, criterion.field, criterion.op, threshold, actual, met, gap
    )


def round4(value: Decimal) -> Decimal:
    return value.quantize(_PLACES, rounding=ROUND_HALF_UP)


def assess(
    program: ProgramDef, values: Mapping[str, Decimal | None], age: int | None, held: bool = False
) -> Assessment:
    """One enterprise's standing against one program for P (`values`: its indicator values for P)."""
    results = tuple(evaluate(c, values, age) for c in program.criteria)
    unmet = sum(1 for r in results if not r.met)
    closeness = round4(sum((r.ratio for r in results), _ZERO) / len(results))
    return Assessment(program.id, held, unmet, closeness, results)


def age_for(period: int, established_year: int | None) -> int | None:
    """P − year(established_on); None without master data."""
    return None if established_year is None else period - established_year
