"""A support record as stored and shown (contract 8), its identity, and what a write does to it.

Identity is (org, external_ref): `record_id` is derived from it, so a re-post finds its record with
one key read. A write of an existing identity makes a new version, keeps the earlier ones, and
moves the status only along the chain; the same fields again make nothing new, and a field left out
keeps its stored value. `period` and the
card fields (`score_at_time`, …) are taken from the card the decision relied on when the record is
first written and never change afterwards.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Final

from pydantic import BaseModel, ConfigDict

from chalicelib.domain.numbers import Num
from chalicelib.domain.support.chain import check_transition
from chalicelib.domain.support.fields import (
    Collateral,
    Kind,
    OrgType,
    Status,
    SupportInput,
    SupportProblem,
    check_across_fields,
)

_NAMESPACE: Final = uuid.UUID("5b0f1c0e-7d1a-4c56-9a51-6a2f3e1d8c41")  # fixed: ids must never move

# What the writer controls: comparing these decides whether a write changes anything.
WRITER_FIELDS: Final[tuple[str, ...]] = tuple(SupportInput.model_fields)


def record_id_for(org: str, external_ref: str) -> str:
    """The record's id: the same identity gives the same id, in every process, forever."""
    return str(uuid.uuid5(_NAMESPACE, f"{org}\n{external_ref}"))


@dataclass(frozen=True, slots=True)
class CardSnapshot:
    """What a record copies from the score card its decision relied on, plus where the enterprise is."""

    credit_code: str
    period: int
    score: Decimal
    grade: str
    whitelisted: bool
    model_version: str
    region_code: str
    name: str


class SupportRecord(BaseModel):
    """One version of one record, exactly the contract's shape."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    record_id: str
    credit_code: str
    org: str
    org_type: OrgType
    external_ref: str
    kind: Kind
    product: str | None
    status: Status
    amount_wan: Num | None
    rate_pct: Num | None
    term_months: int | None
    collateral: Collateral | None
    reject_reason: str | None
    occurred_on: date
    period: int
    score_at_time: Num
    grade_at_time: str
    whitelisted_at_time: bool
    model_version: str
    recorded_at: str
    version: int
    product_id: str | None = None  # a bank's product (contract 18)


class Outcome(StrEnum):
    CREATED = "created"  # 201
    UPDATED = "updated"  # 200, a new version
    UNCHANGED = "unchanged"  # 200, nothing written


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: Outcome
    record: SupportRecord  # the record after the write (the stored one when unchanged)


def create(written: SupportInput, org: str, org_type: OrgType, card: CardSnapshot, now: str) -> Decision:
    """The first version of a new identity, with the card's fields copied onto it."""
    if written.period is not None and written.period != card.period:
        raise ValueError("the card must be the one of the record's period")
    record = SupportRecord(
        record_id=record_id_for(org, written.external_ref),
        org=org,
        org_type=org_type,
        **written.model_dump(exclude={"period"}),
        period=card.period,
        score_at_time=card.score,
        grade_at_time=card.grade,
        whitelisted_at_time=card.whitelisted,
        model_version=card.model_version,
        recorded_at=now,
        version=1,
    )
    return Decision(Outcome.CREATED, record)


def _fixed(field: str, en: str, zh: str) -> SupportProblem:
    return SupportProblem("INVALID_FIELD", field, f"{field}: {en}", f"字段 {field}：{zh}")


def update(written: SupportInput, current: SupportRecord, now: str) -> Decision:
    """The next version of an existing record, or UNCHANGED when the writer sent what is stored."""
    if written.credit_code != current.credit_code:
        raise _fixed(
            "credit_code",
            f"record {current.external_ref} belongs to {current.credit_code}; use a new ref",
            f"业务编号 {current.external_ref} 已属于企业 {current.credit_code}，其他企业请使用新的业务编号",
        )
    if written.period is not None and written.period != current.period:
        raise _fixed(
            "period",
            f"the record relies on the score of {current.period}; it cannot change",
            f"该记录依据 {current.period} 年度积分，积分年度不能变更",
        )
    # A field left out (or empty) is "not sent": it keeps its stored value, as in department files.
    sent = {k: v for k, v in written.model_dump(exclude={"period"}).items() if v is not None}
    if all(getattr(current, name) == value for name, value in sent.items()):
        return Decision(Outcome.UNCHANGED, current)
    check_transition(current.status, written.status)
    merged = {name: getattr(current, name) for name in WRITER_FIELDS if name != "period"} | sent
    check_across_fields(SupportInput.model_construct(**merged))  # each value is already checked
    record = current.model_copy(update={**sent, "recorded_at": now, "version": current.version + 1})
    return Decision(Outcome.UPDATED, record)


def decide(
    written: SupportInput,
    org: str,
    org_type: OrgType,
    current: SupportRecord | None,
    card: CardSnapshot | None,
    now: str,
) -> Decision:
    """What writing `written` as `org` does, given the stored record and (for a new one) its card."""
    if current is not None:
        return update(written, current, now)
    if card is None:
        period = f" for {written.period}" if written.period is not None else ""
        period_zh = f"{written.period} 年度" if written.period is not None else ""
        raise SupportProblem(
            "ENTERPRISE_NOT_SCORED",
            "credit_code",
            f"{written.credit_code} has no score{period}: support is recorded against a score card",
            f"企业 {written.credit_code} 没有{period_zh}积分，支持信息须依据积分记录",
        )
    return create(written, org, org_type, card, now)
