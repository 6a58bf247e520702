"""An objection (异议, contract 16) and its rules: which fields may be contested, who answers, how its
status moves, what its events say. Pure: no AWS, no clock (callers pass the moment).

Values are kept as text in one canonical form: an indicator's value as `values.canonical_text` of
the number an upload would store, a master field as the upload would store it (a date in ISO form),
None for "absent". `value_out` turns them back into what the API shows (numbers for indicators).
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any, Final, Literal

from chalicelib.domain.events import ChangeEvent, region_attribute
from chalicelib.domain.messages import Code, issue
from chalicelib.domain.model.schema import ScoringModel
from chalicelib.domain.values import (
    ValueProblem,
    canonical_text,
    parse_date,
    parse_indicator,
    parse_industry,
    parse_name,
    parse_region,
)

Status = Literal["open", "corrected", "rejected", "withdrawn"]
Decision = Literal["corrected", "rejected"]
OPEN: Final = "open"
CORRECTED: Final = "corrected"
REJECTED: Final = "rejected"
WITHDRAWN: Final = "withdrawn"
STATUSES: Final = (OPEN, CORRECTED, REJECTED, WITHDRAWN)
MOVES: Final[dict[str, frozenset[str]]] = {OPEN: frozenset({CORRECTED, REJECTED, WITHDRAWN})}

MASTER_FIELDS: Final = ("name", "established_on", "region_code", "industry_code")
MASTER_DEPARTMENT: Final = "registry"
MAX_REASON_CHARS: Final = 1000
MAX_EVIDENCE_CHARS: Final = 2000

OBJECTION_TOPIC: Final = "objection"  # the outbox's name for these events; they go to the policy topic
OPENED: Final = "objection.opened"
RESOLVED: Final = "objection.resolved"
BATCH_PREFIX: Final = "objection:"
# Fixed forever: changing it would give already-published events new ids.
EVENT_NAMESPACE: Final = uuid.UUID("0b7e3c52-93a1-4f0e-8d55-6c2f1a9e4b27")


class NotObjectableError(ValueError):
    """A derived indicator: it follows from its inputs, which are what may be contested."""

    def __init__(self, field_text: str, inputs: tuple[str, ...]) -> None:
        names = ", ".join(f"indicator.{i}" for i in inputs)
        super().__init__(f"{field_text} is derived: object to its inputs ({names})")
        self.field = field_text
        self.inputs = inputs


class UnknownFieldError(ValueError):
    """Not `indicator.<id>` of the model nor `master.<name|established_on|region_code|industry_code>`."""


class ClaimProblem(ValueError):
    """A claimed or corrected value the upload would refuse: its contract code and messages."""

    def __init__(self, field: str, code: str, message_zh: str, message_en: str) -> None:
        super().__init__(f"{field}: {message_en}")
        self.field = field
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en


@dataclass(frozen=True, slots=True)
class FieldRef:
    kind: Literal["indicator", "master"]
    name: str

    @property
    def text(self) -> str:
        return f"{self.kind}.{self.name}"

    @property
    def is_master(self) -> bool:
        return self.kind == "master"


def field_ref(model: ScoringModel, text: str) -> FieldRef:
    """The field an objection names; NotObjectableError for a derived indicator, else UnknownFieldError."""
    kind, _, name = text.partition(".")
    if kind == "master" and name in MASTER_FIELDS:
        return FieldRef("master", name)
    if kind == "indicator":
        try:
            ind = model.indicator(name)
        except KeyError:
            ind = None
        if ind is not None:
            if ind.derived is not None:
                raise NotObjectableError(text, ind.derived.inputs)
            return FieldRef("indicator", name)
    raise UnknownFieldError(
        f"{text!r}: use indicator.<an uploadable indicator id> or master.<{'|'.join(MASTER_FIELDS)}>"
    )


def _problem(
    ref: FieldRef, where: str, problem: ValueProblem, raw: object, name_zh: str, unit: str
) -> ClaimProblem:
    params: dict[str, Any] = {"unit": unit, **problem.params}
    found = issue(
        problem.code,
        variant=problem.variant,
        column=ref.name,
        column_zh=name_zh,
        value=raw,
        **params,
    )
    return ClaimProblem(where, str(problem.code), found.message_zh, found.message_en)


def parse_value(model: ScoringModel, ref: FieldRef, raw: object, *, today: date, where: str) -> str | None:
    """`raw` as an upload would take it, in canonical text; None: "should be absent" (indicators only).

    ClaimProblem (naming `where`) when the upload would refuse it."""
    if ref.is_master:
        parsers = {
            "name": parse_name,
            "established_on": lambda r: parse_date(r, today=today).isoformat(),
            "region_code": parse_region,
            "industry_code": parse_industry,
        }
        names_zh = {
            "name": "企业名称",
            "established_on": "成立日期",
            "region_code": "行政区划代码",
            "industry_code": "行业代码",
        }
        if raw is None:
            return _master_absent(ref, where)
        try:
            return str(parsers[ref.name](raw))
        except ValueProblem as problem:
            raise _problem(ref, where, problem, raw, names_zh[ref.name], "") from None
    ind = model.indicator(ref.name)
    if raw is None:
        return None
    if isinstance(raw, float):
        raw = Decimal(repr(raw))  # JSON numbers as written, not as binary floats
    try:
        parsed = parse_indicator(raw, ind)
    except ValueProblem as problem:
        raise _problem(ref, where, problem, raw, ind.name_zh, ind.unit or "") from None
    return None if parsed is None else canonical_text(parsed)


def _master_absent(ref: FieldRef, where: str) -> str:
    raise ClaimProblem(
        where,
        str(Code.INVALID_VALUE),
        f"登记信息“{ref.name}”不能为空：请给出正确的取值",
        f"master data {ref.name} cannot be absent: give the right value",
    )


def value_out(ref_text: str, text: str | None) -> Decimal | str | None:
    """A stored value as the API shows it: a number for an indicator, text for a master field."""
    if text is None:
        return None
    return Decimal(text) if ref_text.startswith("indicator.") else text


def answering_department(model: ScoringModel, ref: FieldRef, current_source: str | None) -> str:
    """Who answers (contract 16): the source of the current value, else who may send the field."""
    if current_source and model.department(current_source) is not None:
        return current_source
    if ref.is_master:
        return MASTER_DEPARTMENT
    return model.indicator(ref.name).source


def may_move(status: str, to: str) -> bool:
    return to in MOVES.get(status, frozenset())


@dataclass(frozen=True, slots=True)
class Objection:
    """One objection as it is now (its `version`-th state)."""

    objection_id: str
    credit_code: str
    period: int
    field: str
    current_value: str | None
    claimed_value: str | None
    reason: str
    department: str
    status: str
    opened_at: str
    due_on: str  # ISO date, China
    version: int
    region_code: str | None = None
    zone_id: str | None = None
    evidence: str | None = None
    opened_by: str | None = None
    decision: str | None = None
    value: str | None = None  # the value written by a correction
    resolve_reason: str | None = None
    resolved_at: str | None = None
    resolved_by: str | None = None
    updated_at: str | None = None
    delivery: dict[str, Any] | None = None  # 赣企通 forwarding of objection.resolved

    @property
    def batch_id(self) -> str:
        return BATCH_PREFIX + self.objection_id

    def overdue(self, today: date) -> bool:
        return self.status == OPEN and date.fromisoformat(self.due_on) < today

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Objection:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def moved(self, **changes: Any) -> Objection:
        return replace(self, version=self.version + 1, **changes)


def objection_event_id(objection_id: str, sequence: int) -> str:
    """opened is sequence 1, resolved 2: one id per event however often it is built or sent."""
    return str(uuid.uuid5(EVENT_NAMESPACE, f"{objection_id}#{sequence}"))


def build_event(objection: Objection, event_type: str, time: str) -> ChangeEvent:
    """The contract 16 message of `objection` as it is now; `time` in the contract's form (seconds, Z)."""
    sequence = 1 if event_type == OPENED else 2
    eid = objection_event_id(objection.objection_id, sequence)
    body: dict[str, Any] = {
        "id": eid,
        "type": event_type,
        "time": time,
        "objection_id": objection.objection_id,
        "credit_code": objection.credit_code,
        "period": objection.period,
        "field": objection.field,
        "status": objection.status,
        "department": objection.department,
        "claimed_value": _json(value_out(objection.field, objection.claimed_value)),
        "decision": objection.decision,
        "value": _json(value_out(objection.field, objection.value)),
        "due_on": objection.due_on,
        "sequence": sequence,
    }
    attributes = {"type": event_type, "region": region_attribute(objection.region_code or "36")}
    return ChangeEvent(eid, body, attributes, topic=OBJECTION_TOPIC)


def _json(value: Decimal | str | None) -> int | float | str | None:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value
