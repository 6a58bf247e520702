"""Qualification records and what they mean for a period (contract 17, 19.1), pure.

- Held on a day: valid_from ≤ day ≤ valid_to; held for P: held on 31 December of P.
- The model's flags for P: for each flag with at least one record of its kind (hnte → high_tech_enterprise,
  srdi or little_giant → srdi_enterprise, gazelle → gazelle_unicorn), 1 when one is held for P, else 0;
  only for periods in which the enterprise has another accepted value (no period is created by a
  qualification alone).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from chalicelib.domain.cultivation.programs import CultivationFile


@dataclass(frozen=True, slots=True)
class Qualification:
    """One certificate of one enterprise (identity: credit_code, qualification, certificate_no)."""

    credit_code: str
    qualification: str
    certificate_no: str
    valid_from: date
    valid_to: date
    department: str = ""
    batch_id: str = ""
    received_at: str = ""
    order: str = ""

    @property
    def identity(self) -> tuple[str, str, str]:
        return (self.credit_code, self.qualification, self.certificate_no)

    def held_on(self, day: date) -> bool:
        return self.valid_from <= day <= self.valid_to

    def held_for(self, period: int) -> bool:
        return self.held_on(date(period, 12, 31))


def holds(catalogue: CultivationFile, records: Iterable[Qualification], period: int) -> frozenset[str]:
    """Qualification ids held for P, with what each counts as (小巨人 holds 专精特新 too)."""
    return catalogue.expand(r.qualification for r in records if r.held_for(period))


def flag_values(
    catalogue: CultivationFile, records: Iterable[Qualification], periods: Iterable[int]
) -> dict[int, dict[str, Decimal]]:
    """period → flag indicator → 1 or 0, for the flags the enterprise has records of."""
    kinds = catalogue.flags()
    mine = list(records)
    out: dict[int, dict[str, Decimal]] = {}
    for period in sorted(set(periods)):
        values: dict[str, Decimal] = {}
        for flag, qualifications in kinds.items():
            of_kind = [r for r in mine if r.qualification in qualifications]
            if of_kind:
                values[flag] = Decimal(1) if any(r.held_for(period) for r in of_kind) else Decimal(0)
        if values:
            out[period] = values
    return out


def flag_periods(facts: Mapping[int, Iterable[str]], flags: Iterable[str]) -> list[int]:
    """Periods with at least one accepted value other than the qualification flags themselves."""
    own = set(flags)
    return sorted(p for p, indicators in facts.items() if any(i not in own for i in indicators))
