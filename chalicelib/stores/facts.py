"""The facts repository: one traceable file per enterprise (一企一档) in the facts table.

Per enterprise (pk "E#<code>"), ONE current item (sk "C") holds the master record (as top-level
attributes, so a portrait reads it with a projection) and every current fact and cross-check with
its provenance and `order`, plus a `version`: one GetItem gives scoring everything, one BatchGetItem
gives it for 100 enterprises. Every upload's values also go into history, never overwritten: ONE item
per (enterprise, period, upload) holding that upload's values of the enterprise for the period
("H#U#<period>#<order>", issue 24; before it, one item per value, "H#F#…"/"H#X#…", still read), and
one per master record ("H#M#<order>"). See `tables.py` for the key design.

Writers (ingest, the migration) read the current items, merge, and write them back in transactions
of version-conditional Puts: two uploads touching one enterprise at the same moment cannot lose an
update; the loser re-reads and merges again (`commit` tells which enterprises conflicted).

Size: an item is at most 400 KB. A value takes ~100 bytes (indicator, value, department, batch id,
time, order); 30 indicators x 20 periods x (fact + cross-check) is ~120 KB, so the limit is years
away. `FactsItemTooLargeError` says so clearly if it is ever reached, rather than a DynamoDB error.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Final

from pynamodb.exceptions import TransactWriteError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.domain.china import today_in_china
from chalicelib.domain.records import EnterpriseData, FactValue, Master
from chalicelib.domain.zones.membership import decoded, zone_today
from chalicelib.stores.tables import FactItem

CURRENT_SK: Final = "C"
OPEN_OBJECTIONS_SK: Final = "O"  # the enterprise's open objections (stores/objections.py keeps it)
MASTER_SK: Final = CURRENT_SK  # the master record lives on the current item
MASTER_ATTRIBUTES: Final = ("name", "established_on", "region_code", "industry_code")
FACTS: Final = "F"
CHECKS: Final = "X"
MAX_ITEM_BYTES: Final = 400 * 1024  # DynamoDB's item limit
ITEM_BYTES_GUARD: Final = MAX_ITEM_BYTES - 8 * 1024  # room for key, names and the master fields
MAX_TRANSACTION_ITEMS: Final = 100  # TransactWriteItems: 100 actions …
MAX_TRANSACTION_BYTES: Final = 3 * 1024 * 1024  # … and 4 MB: stay well under it
_CONFLICT_REASONS: Final = frozenset({"ConditionalCheckFailed", "TransactionConflict"})


class FactsItemTooLargeError(RuntimeError):
    """An enterprise's current item would pass DynamoDB's 400 KB limit: the upload fails loudly."""

    code = "FACTS_ITEM_TOO_LARGE"

    def __init__(self, credit_code: str, size: int) -> None:
        super().__init__(
            f"{credit_code}: current facts would take {size:,} bytes, over the {ITEM_BYTES_GUARD:,} "
            f"kept under DynamoDB's 400 KB item limit; the facts store needs splitting / "
            f"企业 {credit_code} 的当前数据将达 {size:,} 字节，超过单条记录上限（400 KB），需拆分存储"
        )
        self.credit_code = credit_code
        self.size = size


def enterprise_pk(credit_code: str) -> str:
    return f"E#{credit_code}"


def fact_sk(period: int, indicator: str, *, cross_check: bool = False) -> str:
    """The name of a current value ("C#F#2025#rd_expense"); its history items are named after it."""
    return f"C#{'X' if cross_check else 'F'}#{period}#{indicator}"


def history_sk(current_sk: str, order: str) -> str:
    """History key of a current value's name: "C#F#2025#rd_expense" -> "H#F#2025#rd_expense#<order>"
    (a master record's, and a value's as `history` returns it; values are stored per upload)."""
    return f"H#{current_sk[2:]}#{order}"


HISTORY_PREFIX: Final = "H#"
UPLOAD_HISTORY_PREFIX: Final = "H#U#"  # an upload's values of one period (issue 24)


def upload_history_sk(period: int, order: str) -> str:
    """Key of the history item of one upload's values of one enterprise and period: "H#U#2025#<order>"."""
    return f"{UPLOAD_HISTORY_PREFIX}{period}#{order}"


