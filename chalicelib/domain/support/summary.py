"""What the records of one enterprise add up to, and which applications wait too long.

The summary is counted over every institution but shows totals only: another institution's records
stay its own (contract 8). Money that reached the enterprise is what was lent and disbursed (loans and
credit lines, still running or repaid since), as the reports count it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from typing import Final

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.domain.numbers import Num
from chalicelib.domain.support.record import SupportRecord

PAID_OUT: Final = frozenset({"disbursed", "repaid"})
# money counted as disbursed: loans and credit lines, as in reports (contract 13, 13.1)
PAID_KINDS: Final = frozenset({"loan", "credit_line"})


class SupportSummary(BaseModel):
    model_config = ConfigDict(frozen=True)

    records: int
    institutions: int
    disbursed_wan: Num
    latest_on: date | None


def summarise(records: Iterable[SupportRecord]) -> SupportSummary:
    count, orgs, paid, latest = 0, set(), Decimal(0), None
    for record in records:
        count += 1
        orgs.add(record.org)
        if record.kind in PAID_KINDS and record.status in PAID_OUT and record.amount_wan is not None:
            paid += record.amount_wan
        if latest is None or record.occurred_on > latest:
            latest = record.occurred_on
    return SupportSummary(records=count, institutions=len(orgs), disbursed_wan=paid, latest_on=latest)


def waiting_since_before(today: date, days: int) -> date:
    """An application is overdue when it was made before this day and is still `applied`."""
    return today - timedelta(days=days)


def is_overdue(record: SupportRecord, today: date, days: int) -> bool:
    """Applied by a whitelisted enterprise more than `days` days ago, and no decision since."""
    return (
        record.status == "applied"
        and record.whitelisted_at_time
        and record.occurred_on < waiting_since_before(today, days)
    )


def days_waiting(record: SupportRecord, today: date) -> int:
    return (today - record.occurred_on).days


class EnterpriseSupport(BaseModel):
    """An enterprise's support as a reader sees it: totals over every institution, and the records
    the reader may see (absent where only the totals are shown)."""

    model_config = ConfigDict(frozen=True)

    credit_code: str
    summary: SupportSummary
    items: list[SupportRecord] | None = Field(default=None, exclude_if=lambda v: v is None)
