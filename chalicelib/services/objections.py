"""Objections (异议, contract 16): file, resolve, withdraw. One use case each; the rules are in
`domain/objections/`, the transactions in `stores/objections.py`.

A correction writes the new value into the enterprise's file (a new version of that fact or master
field, the answering department as its source, batch `objection:<id>`), the objection's new version,
its `objection.resolved` event and the rescore request in ONE transaction; the API relays the event at
once, and the scheduled outbox drain sends the rescore request (the relay function may send to the
rescore queue; the API may not: least privilege, issue 23), or the event after a crash.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Final

from aws_lambda_powertools import Logger

from chalicelib.domain.china import CHINA
from chalicelib.domain.model.schema import ScoringModel
from chalicelib.domain.objections import workdays
from chalicelib.domain.objections.objection import (
    CORRECTED,
    OPEN,
    OPENED,
    REJECTED,
    RESOLVED,
    WITHDRAWN,
    FieldRef,
    Objection,
    answering_department,
    build_event,
    field_ref,
    may_move,
    parse_value,
)
from chalicelib.domain.records import FactValue
from chalicelib.domain.scoring.rescore_request import Pair, RescoreRequest
from chalicelib.domain.timestamps import now as utc_now
from chalicelib.domain.timestamps import stamp, stamp_ms, stamp_s
from chalicelib.domain.values import canonical_text
from chalicelib.services.areas import location_of
from chalicelib.services.model_registry import active_model
from chalicelib.stores import objections as store
from chalicelib.stores.facts import (
    Current,
    FactKey,
    FactsRepository,
    fact_history_item,
    fact_removal_history_item,
    master_history_item,
)

MAX_ATTEMPTS: Final = 3  # a correction re-reads the facts this often when an upload raced it

logger = Logger(child=True)


class EnterpriseUnknownError(LookupError):
    """The service has no file for that enterprise."""


class ObjectionNotFoundError(LookupError):
    pass


class InvalidTransitionError(RuntimeError):
    def __init__(self, status: str, to: str) -> None:
        super().__init__(f"an objection {status} cannot become {to}")
        self.status = status
        self.to = to


class ObjectionConflictError(RuntimeError):
    """The enterprise's file kept changing under a correction: the caller may try again."""


@dataclass(frozen=True, slots=True)
class Filing:
    credit_code: str
    period: int
    field: str
    claimed_value: object
    reason: str
    evidence: str | None = None
    opened_by: str | None = None


def china_date(moment: datetime) -> date:
    return moment.astimezone(CHINA).date()


def _current_value(current: Current, ref: FieldRef, period: int) -> tuple[str | None, str | None]:
    """(the value now, in canonical text; its source department)."""
    if ref.is_master:
        if current.master is None:
            return None, None
        value = getattr(current.master.master, ref.name)
        text = value.isoformat() if isinstance(value, date) else str(value)
        return text, current.master.department
    found = current.facts.get(period, {}).get(ref.name)
    if found is None:
        return None, None
    return canonical_text(found.value.value), found.value.department


def _relay(ids: list[str]) -> None:
    """Publish what was just committed; a failure leaves it to the scheduled drain (never lost)."""
    from chalicelib.services.relay import relay_now

    try:
        relay_now(ids)
    except Exception:  # the outbox keeps it pending: the drain sends it within minutes
        logger.exception("objection outbox relay failed; left to the drain", extra={"ids": ids})


def file_objection(
    filing: Filing,
    *,
    model: ScoringModel | None = None,
    clock: Callable[[], datetime] = utc_now,
    relay: Callable[[list[str]], None] = _relay,
) -> Objection:
    """Open an objection (contract 16). Raises NotObjectableError, UnknownFieldError, ClaimProblem,
    EnterpriseUnknownError or store.ObjectionOpenError; nothing is written then."""
    model = model or active_model()
    ref = field_ref(model, filing.field)
    moment = clock()
    today = china_date(moment)
    claimed = parse_value(model, ref, filing.claimed_value, today=today, where="claimed_value")
    current = FactsRepository().read(filing.credit_code)
    if current.master is None and not current.facts:
        raise EnterpriseUnknownError(filing.credit_code)
    value, source = _current_value(current, ref, filing.period)
    location = location_of(filing.credit_code)
    objection = Objection(
        objection_id=str(uuid.uuid4()),
        credit_code=filing.credit_code,
        period=filing.period,
        field=ref.text,
        current_value=value,
        claimed_value=claimed,
        reason=filing.reason,
        department=answering_department(model, ref, source),
        status=OPEN,
        opened_at=stamp(moment),
        due_on=workdays.due_on(today).isoformat(),
        version=1,
        region_code=(location.region_code if location else None)
        or (current.master.master.region_code if current.master else None),
        zone_id=location.zone_id if location else None,
        evidence=filing.evidence,
        opened_by=filing.opened_by,
        updated_at=stamp(moment),
    )
    event = build_event(objection, OPENED, stamp_s(moment))
    for _attempt in range(MAX_ATTEMPTS):
        try:
            store.file(objection, event, stamp(moment))
            break
        except store.ObjectionChangedError:  # another objection of the enterprise committed meanwhile
            logger.info(
                "open objections changed meanwhile; filing again", extra={"id": objection.objection_id}
            )
    else:
        raise ObjectionConflictError(objection.objection_id)
    relay([event.id])
    return objection