HistoryItem = FactItem  # what the history builders return, named for the services that batch them
MASTER_NAME: Final = "C#M"  # the master record's name, for its history items ("H#M#<order>")


@dataclass(frozen=True, slots=True)
class FactKey:
    """A current value of an enterprise's file: its master record (no period), a fact or a cross-check."""

    credit_code: str
    period: int | None = None
    indicator: str | None = None
    cross_check: bool = False

    def item_key(self) -> tuple[str, str]:
        """The key of the item that holds this value: the enterprise's current item, master included."""
        return enterprise_pk(self.credit_code), CURRENT_SK


@dataclass(frozen=True, slots=True)
class Stored:
    """What ingest needs to know of a current value: its value (text) and its order."""

    value: str | None
    order: str


@dataclass(frozen=True, slots=True)
class StoredMaster:
    master: Master
    department: str | None
    order: str


@dataclass(frozen=True, slots=True)
class StoredFact:
    value: FactValue
    order: str


def master_value(master: Master) -> str:
    """The master record as one comparable text: equal text, no change."""
    return "|".join(
        (master.name, master.established_on.isoformat(), master.region_code, master.industry_code)
    )


@dataclass
class Current:
    """An enterprise's current item as read (or as a writer changes it), with the version read.

    `version` None: no item stored yet (writing it requires that none appeared meanwhile).
    """

    credit_code: str
    master: StoredMaster | None = None
    facts: dict[int, dict[str, StoredFact]] = field(default_factory=dict)
    checks: dict[int, dict[str, StoredFact]] = field(default_factory=dict)
    version: int | None = None
    zones: list[list[str | None]] = field(default_factory=list)  # memberships, compact (domain/zones)

    def get(self, key: FactKey) -> Stored | None:
        if key.period is None or key.indicator is None:
            if self.master is None:
                return None
            return Stored(master_value(self.master.master), self.master.order)
        found = (self.checks if key.cross_check else self.facts).get(key.period, {}).get(key.indicator)
        return None if found is None else Stored(str(found.value.value), found.order)

    def set_master(self, master: Master, department: str | None, order: str) -> None:
        self.master = StoredMaster(master, department, order)

    def set_fact(self, key: FactKey, value: FactValue, order: str) -> None:
        assert key.period is not None and key.indicator is not None
        target = self.checks if key.cross_check else self.facts
        target.setdefault(key.period, {})[key.indicator] = StoredFact(value, order)

    def periods(self) -> list[int]:
        """Periods with any current scored fact: the only periods that can have a score card."""
        return sorted(self.facts)

    def data(self) -> EnterpriseData:
        def values(by_period: dict[int, dict[str, StoredFact]]) -> dict[int, dict[str, FactValue]]:
            return {p: {i: f.value for i, f in ind.items()} for p, ind in by_period.items()}

        master = self.master.master if self.master is not None else None
        zone = zone_today([decoded(self.credit_code, z) for z in self.zones], today_in_china())
        return EnterpriseData(self.credit_code, master, values(self.facts), values(self.checks), zone)


# --- the current item's stored form --------------------------------------------------------------


def _encode_values(by_period: dict[int, dict[str, StoredFact]]) -> dict[str, dict[str, list[str]]]:
    return {
        str(period): {
            ind: [str(f.value.value), f.value.department, f.value.batch_id, f.value.received_at, f.order]
            for ind, f in sorted(indicators.items())
        }
        for period, indicators in sorted(by_period.items())
    }


