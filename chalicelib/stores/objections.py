"""The objections table (contract 16): heads, versions, the open lock, and the transactions that move them.

Key formats (see `tables.py`): a head "O#<id>"/"HEAD" and its versions "O#<id>"/"V#<version:06d>"; a
lock "L#<code>#<period>#<field>"/"LOCK" while an objection on that value is open, so a second one
fails inside the filing transaction (409 OBJECTION_OPEN), never by a read-then-write race.

Every change is one TransactWriteItems: the head (conditional on the version read), the new version,
the lock, the enterprise's open-objections item in the facts table (what the portrait reads in its one
BatchGetItem; conditional on its version), the outbox records (events, the rescore request) and, for a
correction, the enterprise's facts item (conditional on its version) and the value's history item.
Nothing is half-written: either all of them are there, or none.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Final

from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.transactions import TransactWrite

from chalicelib.domain.events import ChangeEvent
from chalicelib.domain.objections.objection import OPEN, Objection
from chalicelib.domain.scoring.rescore_request import RescoreRequest
from chalicelib.stores.facts import OPEN_OBJECTIONS_SK, Current, current_item, enterprise_pk
from chalicelib.stores.outbox import PENDING, new_item, pending_shard
from chalicelib.stores.tables import FactItem, ObjectionItem, OutboxItem

HEAD: Final = "HEAD"
LOCK: Final = "LOCK"
ALL: Final = "ALL"
RESCORE_TOPIC: Final = "rescore"  # outbox records the relay sends to the rescore queue, not to SNS
_RESCORE_NAMESPACE: Final = uuid.UUID("5d0c8f7e-2a41-4b8e-9f3a-7e21c4d6a903")
_CONFLICT: Final = frozenset({"ConditionalCheckFailed", "TransactionConflict"})


class ObjectionOpenError(RuntimeError):
    """Another objection on the same (enterprise, period, field) is open."""


class ObjectionChangedError(RuntimeError):
    """The objection or the enterprise's facts changed since they were read: read again, decide again."""


def objection_pk(objection_id: str) -> str:
    return f"O#{objection_id}"


def version_sk(version: int) -> str:
    return f"V#{version:06d}"


def lock_pk(credit_code: str, period: int, field: str) -> str:
    return f"L#{credit_code}#{period}#{field}"


def opened_sk(objection: Objection) -> str:
    return f"{objection.opened_at}#{objection.objection_id}"


def _head(objection: Objection) -> ObjectionItem:
    return ObjectionItem(
        objection_pk(objection.objection_id),
        HEAD,
        doc=objection.to_dict(),
        version=objection.version,
        status=objection.status,
        period=objection.period,
        due_on=objection.due_on,
        region_code=objection.region_code,
        zone_id=objection.zone_id,
        opened_sk=opened_sk(objection),
        gsi_enterprise=objection.credit_code,
        gsi_department=objection.department,
        gsi_all=ALL,
    )


def _version(objection: Objection) -> ObjectionItem:
    return ObjectionItem(
        objection_pk(objection.objection_id),
        version_sk(objection.version),
        doc=objection.to_dict(),
        version=objection.version,
    )


def _lock(objection: Objection) -> ObjectionItem:
    return ObjectionItem(
        lock_pk(objection.credit_code, objection.period, objection.field),
        LOCK,
        objection_id=objection.objection_id,
    )


def of_item(item: ObjectionItem) -> Objection:
    return Objection.from_dict(dict(item.doc or {}))


def rescore_record_id(objection_id: str) -> str:
    return str(uuid.uuid5(_RESCORE_NAMESPACE, objection_id))


def rescore_outbox_item(objection_id: str, request: RescoreRequest, created_at: str) -> OutboxItem:
    """The rescore a correction requests, committed with it; the relay sends it to the rescore queue."""
    body = {"objection_id": objection_id, "sequence": 1, "request": request.model_dump(mode="json")}
    record_id = rescore_record_id(objection_id)
    return OutboxItem(
        record_id,
        status=PENDING,
        pending_shard=pending_shard(record_id),  # what the drain finds it by (the sparse by_pending index)
        created_at=created_at,
        body=body,
        attributes={},
        topic=RESCORE_TOPIC,
    )