def correction_of(
    current: Current, objection: Objection, ref: FieldRef, value: str | None, moment: datetime
) -> store.Correction:
    """The enterprise's current item with the corrected value (a new version, the department as its
    source, batch `objection:<id>`), and the history item that keeps it (一企一档)."""
    order = f"{stamp_ms(moment)}#{objection.batch_id}"  # later than any upload received before it
    received = stamp_ms(moment)
    if ref.is_master:
        assert value is not None
        if current.master is None:
            raise EnterpriseUnknownError(current.credit_code)  # no master record to correct
        parsed: object = date.fromisoformat(value) if ref.name == "established_on" else value
        changed: dict[str, object] = {
            ref.name: parsed,
            "batch_id": objection.batch_id,
            "received_at": received,
        }
        new = replace(current.master.master, **changed)  # type: ignore[arg-type]
        current.set_master(new, objection.department, order)
        return store.Correction(current, master_history_item(new, objection.department, order))
    key = FactKey(current.credit_code, objection.period, ref.name)
    if value is None:  # "should be absent": the value leaves the current file, its history stays
        current.facts.get(objection.period, {}).pop(ref.name, None)
        if not current.facts.get(objection.period, True):
            del current.facts[objection.period]
        history = fact_removal_history_item(key, objection.department, objection.batch_id, received, order)
        return store.Correction(current, history)
    fact = FactValue(Decimal(value), objection.department, objection.batch_id, received)
    current.set_fact(key, fact, order)
    return store.Correction(current, fact_history_item(key, fact, order))


def _rescore_request(objection: Objection) -> RescoreRequest:
    """Every period of the enterprise: the correction wrote a newer facts version, so an upload's
    message still in the queue leaves the enterprise to this one (`domain/scoring/coalesce.py`), which
    must then score whatever that upload changed as well as the corrected value."""
    return RescoreRequest(pairs=[Pair(credit_code=objection.credit_code)], batch_id=objection.batch_id)


def get_objection(objection_id: str) -> Objection:
    found = store.get(objection_id)
    if found is None:
        raise ObjectionNotFoundError(objection_id)
    return found


UNSET: Final = object()  # "value" not sent: the claimed value is written


def resolve_objection(
    objection_id: str,
    decision: str,
    *,
    value: object = UNSET,
    reason: str | None,
    resolved_by: str | None,
    may_answer: Callable[[Objection], bool] = lambda _o: True,
    model: ScoringModel | None = None,
    clock: Callable[[], datetime] = utc_now,
    relay: Callable[[list[str]], None] = _relay,
) -> Objection:
    """Answer an open objection: `corrected` (the value, default the claimed one) or `rejected`.

    Raises ObjectionNotFoundError (also when `may_answer` refuses), InvalidTransitionError,
    ClaimProblem (a value the upload would refuse) or ObjectionConflictError."""
    model = model or active_model()
    for _attempt in range(MAX_ATTEMPTS):
        before = get_objection(objection_id)
        if not may_answer(before):
            raise ObjectionNotFoundError(objection_id)
        if not may_move(before.status, decision):
            raise InvalidTransitionError(before.status, decision)
        moment = clock()
        ref = field_ref(model, before.field)
        correction = None
        rescore = None
        written: str | None = None
        if decision == CORRECTED:
            raw = before.claimed_value if value is UNSET else value
            written = (
                before.claimed_value
                if value is UNSET
                else parse_value(model, ref, raw, today=china_date(moment), where="value")
            )
            current = FactsRepository().read(before.credit_code)
            correction = correction_of(current, before, ref, written, moment)
            rescore = _rescore_request(before)
        after = before.moved(
            status=decision,
            decision=decision,
            value=written,
            resolve_reason=reason,
            resolved_at=stamp(moment),
            resolved_by=resolved_by,
            updated_at=stamp(moment),
        )
        event = build_event(after, RESOLVED, stamp_s(moment))
        try:
            store.move(before, after, stamp(moment), events=[event], correction=correction, rescore=rescore)
        except store.ObjectionChangedError:
            logger.info("objection or facts changed meanwhile; reading again", extra={"id": objection_id})
            continue
        relay([event.id])  # the rescore request: the scheduled drain (within a minute; 10 s locally)
        return after
    raise ObjectionConflictError(objection_id)


def withdraw_objection(
    objection_id: str,
    *,
    may_withdraw: Callable[[Objection], bool] = lambda _o: True,
    clock: Callable[[], datetime] = utc_now,
) -> Objection:
    """The enterprise takes its objection back while open; nothing is published (contract 19.1)."""
    for _attempt in range(MAX_ATTEMPTS):
        before = get_objection(objection_id)
        if not may_withdraw(before):
            raise ObjectionNotFoundError(objection_id)
        if not may_move(before.status, WITHDRAWN):
            raise InvalidTransitionError(before.status, WITHDRAWN)
        moment = clock()
        after = before.moved(status=WITHDRAWN, updated_at=stamp(moment))
        try:
            store.move(before, after, stamp(moment))
        except store.ObjectionChangedError:
            continue
        return after
    raise ObjectionConflictError(objection_id)


__all__ = ["CORRECTED", "REJECTED", "Filing", "file_objection", "resolve_objection", "withdraw_objection"]
