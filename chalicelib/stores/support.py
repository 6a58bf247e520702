"""The support table: support records (contract 8) with every version kept.

Key design (written here only):

support  pk "R#<record_id>"            record_id derived from (org, external_ref)
           sk "C"                       the current version, with filters and index keys
           sk "V#<version, 6 digits>"   every version as written, the first included
         GSIs over current items, range key `recent_sk` = "<recorded_at>#<record_id>" (newest last):
           by_org         gsi_org        an institution's records            (GET /support, bank/department)
           by_enterprise  gsi_enterprise an enterprise's records             (…/support, the summary)
           by_shard       gsi_shard      every record, by city               (GET /support, admin, city, zone)
           by_period      gsi_period     "<period>#<city>": a period's records (reports)
         and by_pending (pending_shard = city, pending_sk = "<occurred_on>#<record_id>"), sparse: only
         `applied` records of enterprises whitelisted at the time, the candidates of /support/overdue.

A new record is one transaction (current + version 1, on condition that none exists); an update one
transaction (current on condition of the version read, + the new version item). Cities spread the
province-wide indexes over twelve partition keys, as the score indexes do (`domain.regions`).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Final

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.indexes import GlobalSecondaryIndex
from pynamodb.transactions import TransactWrite

from chalicelib.domain.products.funnel import Milestones
from chalicelib.domain.regions import all_shards, shard_for, shards_for_prefix
from chalicelib.domain.support.record import SupportRecord
from chalicelib.stores.score_index import EXAMINED_PER_ITEM, MAX_READ
from chalicelib.stores.tables import SupportItem
from chalicelib.stores.transactions import lost_race

CURRENT: Final = "C"


class RecordConflictError(RuntimeError):
    """Another writer changed the record since it was read: re-read and decide again."""

    def __init__(self, record_id: str) -> None:
        super().__init__(f"support record {record_id} changed concurrently / 支持记录 {record_id} 被并发修改")
        self.record_id = record_id


def record_pk(record_id: str) -> str:
    return f"R#{record_id}"


def version_sk(version: int) -> str:
    return f"V#{version:06d}"


def recent_key(record: SupportRecord) -> str:
    return f"{record.recorded_at}#{record.record_id}"


def pending_key(occurred_on: date, record_id: str) -> str:
    return f"{occurred_on.isoformat()}#{record_id}"


def period_partition(period: int, shard: str) -> str:
    return f"{period}#{shard}"


def _record(item: SupportItem) -> SupportRecord:
    return SupportRecord.model_validate(item.record)


@dataclass(frozen=True, slots=True)
class Placed:
    """Where an enterprise is, for the indexes: its region code (from the card) and its name."""

    region_code: str
    name: str


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _current_item(record: SupportRecord, placed: Placed, milestones: Milestones | None = None) -> SupportItem:
    shard = shard_for(placed.region_code)
    pending = record.status == "applied" and record.whitelisted_at_time
    return SupportItem(
        record_pk(record.record_id),
        CURRENT,
        record=record.model_dump(mode="json"),
        version=record.version,
        org=record.org,
        status=record.status,
        kind=record.kind,
        period=record.period,
        region_code=placed.region_code,
        name=placed.name,
        recent_sk=recent_key(record),
        gsi_org=record.org,
        gsi_enterprise=record.credit_code,
        gsi_shard=shard,
        gsi_period=period_partition(record.period, shard),
        pending_shard=shard if pending else None,
        pending_sk=pending_key(record.occurred_on, record.record_id) if pending else None,
        product_id=record.product_id,
        applied_on=milestones.applied_on.isoformat() if milestones and milestones.applied_on else None,
        decided_on=milestones.decided_on.isoformat() if milestones and milestones.decided_on else None,
    )


def _version_item(record: SupportRecord) -> SupportItem:
    return SupportItem(
        record_pk(record.record_id),
        version_sk(record.version),
        record=record.model_dump(mode="json"),
        version=record.version,
    )


@dataclass(frozen=True, slots=True)
class Stored:
    """A current record as read, with where its enterprise is (kept for the next version's indexes)."""

    record: SupportRecord
    placed: Placed
    milestones: Milestones = field(default_factory=Milestones)


def _stored(item: SupportItem) -> Stored:
    milestones = Milestones(_day(item.applied_on), _day(item.decided_on))
    return Stored(_record(item), Placed(item.region_code or "", item.name or ""), milestones)


class SupportRepository:
    def __init__(self, connection: Connection | None = None) -> None:
        self._connection = connection

    @property
    def connection(self) -> Connection:
        return self._connection or SupportItem._get_connection().connection

    def current(self, record_ids: Iterable[str]) -> dict[str, Stored]:
        """The current versions of many records (BatchGetItem, 100 keys a call), by record id."""
        keys = [(record_pk(rid), CURRENT) for rid in sorted(set(record_ids))]
        if not keys:
            return {}
        found = {}
        for item in SupportItem.batch_get(keys, consistent_read=True):
            stored = _stored(item)
            found[stored.record.record_id] = stored
        return found

    def get(self, record_id: str) -> Stored | None:
        try:
            return _stored(SupportItem.get(record_pk(record_id), CURRENT))
        except SupportItem.DoesNotExist:
            return None

    def versions(self, record_id: str) -> list[SupportRecord]:
        """Every version of a record, oldest first (one Query)."""
        items = SupportItem.query(record_pk(record_id), SupportItem.sk.startswith("V#"), consistent_read=True)
        return [_record(item) for item in items]

    def write(
        self,
        record: SupportRecord,
        placed: Placed,
        previous_version: int | None,
        milestones: Milestones | None = None,
    ) -> None:
        """Commit a new version in one transaction; RecordConflictError when the stored one moved."""
        current = _current_item(record, placed, milestones)
        condition = (
            SupportItem.pk.does_not_exist()
            if previous_version is None
            else SupportItem.version == previous_version
        )
        try:
            with TransactWrite(connection=self.connection) as tx:
                tx.save(current, condition=condition)
                tx.save(_version_item(record), condition=SupportItem.pk.does_not_exist())
        except TransactWriteError as exc:
            if lost_race(exc):
                raise RecordConflictError(record.record_id) from exc
            raise


# --- lists -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Filters:
    """What a list may be narrowed by (contract 8); None: any."""

    period: int | None = None
    status: str | None = None
    kind: str | None = None
    region: str | None = None  # a region code prefix
    org: str | None = None
    credit_code: str | None = None
    cities: frozenset[str] | None = None  # only these cities' partitions (a zone filter's cities)


Keep = Callable[[Sequence[str]], Collection[str]]
"""A filter the table cannot apply (an enterprise's zone today, contract 14): given the credit codes of the
rows one request returned, those whose rows stay in the list."""


def _condition(filters: Filters, *, org_in_key: bool, code_in_key: bool) -> Condition | None:
    parts: list[Condition] = []
    if filters.period is not None:
        parts.append(SupportItem.period == filters.period)
    if filters.status is not None:
        parts.append(SupportItem.status == filters.status)
    if filters.kind is not None:
        parts.append(SupportItem.kind == filters.kind)
    if filters.region is not None:
        parts.append(SupportItem.region_code.startswith(filters.region))
    if filters.org is not None and not org_in_key:
        parts.append(SupportItem.org == filters.org)
    if filters.credit_code is not None and not code_in_key:
        parts.append(SupportItem.gsi_enterprise == filters.credit_code)
    condition: Condition | None = None
    for part in parts:
        condition = part if condition is None else condition & part
    return condition


@dataclass(frozen=True, slots=True)
class Cut:
    """Where a partition's reading stopped for this page (its examining budget spent): nothing beyond
    `sort_key` was read from it, so the merged page ends here and the next one resumes after it."""

    sort_key: str


@dataclass(frozen=True, slots=True)
class Found:
    """A page of a list: up to `limit` records with their sort keys, and the sort key the next page
    resumes after (None: the list ends here). A page may be short, even empty, with a `resume` (13.1)."""

    items: list[tuple[str, Stored]]
    resume: str | None


Entry = tuple[str, SupportItem] | Cut


def _budgeted(
    index: GlobalSecondaryIndex[SupportItem],
    partition: str,
    key_condition: Condition | None,
    condition: Condition | None,
    forward: bool,
    size: int,
    range_attr: str,
    keep: Keep | None = None,
) -> Iterator[Entry]:
    """One partition of an index in sort order, read lazily in growing requests; after examining
    `size` x `EXAMINED_PER_ITEM` rows (those a filter dropped included) it ends with a `Cut`, so a rare
    filter value costs a bounded read per request, as in the score index. `keep` (when given) is asked
    once per request for the rows to keep; the rows it drops count as examined too."""
    filtered = condition is not None or keep is not None
    budget = size * (EXAMINED_PER_ITEM if filtered else 1)
    read, start, limit = 0, None, min(size, budget)
    while True:
        query = index.query(
            partition,
            key_condition,
            filter_condition=condition,
            scan_index_forward=forward,
            page_size=limit,
            last_evaluated_key=start,
        )
        page = next(query.page_iter)  # one request
        items = [SupportItem.from_raw_data(raw) for raw in page.get("Items", [])]
        if keep is not None and items:
            kept = keep([item.gsi_enterprise or "" for item in items])
            items = [item for item in items if item.gsi_enterprise in kept]
        for item in items:
            yield getattr(item, range_attr), item
        read += int(page.get("ScannedCount", limit))
        start = page.get("LastEvaluatedKey")
        if start is None:
            return
        if read >= budget:
            yield Cut(start[range_attr]["S"])
            return
        limit = min(MAX_READ, limit * 2, budget - read)


def _stream(
    index: GlobalSecondaryIndex[SupportItem],
    partition: str,
    range_key: Any,
    before: str | None,
    condition: Condition | None,
    page_size: int,
    keep: Keep | None = None,
) -> Iterator[Entry]:
    """One partition of an index, newest first, strictly before the sort key `before`, with a budget."""
    key_condition = range_key < before if before else None
    return _budgeted(index, partition, key_condition, condition, False, page_size, range_key.attr_name, keep)


def _sort_key(entry: Entry) -> str:
    return entry.sort_key if isinstance(entry, Cut) else entry[0]


def _page(streams: Sequence[Iterator[Entry]], reverse: bool, limit: int) -> Found:
    """Up to `limit` entries of the merged streams; ends early at the first partition's `Cut`."""
    merged = streams[0] if len(streams) == 1 else heapq.merge(*streams, key=_sort_key, reverse=reverse)
    items: list[tuple[str, Stored]] = []
    for entry in merged:
        if isinstance(entry, Cut):
            return Found(items, entry.sort_key)
        items.append((entry[0], _stored(entry[1])))
        if len(items) > limit:
            return Found(items[:limit], items[limit - 1][0])
    return Found(items, None)


def _shards(filters: Filters) -> tuple[str, ...]:
    """The city partitions a province-wide index is read in: the region prefix's, within `cities`."""
    shards = shards_for_prefix(filters.region)
    if filters.cities is not None:
        shards = tuple(s for s in shards if s in filters.cities)
    return shards


def recent(filters: Filters, after: str | None, limit: int, keep: Keep | None = None) -> Found:
    """Up to `limit` current records matching `filters` (and `keep`), newest first, strictly after the
    sort key `after` (where the previous page ended). The partition is chosen from the filters: the
    enterprise, else the institution, else every city (narrowed by the region prefix and `cities`).
    Each partition examines a bounded number of rows per page (`_budgeted`)."""
    page = limit + 1
    if filters.credit_code is not None:
        condition = _condition(filters, org_in_key=False, code_in_key=True)
        streams = [
            _stream(
                SupportItem.by_enterprise,
                filters.credit_code,
                SupportItem.recent_sk,
                after,
                condition,
                page,
                keep,
            )
        ]
    elif filters.org is not None:
        condition = _condition(filters, org_in_key=True, code_in_key=False)
        streams = [
            _stream(SupportItem.by_org, filters.org, SupportItem.recent_sk, after, condition, page, keep)
        ]
    elif filters.period is not None:
        # the period is in the partition key: no filter on it
        condition = _condition(replace(filters, period=None), org_in_key=False, code_in_key=False)
        streams = [
            _stream(
                SupportItem.by_period,
                period_partition(filters.period, shard),
                SupportItem.recent_sk,
                after,
                condition,
                page,
                keep,
            )
            for shard in _shards(filters)
        ]
    else:
        condition = _condition(filters, org_in_key=False, code_in_key=False)
        streams = [
            _stream(SupportItem.by_shard, shard, SupportItem.recent_sk, after, condition, page, keep)
            for shard in _shards(filters)
        ]
    if not streams:
        return Found([], None)
    return _page(streams, True, limit)


def of_enterprise(credit_code: str) -> list[Stored]:
    """Every current record of an enterprise, newest first (one Query per 100; an enterprise has few)."""
    items = SupportItem.by_enterprise.query(credit_code, scan_index_forward=False, page_size=100)
    return [_stored(item) for item in items]


def pending(
    waiting_before: date, org: str | None, region: str | None, after: str | None, limit: int
) -> Found:
    """Applications of whitelisted enterprises made before `waiting_before` and still `applied`,
    longest waiting first, from the sparse by_pending index (never a Scan), each city's partition
    examining a bounded number of rows per page."""
    before_key = waiting_before.isoformat()  # "<occurred_on>#…" < "<day>" means occurred before that day
    conditions: list[Condition] = []
    if org is not None:
        conditions.append(SupportItem.org == org)
    if region is not None:
        conditions.append(SupportItem.region_code.startswith(region))
    condition: Condition | None = None
    for part in conditions:
        condition = part if condition is None else condition & part
    streams = []
    for shard in shards_for_prefix(region):
        key_condition: Condition = SupportItem.pending_sk < before_key
        if after is not None:
            key_condition = SupportItem.pending_sk.between(f"{after}\x00", before_key)
        streams.append(
            _budgeted(SupportItem.by_pending, shard, key_condition, condition, True, limit + 1, "pending_sk")
        )
    return _page(streams, False, limit)


def current_records_for_period(period: int) -> Iterator[SupportRecord]:
    """Every current record whose `period` is `period`, city by city (for the region reports)."""
    for shard in all_shards():
        for item in SupportItem.by_period.query(period_partition(period, shard)):
            yield _record(item)


def product_records(org: str, period: int) -> Iterator[Stored]:
    """The current records of one institution for `period` that name a product (the product funnel):
    one Query of the institution's partition of by_org, never a Scan."""
    condition = (SupportItem.period == period) & SupportItem.product_id.exists()
    for item in SupportItem.by_org.query(org, filter_condition=condition):
        yield _stored(item)
