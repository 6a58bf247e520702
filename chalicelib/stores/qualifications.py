"""Qualifications in the facts table, beside the enterprise's file (一企一档).

Per enterprise (pk "E#<code>"):

    sk "Q"                            the current certificates: `value`, the JSON
                                      {"<qualification>#<certificate_no>": [qualification, certificate_no,
                                      valid_from, valid_to, department,
                                      batch_id, received_at, order]}, `version` (conditional writes)
    sk "QH#<qualification>#<certificate_no>#<order>"   every uploaded version of a certificate, never
                                      overwritten (`indicator` the qualification, `value` the JSON
                                      [certificate_no, valid_from, valid_to])

One GetItem gives a portrait its qualifications; one BatchGetItem (100 keys) gives them, with the master
record's name and founding date, for 50 enterprises (the cultivation build).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

from pynamodb.exceptions import PutError

from chalicelib.domain.qualifications.records import Qualification
from chalicelib.stores.facts import CURRENT_SK, enterprise_pk, write_items
from chalicelib.stores.tables import FactItem

QUALIFICATIONS_SK: Final = "Q"
HISTORY_PREFIX: Final = "QH#"
_BATCH: Final = 100
# `value` (not `facts`): the current item's `facts` holds every fact and must not be read here
_PROFILE_ATTRIBUTES: Final = ["pk", "sk", "name", "established_on", "value"]


def _slot(record: Qualification) -> str:
    return f"{record.qualification}#{record.certificate_no}"


def _encode(record: Qualification) -> list[str]:
    return [
        record.qualification,
        record.certificate_no,
        record.valid_from.isoformat(),
        record.valid_to.isoformat(),
        record.department,
        record.batch_id,
        record.received_at,
        record.order,
    ]


def _decode(credit_code: str, raw: Sequence[str]) -> Qualification:
    qualification, cert, start, end, department, batch_id, received_at, order = raw
    return Qualification(
        credit_code,
        qualification,
        cert,
        date.fromisoformat(start),
        date.fromisoformat(end),
        department,
        batch_id,
        received_at,
        order,
    )


@dataclass
class Held:
    """An enterprise's current certificates as read, with the version read (None: no item yet)."""

    credit_code: str
    records: dict[str, Qualification] = field(default_factory=dict)
    version: int | None = None

    def merge(self, record: Qualification) -> bool:
        """Put a newer upload's record in; False when it changes nothing or an older upload is late."""
        slot = _slot(record)
        stored = self.records.get(slot)
        if stored is not None:
            if stored.order > record.order:
                return False
            same = (stored.valid_from, stored.valid_to) == (record.valid_from, record.valid_to)
            if same and stored.order != record.order:
                return False
        self.records[slot] = record
        return True

    def sorted(self) -> list[Qualification]:
        return sorted(self.records.values(), key=lambda q: (q.valid_from, q.qualification, q.certificate_no))


def _held_of(item: FactItem) -> Held:
    code = item.pk[2:]
    raw: dict[str, Any] = json.loads(item.value) if item.value else {}
    records = {slot: _decode(code, value) for slot, value in raw.items()}
    return Held(code, records, int(item.version) if item.version is not None else 0)


def records_of(item: FactItem) -> list[Qualification]:
    """The certificates of a certificates item (read by another store, e.g. with a portrait)."""
    return _held_of(item).sorted()


@dataclass(frozen=True, slots=True)
class Profile:
    """What the cultivation build needs of an enterprise beside its card."""

    credit_code: str
    name: str | None
    established_on: date | None
    qualifications: tuple[Qualification, ...]


class QualificationsRepository:
    def read(self, credit_code: str) -> Held:
        try:
            item = FactItem.get(enterprise_pk(credit_code), QUALIFICATIONS_SK, consistent_read=True)
        except FactItem.DoesNotExist:
            return Held(credit_code)
        return _held_of(item)

    def read_many(self, codes: Iterable[str]) -> dict[str, Held]:
        wanted = list(dict.fromkeys(codes))
        found = {code: Held(code) for code in wanted}
        for start in range(0, len(wanted), _BATCH):
            keys = [(enterprise_pk(c), QUALIFICATIONS_SK) for c in wanted[start : start + _BATCH]]
            for item in FactItem.batch_get(keys, consistent_read=True):
                held = _held_of(item)
                found[held.credit_code] = held
        return found

    def commit(self, held: Held) -> bool:
        """Write the current certificates, conditional on the version read; False when it moved."""
        item = FactItem(
            enterprise_pk(held.credit_code),
            QUALIFICATIONS_SK,
            kind="qualifications",
            value=json.dumps(
                {slot: _encode(r) for slot, r in sorted(held.records.items())}, ensure_ascii=False
            ),
        )
        read = held.version
        item.version = (read or 0) + 1
        condition = FactItem.pk.does_not_exist() if not read else FactItem.version == read
        try:
            item.save(condition=condition)
        except PutError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        held.version = item.version
        return True

    def write_history(self, records: Sequence[Qualification]) -> None:
        write_items(
            [
                FactItem(
                    enterprise_pk(r.credit_code),
                    f"{HISTORY_PREFIX}{_slot(r)}#{r.order}",
                    kind="qualification",
                    indicator=r.qualification,
                    value=json.dumps(
                        [r.certificate_no, r.valid_from.isoformat(), r.valid_to.isoformat()],
                        ensure_ascii=False,
                    ),
                    department=r.department,
                    batch_id=r.batch_id,
                    received_at=r.received_at,
                    order=r.order,
                )
                for r in records
            ]
        )

    def history(self, credit_code: str) -> list[Qualification]:
        """Every uploaded version of the enterprise's certificates, oldest upload first."""
        out = []
        for item in FactItem.query(enterprise_pk(credit_code), FactItem.sk.startswith(HISTORY_PREFIX)):
            cert, start, end = json.loads(item.value or "[]")
            out.append(
                Qualification(
                    credit_code,
                    item.indicator or "",
                    cert,
                    date.fromisoformat(start),
                    date.fromisoformat(end),
                    item.department or "",
                    item.batch_id or "",
                    item.received_at or "",
                    item.order or "",
                )
            )
        return sorted(out, key=lambda q: q.order)

    def profiles(self, codes: Iterable[str]) -> dict[str, Profile]:
        """Name, founding date and certificates of many enterprises: one BatchGetItem per 50."""
        wanted = list(dict.fromkeys(codes))
        names: dict[str, tuple[str | None, date | None]] = {}
        records: dict[str, tuple[Qualification, ...]] = {}
        per_call = _BATCH // 2
        for start in range(0, len(wanted), per_call):
            keys = []
            for code in wanted[start : start + per_call]:
                keys += [(enterprise_pk(code), CURRENT_SK), (enterprise_pk(code), QUALIFICATIONS_SK)]
            for item in FactItem.batch_get(keys, attributes_to_get=_PROFILE_ATTRIBUTES):
                code = item.pk[2:]
                if item.sk == QUALIFICATIONS_SK:
                    records[code] = tuple(_held_of(item).sorted())
                else:
                    founded = date.fromisoformat(item.established_on) if item.established_on else None
                    names[code] = (item.name, founded)
        return {code: Profile(code, *names.get(code, (None, None)), records.get(code, ())) for code in wanted}