def _decode_values(encoded: Mapping[str, Mapping[str, Sequence[str]]]) -> dict[int, dict[str, StoredFact]]:
    out: dict[int, dict[str, StoredFact]] = {}
    for period, indicators in encoded.items():
        out[int(period)] = {
            ind: StoredFact(FactValue(Decimal(v), dept, batch, received), order)
            for ind, (v, dept, batch, received, order) in indicators.items()
        }
    return out


def current_item(current: Current) -> FactItem:
    """The item of `current` (its version as read: `commit` conditions on it and writes version + 1)."""
    facts = {FACTS: _encode_values(current.facts), CHECKS: _encode_values(current.checks)}
    size = len(json.dumps(facts, separators=(",", ":")).encode())
    if size > ITEM_BYTES_GUARD:
        raise FactsItemTooLargeError(current.credit_code, size)
    item = FactItem(enterprise_pk(current.credit_code), CURRENT_SK, kind="current", facts=facts)
    item.version = current.version
    item.zones = current.zones or None
    if current.master is not None:
        m = current.master.master
        item.name, item.established_on = m.name, m.established_on.isoformat()
        item.region_code, item.industry_code = m.region_code, m.industry_code
        item.department, item.batch_id = current.master.department, m.batch_id
        item.received_at, item.order = m.received_at, current.master.order
    return item


def _master_of(item: FactItem, credit_code: str) -> Master | None:
    if item.established_on is None:
        return None
    return Master(
        credit_code=credit_code,
        name=item.name or "",
        established_on=date.fromisoformat(item.established_on),
        region_code=item.region_code or "",
        industry_code=item.industry_code or "",
        batch_id=item.batch_id or "",
        received_at=item.received_at or "",
    )


def _current_of(item: FactItem) -> Current:
    code = item.pk[2:]
    master = _master_of(item, code)
    facts: dict[str, Any] = item.facts or {}
    return Current(
        credit_code=code,
        master=StoredMaster(master, item.department, item.order or "") if master is not None else None,
        facts=_decode_values(facts.get(FACTS, {})),
        checks=_decode_values(facts.get(CHECKS, {})),
        version=_version(item) or 0,
        zones=list(item.zones or []),
    )


# --- history items -------------------------------------------------------------------------------


def master_history_item(master: Master, department: str | None, order: str) -> FactItem:
    """The history copy of an uploaded master record; `value` holds `master_value`."""
    return FactItem(
        enterprise_pk(master.credit_code),
        history_sk(MASTER_NAME, order),
        kind="master",
        value=master_value(master),
        department=department,
        batch_id=master.batch_id,
        received_at=master.received_at,
        order=order,
        name=master.name,
        established_on=master.established_on.isoformat(),
        region_code=master.region_code,
        industry_code=master.industry_code,
    )


def upload_history_item(
    credit_code: str,
    period: int,
    values: Mapping[str, Decimal | None],
    *,
    cross_check: bool,
    department: str,
    batch_id: str,
    received_at: str,
    order: str,
) -> FactItem:
    """The history item of one upload's values of an enterprise for a period (all its indicators: a
    row of a department's file, an objection's corrected value): `facts` {"F"|"X": {indicator: value
    as text, or None for a value taken out of the current file}}, the upload's provenance once.

    Its key is the upload's `order`: a retry of the same upload rewrites the same item, and so would a
    second write of the same upload for the same (enterprise, period), so writers put all of an
    upload's values of a period in one item (a file has one row per enterprise and period; ingest
    groups a follower's rows; a qualification file rewrites all its flags of the period each time).
    ~40 bytes a value: a row of 30 values is ~1.5 KB."""
    encoded = {ind: (None if v is None else str(v)) for ind, v in sorted(values.items())}
    return FactItem(
        enterprise_pk(credit_code),
        upload_history_sk(period, order),
        kind="upload",
        period=period,
        facts={CHECKS if cross_check else FACTS: encoded},
        department=department,
        batch_id=batch_id,
        received_at=received_at,
        order=order,
    )


