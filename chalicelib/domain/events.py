"""Whitelist change events (contract section 4): the message body and its SNS attributes.

Pure: built from the change, the new card and the master record. The id is derived from
(credit code, period, sequence), so one change has one id however often it is built or delivered,
and two different changes never share one.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Final, Protocol

from chalicelib.domain.records import ScoreCard, WhitelistChange
from chalicelib.domain.timestamps import stamp_s

# Fixed forever: changing it would give already-published changes new ids.
EVENT_ID_NAMESPACE: Final = uuid.UUID("6f1c2a0e-5b0d-4a55-9a3e-2b8f4f1d7c11")

BODY_FIELDS: Final = (
    "id",
    "type",
    "time",
    "credit_code",
    "name",
    "period",
    "region_code",
    "industry_code",
    "stage",
    "score",
    "grade",
    "previous_score",
    "previous_grade",
    "veto",
    "sequence",
    "model_version",
    "batch_id",
)
ATTRIBUTE_NAMES: Final = ("type", "period", "region", "stage", "grade")
WHITELIST_TOPIC: Final = "whitelist"  # the outbox's name for the topic of these events


class Listing(Protocol):
    """Where an enterprise is listed: its master record, or the copy kept on a stored card."""

    @property
    def name(self) -> str: ...
    @property
    def region_code(self) -> str: ...
    @property
    def industry_code(self) -> str: ...


@dataclass(frozen=True, slots=True)
class ChangeEvent:
    id: str
    body: dict[str, Any]  # JSON-ready: numbers are int/float, never Decimal
    attributes: dict[str, str]  # SNS message attributes, all of DataType String
    topic: str = WHITELIST_TOPIC  # which topic the outbox relay publishes it to

    @property
    def credit_code(self) -> str:
        return str(self.body["credit_code"])

    @property
    def period(self) -> int:
        return int(self.body["period"])

    @property
    def sequence(self) -> int:
        return int(self.body["sequence"])


def event_id(credit_code: str, period: int, sequence: int) -> str:
    """The id of the `sequence`-th change of (enterprise, period): stable across redeliveries."""
    return str(uuid.uuid5(EVENT_ID_NAMESPACE, f"{credit_code}#{period}#{sequence}"))


def region_attribute(region_code: str) -> str:
    """The `region` attribute: the city part (first 4 digits) of the administrative code."""
    return region_code[:4]


def _number(value: Decimal | None) -> float | None:
    # Scores carry 2 decimals and stay within 0..1000: a float prints them exactly (812.5, 600.25).
    return None if value is None else float(value)


def build_event(
    change: WhitelistChange,
    card: ScoreCard,
    listing: Listing,
    *,
    batch_id: str | None,
    time: datetime,
) -> ChangeEvent:
    """The contract 4 message for one change.

    `card` holds the new score, grade, stage and veto; `listing` (usually the master record) the name,
    region and industry.
    """
    previous = change.previous
    sequence = change.state.sequence
    eid = event_id(card.credit_code, card.period, sequence)
    body: dict[str, Any] = {
        "id": eid,
        "type": change.type,
        "time": stamp_s(time),
        "credit_code": card.credit_code,
        "name": listing.name,
        "period": card.period,
        "region_code": listing.region_code,
        "industry_code": listing.industry_code,
        "stage": card.stage,
        "score": _number(card.score),
        "grade": card.grade,
        "previous_score": _number(previous.score) if previous is not None else None,
        "previous_grade": previous.grade if previous is not None else None,
        "veto": card.veto,
        "sequence": sequence,
        "model_version": card.model_version,
        "batch_id": batch_id,
    }
    attributes = {
        "type": change.type,
        "period": str(card.period),
        "region": region_attribute(listing.region_code),
        "stage": card.stage,
        "grade": card.grade,
    }
    return ChangeEvent(id=eid, body=body, attributes=attributes)