@dataclass(frozen=True, slots=True)
class Correction:
    """What a correction writes to the enterprise's file: its current item as changed (with the version
    read) and the history item of the new value."""

    current: Current
    history: FactItem


@dataclass(frozen=True, slots=True)
class OpenMarks:
    """The enterprise's open objections as the portrait reads them (the facts table's "O" item), with
    the version read: each transaction rewrites it conditional on that version."""

    marks: dict[str, dict[str, Any]]
    version: int | None


def mark_of(objection: Objection) -> dict[str, Any]:
    return {
        "field": objection.field,
        "period": objection.period,
        "status": objection.status,
        "due_on": objection.due_on,
    }


def read_marks(credit_code: str) -> OpenMarks:
    try:
        item = FactItem.get(enterprise_pk(credit_code), OPEN_OBJECTIONS_SK, consistent_read=True)
    except FactItem.DoesNotExist:
        return OpenMarks({}, None)
    return OpenMarks(dict(item.open_objections or {}), int(item.version) if item.version is not None else 0)


def _save_marks(
    tx: TransactWrite, credit_code: str, marks: OpenMarks, changed: dict[str, dict[str, Any]]
) -> None:
    item = FactItem(
        enterprise_pk(credit_code),
        OPEN_OBJECTIONS_SK,
        kind="objections",
        open_objections=changed,
        version=(marks.version or 0) + 1,
    )
    if marks.version is None:
        tx.save(item, condition=FactItem.pk.does_not_exist())
    else:
        tx.save(item, condition=FactItem.version == marks.version)


def _connection() -> Any:
    return ObjectionItem._get_connection().connection


def _reasons(exc: TransactWriteError) -> list[str | None]:
    return [None if r is None else r.code for r in (exc.cancellation_reasons or [])]


def file(objection: Objection, event: ChangeEvent, created_at: str) -> None:
    """Write a new objection, its lock, its first version and its `objection.opened` event, together.

    ObjectionOpenError when the lock is held (another open objection on that value)."""
    marks = read_marks(objection.credit_code)
    try:
        with TransactWrite(connection=_connection()) as tx:
            tx.save(_lock(objection), condition=ObjectionItem.pk.does_not_exist())
            tx.save(_head(objection), condition=ObjectionItem.pk.does_not_exist())
            tx.save(_version(objection), condition=ObjectionItem.pk.does_not_exist())
            tx.save(new_item(event, created_at), condition=OutboxItem.id.does_not_exist())
            changed = {**marks.marks, objection.objection_id: mark_of(objection)}
            _save_marks(tx, objection.credit_code, marks, changed)
    except TransactWriteError as exc:
        reasons = _reasons(exc)
        if reasons and reasons[0] == "ConditionalCheckFailed":
            raise ObjectionOpenError(objection.field) from exc
        if any(r in _CONFLICT for r in reasons) or exc.cause_response_code == "TransactionConflictException":
            raise ObjectionChangedError(objection.objection_id) from exc
        raise


def move(
    before: Objection,
    after: Objection,
    created_at: str,
    *,
    events: Sequence[ChangeEvent] = (),
    correction: Correction | None = None,
    rescore: RescoreRequest | None = None,
) -> None:
    """Commit `before` -> `after` (an open objection closed) with everything that goes with it.

    ObjectionChangedError when the head or the facts item changed since read (nothing written)."""
    head_condition: Condition = (ObjectionItem.version == before.version) & (ObjectionItem.status == OPEN)
    marks = read_marks(before.credit_code)
    try:
        with TransactWrite(connection=_connection()) as tx:
            tx.save(_head(after), condition=head_condition)
            tx.save(_version(after), condition=ObjectionItem.pk.does_not_exist())
            tx.delete(_lock(before), condition=ObjectionItem.objection_id == before.objection_id)
            remaining = {k: v for k, v in marks.marks.items() if k != before.objection_id}
            _save_marks(tx, before.credit_code, marks, remaining)
            for event in events:
                tx.save(new_item(event, created_at), condition=OutboxItem.id.does_not_exist())
            if correction is not None:
                item = current_item(correction.current)
                read = correction.current.version
                item.version = (read or 0) + 1
                if read:
                    tx.save(item, condition=FactItem.version == read)
                else:
                    tx.save(item, condition=FactItem.pk.does_not_exist())
                tx.save(correction.history)
            if rescore is not None:
                tx.save(
                    rescore_outbox_item(after.objection_id, rescore, created_at),
                    condition=OutboxItem.id.does_not_exist(),
                )
    except TransactWriteError as exc:
        reasons = _reasons(exc)
        if any(r in _CONFLICT for r in reasons) or exc.cause_response_code == "TransactionConflictException":
            raise ObjectionChangedError(before.objection_id) from exc
        raise