def fact_history_item(key: FactKey, value: FactValue, order: str) -> FactItem:
    """The history item of one uploaded fact or cross-check value (an objection's correction)."""
    assert key.period is not None and key.indicator is not None
    return upload_history_item(
        key.credit_code,
        key.period,
        {key.indicator: value.value},
        cross_check=key.cross_check,
        department=value.department,
        batch_id=value.batch_id,
        received_at=value.received_at,
        order=order,
    )


def fact_removal_history_item(
    key: FactKey, department: str, batch_id: str, received_at: str, order: str
) -> FactItem:
    """The history record of a value taken out of the current file (an objection's "should be absent"):
    no value, with who removed it and why (its batch)."""
    assert key.period is not None and key.indicator is not None
    return upload_history_item(
        key.credit_code,
        key.period,
        {key.indicator: None},
        cross_check=key.cross_check,
        department=department,
        batch_id=batch_id,
        received_at=received_at,
        order=order,
    )


def history_values(item: FactItem) -> list[FactItem]:
    """A stored history item as one record per value, each shaped as the per-value items written before
    issue 24 (kind "fact"/"cross_check", period, indicator, value, provenance, key "H#F#…#<order>"): an
    upload's item expands into its values; a master record's or an old per-value item is returned as is.
    The records are views, never written."""
    if not item.sk.startswith(UPLOAD_HISTORY_PREFIX):
        return [item]
    assert item.period is not None
    period = int(item.period)
    order = item.order or ""
    records: list[FactItem] = []
    encoded: dict[str, Any] = item.facts or {}
    for part, cross_check in ((FACTS, False), (CHECKS, True)):
        for indicator, value in sorted(encoded.get(part, {}).items()):
            records.append(
                FactItem(
                    item.pk,
                    history_sk(fact_sk(period, indicator, cross_check=cross_check), order),
                    kind="cross_check" if cross_check else "fact",
                    period=period,
                    indicator=indicator,
                    value=value,
                    department=item.department,
                    batch_id=item.batch_id,
                    received_at=item.received_at,
                    order=order,
                )
            )
    return records


# --- the repository ------------------------------------------------------------------------------


def _groups(items: Sequence[FactItem]) -> Iterator[list[FactItem]]:
    """Items packed into transactions of at most 100 Puts and well under 4 MB."""
    group: list[FactItem] = []
    size = 0
    for item in items:
        item_size = len(json.dumps(item.facts or {}, separators=(",", ":"))) + 1024
        if group and (len(group) == MAX_TRANSACTION_ITEMS or size + item_size > MAX_TRANSACTION_BYTES):
            yield group
            group, size = [], 0
        group.append(item)
        size += item_size
    if group:
        yield group


def _version(item: FactItem) -> int | None:
    return int(item.version) if item.version is not None else None


