"""Membership (contract 14): a dated relation between an enterprise and a zone, with its basis.

Never derived from the address. An enterprise's zone today is the zone of the membership valid today
with the latest `valid_from` (ties: the later upload, `recorded_at`), merges followed by the catalogue.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Final, Literal

from chalicelib.domain.messages import Code
from chalicelib.domain.values import CHINA, ValueProblem, parse_date

Basis = Literal["registration_authority", "unit_list"]
REGISTRATION: Final = "registration_authority"
UNIT_LIST: Final = "unit_list"
_ANY_DAY: Final = date(9999, 12, 31)  # membership dates may lie ahead (a roll valid to year end)


@dataclass(frozen=True, slots=True)
class Membership:
    credit_code: str
    zone_id: str
    valid_from: date
    valid_to: date | None
    basis: Basis
    source: str  # the uploaded object's key
    batch_id: str
    recorded_at: str  # ISO UTC of the upload (orders ties)

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def as_dict(self) -> dict[str, Any]:
        return {
            "credit_code": self.credit_code,
            "zone_id": self.zone_id,
            "valid_from": self.valid_from.isoformat(),
            "valid_to": self.valid_to.isoformat() if self.valid_to is not None else None,
            "basis": self.basis,
            "source": self.source,
            "batch_id": self.batch_id,
            "recorded_at": self.recorded_at,
        }

    def encoded(self) -> list[str | None]:
        """The compact form kept on the enterprise's current facts item."""
        d = self.as_dict()
        return [
            d["zone_id"],
            d["valid_from"],
            d["valid_to"],
            d["basis"],
            d["source"],
            d["batch_id"],
            d["recorded_at"],
        ]


def decoded(credit_code: str, raw: Sequence[Any]) -> Membership:
    zone_id, valid_from, valid_to, basis, source, batch_id, recorded_at = raw
    return Membership(
        credit_code,
        str(zone_id),
        date.fromisoformat(str(valid_from)),
        date.fromisoformat(str(valid_to)) if valid_to else None,
        basis,
        str(source),
        str(batch_id),
        str(recorded_at),
    )


def zone_today(memberships: Iterable[Membership], today: date) -> str | None:
    """The zone of the membership valid `today` with the latest valid_from (ties: the later upload)."""
    valid = [m for m in memberships if m.valid_on(today)]
    if not valid:
        return None
    return max(valid, key=lambda m: (m.valid_from, m.recorded_at)).zone_id


def newest_first(memberships: Iterable[Membership]) -> list[Membership]:
    """`GET /enterprises/{code}/zones`: every record, newest upload first (then latest valid_from)."""
    return sorted(memberships, key=lambda m: (m.recorded_at, m.valid_from.isoformat()), reverse=True)


def membership_date(raw: object) -> date:
    """A membership date in any accepted format (2025-01-15, 2025/1/15, 20250115, 2025年1月15日, an
    XLSX date); ValueProblem INVALID_DATE for an impossible one."""
    return parse_date(raw, today=_ANY_DAY)


def check_range(valid_from: date, valid_to: date | None) -> None:
    if valid_to is not None and valid_to < valid_from:
        raise ValueProblem(Code.INVALID_DATE, "before_start")


def china_date(event_time: str) -> date:
    """An upload's date in China (UTC+8): a registry zone cell, or a roll row without `valid_from`, is
    valid from it."""
    moment = datetime.fromisoformat(event_time.replace("Z", "+00:00"))
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(CHINA).date()


def registry_membership(
    credit_code: str, zone_id: str, event_time: str, source: str, batch_id: str
) -> Membership:
    """The membership a registry row's zone cell records: valid from the upload's China date, open."""
    return Membership(
        credit_code, zone_id, china_date(event_time), None, REGISTRATION, source, batch_id, event_time
    )