def get(objection_id: str) -> Objection | None:
    try:
        item = ObjectionItem.get(objection_pk(objection_id), HEAD, consistent_read=True)
    except ObjectionItem.DoesNotExist:
        return None
    return of_item(item)


def versions(objection_id: str) -> list[Objection]:
    """Every state, oldest first."""
    query = ObjectionItem.query(
        objection_pk(objection_id), ObjectionItem.sk.startswith("V#"), consistent_read=True
    )
    return [of_item(item) for item in query]


def open_on(credit_code: str, period: int, field: str) -> str | None:
    """The id of the open objection on that value, if any."""
    try:
        item = ObjectionItem.get(lock_pk(credit_code, period, field), LOCK, consistent_read=True)
    except ObjectionItem.DoesNotExist:
        return None
    return item.objection_id


@dataclass(frozen=True, slots=True)
class Filters:
    status: str | None = None
    period: int | None = None
    department: str | None = None
    overdue_before: str | None = None  # ISO date: open and due before it
    region_prefix: str | None = None
    zone_id: str | None = None


def _condition(filters: Filters, *, department_in_key: bool) -> Condition | None:
    parts: list[Condition] = []
    if filters.status is not None:
        parts.append(ObjectionItem.status == filters.status)
    if filters.period is not None:
        parts.append(ObjectionItem.period == filters.period)
    if filters.department is not None and not department_in_key:
        parts.append(ObjectionItem.gsi_department == filters.department)
    if filters.overdue_before is not None:
        parts.append(ObjectionItem.status == OPEN)
        parts.append(ObjectionItem.due_on < filters.overdue_before)
    if filters.region_prefix is not None:
        parts.append(ObjectionItem.region_code.startswith(filters.region_prefix))
    if filters.zone_id is not None:
        parts.append(ObjectionItem.zone_id == filters.zone_id)
    condition: Condition | None = None
    for part in parts:
        condition = part if condition is None else condition & part
    return condition


def page(
    *,
    credit_code: str | None,
    filters: Filters,
    after: str | None,
    limit: int,
) -> list[tuple[str, Objection]]:
    """Up to `limit` objections (with their `opened_sk`) newest first, after the `opened_sk` `after`:
    an enterprise's, a department's, or all of them; filters apply on the index's items."""
    if credit_code is not None:
        index: Any = ObjectionItem.by_enterprise
        hash_key = credit_code
    elif filters.department is not None:
        index, hash_key = ObjectionItem.by_department, filters.department
    else:
        index, hash_key = ObjectionItem.by_all, ALL
    query: Iterator[ObjectionItem] = index.query(
        hash_key,
        range_key_condition=ObjectionItem.opened_sk < after if after is not None else None,
        filter_condition=_condition(filters, department_in_key=credit_code is None),
        scan_index_forward=False,
        limit=limit,
    )
    return [(item.opened_sk or "", of_item(item)) for item in query]


def record_delivery(objection_id: str, delivery: dict[str, Any]) -> None:
    """The 赣企通 forwarding state of an objection's `objection.resolved` (not a new version)."""
    item = ObjectionItem.get(objection_pk(objection_id), HEAD, consistent_read=True)
    doc = dict(item.doc or {})
    doc["delivery"] = delivery
    item.update(actions=[ObjectionItem.doc.set(doc)])