class FactsRepository:
    def read(self, credit_code: str) -> Current:
        """One enterprise's current item, strongly consistent (an empty `Current` if none yet)."""
        try:
            item = FactItem.get(enterprise_pk(credit_code), CURRENT_SK, consistent_read=True)
        except FactItem.DoesNotExist:
            return Current(credit_code)
        return _current_of(item)

    def read_many(self, codes: Iterable[str]) -> dict[str, Current]:
        """Current items of many enterprises: BatchGetItem, 100 keys a call, strongly consistent (a
        rescore right after ingest must see its writes); PynamoDB resends unprocessed keys."""
        wanted = list(dict.fromkeys(codes))
        found = {code: Current(code) for code in wanted}
        keys = [(enterprise_pk(code), CURRENT_SK) for code in wanted]
        for item in FactItem.batch_get(keys, consistent_read=True):
            current = _current_of(item)
            found[current.credit_code] = current
        return found

    def load(self, credit_code: str) -> EnterpriseData:
        """Everything scoring needs of one enterprise, in one GetItem."""
        return self.read(credit_code).data()

    def load_many(self, codes: Iterable[str]) -> dict[str, EnterpriseData]:
        """Everything scoring needs of many enterprises, one BatchGetItem per 100."""
        return {code: current.data() for code, current in self.read_many(codes).items()}

    def load_master(self, credit_code: str) -> Master | None:
        """The master record alone (a projection: a portrait does not read every fact)."""
        try:
            item = FactItem.get(
                enterprise_pk(credit_code),
                CURRENT_SK,
                attributes_to_get=["pk", *MASTER_ATTRIBUTES, "batch_id", "received_at"],
            )
        except FactItem.DoesNotExist:
            return None
        return _master_of(item, credit_code)

    def current(self, keys: Iterable[FactKey]) -> dict[FactKey, Stored]:
        """The stored current values of `keys` that exist (one BatchGetItem per 100 enterprises)."""
        wanted = list(keys)
        items = self.read_many(key.credit_code for key in wanted)
        found: dict[FactKey, Stored] = {}
        for key in wanted:
            stored = items[key.credit_code].get(key)
            if stored is not None:
                found[key] = stored
        return found

    def history(self, credit_code: str) -> Iterator[FactItem]:
        """Every uploaded value of the enterprise's file (一企一档), one record per value or master record
        (`history_values`), by key: per value name, oldest upload first. Reads both layouts, per upload
        and the per-value items written before it; a value in both (an upload half ingested before the
        change and retried after it) is returned once."""
        records: dict[str, FactItem] = {}
        for item in FactItem.query(enterprise_pk(credit_code), FactItem.sk.startswith(HISTORY_PREFIX)):
            for record in history_values(item):
                records[record.sk] = record
        return iter([records[sk] for sk in sorted(records)])

    def periods(self, credit_code: str) -> list[int]:
        """Periods with any current fact (for a master-data change, which affects them all)."""
        return self.read(credit_code).periods()

    def commit(self, currents: Sequence[Current]) -> set[str]:
        """Write changed current items, each conditional on the version read; return the enterprises
        whose item changed since (nothing of theirs written: re-read them, merge, commit again).
        Everything not returned is written.

        Transactions of up to 100 Puts. A cancelled transaction writes none of its items: the ones
        DynamoDB did not name as conflicting are committed again without the others.
        """
        conflicted: set[str] = set()
        for group in _groups([current_item(c) for c in currents]):
            conflicted |= self._commit([(item, _version(item)) for item in group])
        return conflicted

    def _commit(self, group: list[tuple[FactItem, int | None]]) -> set[str]:
        connection = FactItem._get_connection().connection
        try:
            with TransactWrite(connection=connection) as tx:
                for item, read in group:
                    item.version = (read or 0) + 1
                    if read is None:
                        tx.save(item, condition=FactItem.pk.does_not_exist())
                    else:
                        tx.save(item, condition=FactItem.version == read)
        except TransactWriteError as exc:
            reasons = exc.cancellation_reasons or []
            named = {
                item.pk[2:]
                for (item, _), reason in zip(group, reasons, strict=False)
                if reason is not None and reason.code in _CONFLICT_REASONS
            }
            if named:
                rest = [(item, read) for item, read in group if item.pk[2:] not in named]
                return named | (self._commit(rest) if rest else set())
            if exc.cause_response_code == "TransactionConflictException":
                return {item.pk[2:] for item, _ in group}
            raise
        return set()


def write_items(items: Sequence[Model]) -> None:
    """Batch-write items, 25 a request; PynamoDB resends unprocessed items and raises if they persist."""
    if not items:
        return
    model = type(items[0])
    with model.batch_write() as batch:
        for item in items:
            batch.save(item)


def seed_current(currents: Iterable[Current]) -> None:
    """Write current items unconditionally, 25 a request (seeding tests, benches and the sample stack:
    nothing else writes them at that moment)."""
    items = []
    for current in currents:
        item = current_item(current)
        item.version = (current.version or 0) + 1
        items.append(item)
    write_items(items)
