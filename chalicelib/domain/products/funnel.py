"""The product funnel (contract 18, 19.1): what became of the support records naming one product.

Over the current support records naming the product with `period` P:
- `records`: counted by current status, every status present;
- `disbursed_wan` and `mean_rate_pct` (weighted by amount, 2 decimals half-up) over `disbursed` and
  `repaid` records (a record without a rate or with amount 0 weighs nothing in the mean);
- `terms_honoured`: the `disbursed` and `repaid` records whose `grade_at_time` has terms are checked;
  one is honoured when its rate ≤ the terms' rate, its amount ≤ the ceiling and its term ≤ the longest
  term (a figure the record does not carry is not held against it); `share` 4 decimals, null when none;
- `decision_days_median`: over records whose versions went from `applied` to `approved` or `rejected`,
  the days from the `occurred_on` of the first `applied` version to that of the first decision
  (`Milestones`, kept beside each record as it is written), median as contract 13; null when none.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Final

from pydantic import BaseModel, ConfigDict

from chalicelib.domain.numbers import Num
from chalicelib.domain.reports.figures import half_up, median, share
from chalicelib.domain.support.fields import STATUSES

REACHED: Final = frozenset({"disbursed", "repaid"})
DECISIONS: Final = frozenset({"approved", "rejected"})
_ZERO: Final = Decimal(0)


@dataclass(frozen=True, slots=True)
class Milestones:
    """When a record was first applied for, and first decided after that (None: not (yet))."""

    applied_on: date | None = None
    decided_on: date | None = None


def next_milestones(previous: Milestones | None, status: str, occurred_on: date) -> Milestones:
    """The milestones after a version at `status` on `occurred_on` is written."""
    was = previous or Milestones()
    if was.applied_on is None:
        return Milestones(occurred_on if status == "applied" else None, None)
    if was.decided_on is None and status in DECISIONS:
        return Milestones(was.applied_on, occurred_on)
    return was


@dataclass(frozen=True, slots=True)
class FunnelRecord:
    """One current support record naming a product, as far as the funnel counts it."""

    status: str
    amount_wan: Decimal | None
    rate_pct: Decimal | None
    term_months: int | None
    grade_at_time: str
    milestones: Milestones = Milestones()


class TermsHonoured(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    checked: int
    honoured: int
    share: Num | None


class Funnel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    records: dict[str, int]
    disbursed_wan: Num
    mean_rate_pct: Num | None
    terms_honoured: TermsHonoured
    decision_days_median: Num | None


def _number(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def honours(record: FunnelRecord, terms: Mapping[str, Any]) -> bool:
    """The record kept within its grade's terms: rate, amount and term at most the promised ones."""
    if record.rate_pct is not None and record.rate_pct > _number(terms["rate_pct"]):
        return False
    if record.amount_wan is not None and record.amount_wan > _number(terms["max_amount_wan"]):
        return False
    return record.term_months is None or record.term_months <= int(terms["max_term_months"])


def funnel(records: Iterable[FunnelRecord], terms: Mapping[str, Mapping[str, Any]]) -> Funnel:
    """The funnel of one product over its records of one period; `terms` the product's, by grade."""
    counts = dict.fromkeys(STATUSES, 0)
    disbursed = rated = rate_x = _ZERO
    checked = honoured = 0
    days: list[Decimal] = []
    for record in records:
        counts[record.status] = counts.get(record.status, 0) + 1
        if record.status in REACHED:
            amount = record.amount_wan or _ZERO
            disbursed += amount
            if record.rate_pct is not None and amount > 0:
                rated += amount
                rate_x += record.rate_pct * amount
            grade_terms = terms.get(record.grade_at_time)
            if grade_terms is not None:
                checked += 1
                honoured += honours(record, grade_terms)
        applied, decided = record.milestones.applied_on, record.milestones.decided_on
        if applied is not None and decided is not None:
            days.append(Decimal((decided - applied).days))
    return Funnel(
        records=counts,
        disbursed_wan=half_up(disbursed),
        mean_rate_pct=half_up(rate_x / rated) if rated > 0 else None,
        terms_honoured=TermsHonoured(checked=checked, honoured=honoured, share=share(honoured, checked)),
        decision_days_median=median(sorted(days)),
    )
