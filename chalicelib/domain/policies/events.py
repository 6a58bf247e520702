"""Policy match events (contract 9): `policy.matched` / `policy.unmatched`, ordered per (policy, enterprise).

The id is derived from (policy, enterprise, sequence), like whitelist events' ids, so one change has
one id however often it is built or delivered; 赣企通 receives it as the `Idempotency-Key`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Final

from chalicelib.domain.events import ChangeEvent, region_attribute
from chalicelib.domain.policies.evaluation import Reason
from chalicelib.domain.policies.policy import Policy
from chalicelib.domain.timestamps import stamp_s

# Fixed forever: changing it would give already-published events new ids.
POLICY_EVENT_NAMESPACE: Final = uuid.UUID("2c3d8e4f-71a6-4b0e-9d52-5f0a7c1e9b34")
MATCHED: Final = "policy.matched"
UNMATCHED: Final = "policy.unmatched"
TOPIC: Final = "policy"


def policy_event_id(policy_id: str, credit_code: str, sequence: int) -> str:
    return str(uuid.uuid5(POLICY_EVENT_NAMESPACE, f"{policy_id}#{credit_code}#{sequence}"))


@dataclass(frozen=True, slots=True)
class Matchee:
    """The enterprise side of an event: the card's fields as they are now."""

    credit_code: str
    name: str
    region_code: str
    stage: str
    score: Decimal
    grade: str


def build_policy_event(
    kind: str, policy: Policy, who: Matchee, reasons: list[Reason], sequence: int, time: datetime
) -> ChangeEvent:
    eid = policy_event_id(policy.policy_id, who.credit_code, sequence)
    body: dict[str, Any] = {
        "id": eid,
        "type": kind,
        "time": stamp_s(time),
        "policy_id": policy.policy_id,
        "policy_version": policy.version,
        "title": policy.title,
        "credit_code": who.credit_code,
        "name": who.name,
        "period": policy.period,
        "region_code": who.region_code,
        "stage": who.stage,
        "score": float(who.score),  # 2 decimals within 0..1000: a float prints them exactly
        "grade": who.grade,
        "reasons": [r.as_json() for r in reasons],
        "sequence": sequence,
        "issuer": policy.issuer,
    }
    if policy.terms is not None:  # a bank's product (contract 18): the terms of the enterprise's grade
        found = policy.terms.get(who.grade)
        body["terms"] = dict(found) if found is not None else None
    attributes = {
        "type": kind,
        "policy_id": policy.policy_id,
        "region": region_attribute(who.region_code),
        "kind": policy.kind,
    }
    return ChangeEvent(id=eid, body=body, attributes=attributes, topic=TOPIC)
