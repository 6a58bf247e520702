"""The reports repository: dirty marks, whitelist move counters, built report items and snapshots.

Key design of the reports table (`tables.ReportItem`), written here only:

    pk "MARKS"                 sk "<period>"          the period's mark: `marked_at` (a card of the period
                                                       changed), `covered_until` (changes up to then are
                                                       in the built report), the current `generation`,
                                                       `as_of`, `model_version`, the builder's lease
    pk "M#<period>"            sk "E#<event id>"      one whitelist event of the period (`data`: day in CST,
                                                       district, entered or left), written by the scores
                                                       store in the transaction of the card it describes
                                                       (`move_item`), so each event counts exactly once
                               sk "<day>"             counters as written before (read, never written):
                                                       attributes `e#<district>`, `l#<district>`
                               sk "<day>#<region>"    the same counts as first written, one item per
                                                       district: `entered`, `left` (read, never written)
    pk "R#<period>#<gen>"      sk "B#<level>#<code>"  a built block (`data`) and its daily moves (`series`)
                               sk "S#<region>#<stage>" built indicator statistics of one group
                               sk "K#<stage>#<rank key>" a chunk of a cohort's rank keys, from its first
                                                       (`offset`, `cohort`, `keys`: domain.reports.ranks;
                                                       the cohort's first chunk is "K#<stage>#")
                               sk "P#<kind>#<key>"    a peers cohort's figure (contract 16; stage,
                                                       industry, city, zone: domain.reports.peers)
    pk "SNAP#<id>"             sk "SNAP"              a published snapshot, written once, never updated
    pk "SNAPS#<period>"        sk "<published_at>#<id>" the period's snapshots listed (newest last)

A rebuild writes a new generation, then points the mark at it: a reader (GetItem of the mark, then one
Query of that generation) never sees half of a rebuild. The generation before the previous one is deleted
by the next rebuild, long after any reader of it has finished. Every read here is a GetItem or a Query.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from pynamodb.attributes import NumberAttribute
from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib.domain.events import ChangeEvent
from chalicelib.domain.regions import all_shards, period_partition
from chalicelib.domain.reports.inputs import MoveCount
from chalicelib.domain.reports.window import move_of, zone_moves_key
from chalicelib.stores.tables import ReportItem, ScoreItem

MARKS: Final = "MARKS"
SNAPSHOT_SK: Final = "SNAP"
BLOCK: Final = "B"
STATISTICS: Final = "S"
RANKS: Final = "K"
PEERS: Final = "P"
_BATCH_GET: Final = 100  # DynamoDB's BatchGetItem limit
ENTERED_PREFIX: Final = "e#"  # a day's move counter attributes: e#<district>, l#<district>
LEFT_PREFIX: Final = "l#"
_ADDS_PER_UPDATE: Final = 100  # keeps an update expression well under DynamoDB's 4 KB
_DIGEST_ATTRIBUTES: Final = [
    "pk",
    "sk",
    "rank_sk",
    "gsi_period",
    "credit_code",
    "region_code",
    "report_digest",
]


def ranks_sk(stage: str, first_key: str) -> str:
    return f"{RANKS}#{stage}#{first_key}"


def _moves_pk(period: int) -> str:
    return f"M#{period}"


EVENT_PREFIX: Final = "E#"


def move_item(event: ChangeEvent, zone_id: str | None = None) -> ReportItem | None:
    """The move record of a whitelist event, for the transaction that commits its card; None when the
    event is no move (a grade change). Keyed by the event's id: written again, it is the same item.
    `zone_id`, the enterprise's zone when it moved, counts the move for the zone's report too."""
    move = move_of(event.body)
    if move is None:
        return None
    data: dict[str, Any] = {
        "day": move.day.isoformat(),
        "region_code": move.region_code,
        "entered": move.entered,
    }
    if zone_id:
        data["zone_id"] = zone_id
    return ReportItem(_moves_pk(move.period), f"{EVENT_PREFIX}{event.id}", data=data)


def _generation_pk(period: int, generation: str) -> str:
    return f"R#{period}#{generation}"


def cohort_sk(kind: str, key: str) -> str:
    return f"{PEERS}#{kind}#{key}"


def cohort_key(period: int, generation: str, kind: str, key: str) -> tuple[str, str]:
    """The (pk, sk) of a peers cohort's figure in a built generation."""
    return _generation_pk(period, generation), cohort_sk(kind, key)


generation_pk = _generation_pk  # the key of a generation's items, for their other writers and readers


def block_sk(level: str, region_code: str) -> str:
    return f"{BLOCK}#{level}#{region_code}"


def statistics_sk(region: str, stage: str) -> str:
    return f"{STATISTICS}#{region}#{stage}"


@dataclass(frozen=True, slots=True)
class Mark:
    period: int
    marked_at: str | None
    covered_until: str | None
    generation: str | None
    previous_generation: str | None
    as_of: str | None
    model_version: str | None
    enterprises: int
    building_until: str | None

    @property
    def dirty(self) -> bool:
        """A card changed after what the current report covers (or no report was ever built)."""
        if self.generation is None or self.covered_until is None:
            return True
        return self.marked_at is not None and self.marked_at > self.covered_until


@dataclass(frozen=True, slots=True)
class DigestRow:
    """One card of a period as the narrow index gives it; `digest` None for cards written before digests."""

    credit_code: str
    region_code: str
    digest: str | None
    industry_code: str | None = None  # peers' industry cohort (contract 16)
    zone_id: str | None = None  # peers' zone cohort: on the cards once zones land (issue 19)


@dataclass(frozen=True, slots=True)
class BuiltItem:
    sk: str
    data: dict[str, Any]
    series: dict[str, list[int]] | None = None


def _mark(item: ReportItem) -> Mark:
    return Mark(
        period=int(item.sk),
        marked_at=item.marked_at,
        covered_until=item.covered_until,
        generation=item.generation,
        previous_generation=item.previous_generation,
        as_of=item.as_of,
        model_version=item.model_version,
        enterprises=int(item.enterprises or 0),
        building_until=item.building_until,
    )


class ReportsRepository:
    # --- marks and moves: written by the rescore's listener ------------------------------------

    def mark_dirty(self, period: int, at: str) -> None:
        """A card of `period` changed at `at` (UTC stamp); one UpdateItem, other attributes untouched."""
        ReportItem(MARKS, str(period)).update(actions=[ReportItem.marked_at.set(at)])

    def count_moves(self, period: int, counts: Iterable[MoveCount]) -> None:
        """Add to the period's day counters (the form written before move records; kept for tests and
        data migrations, no longer called by the rescore: an ADD retried or redelivered counts twice)."""
        by_day: dict[date, list[Any]] = {}
        for count in counts:
            actions = by_day.setdefault(count.day, [])
            if count.entered:
                actions.append(
                    NumberAttribute(attr_name=ENTERED_PREFIX + count.region_code).add(count.entered)
                )
            if count.left:
                actions.append(NumberAttribute(attr_name=LEFT_PREFIX + count.region_code).add(count.left))
        for day, actions in by_day.items():
            for start in range(0, len(actions), _ADDS_PER_UPDATE):
                ReportItem(_moves_pk(period), day.isoformat()).update(
                    actions=actions[start : start + _ADDS_PER_UPDATE]
                )

    # --- the builder ---------------------------------------------------------------------------

    def marks(self) -> list[Mark]:
        """Every period that ever had a card change, with its build state (one Query)."""
        return [_mark(item) for item in ReportItem.query(MARKS, consistent_read=True)]

    def mark(self, period: int) -> Mark | None:
        try:
            return _mark(ReportItem.get(MARKS, str(period), consistent_read=True))
        except ReportItem.DoesNotExist:
            return None

    def claim(self, period: int, now: str, until: str) -> bool:
        """Take the period's build lease until `until`, unless another builder holds it past `now`."""
        condition = ReportItem.building_until.does_not_exist() | (ReportItem.building_until < now)
        try:
            ReportItem(MARKS, str(period)).update(
                actions=[ReportItem.building_until.set(until)], condition=condition
            )
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def release(self, period: int) -> None:
        ReportItem(MARKS, str(period)).update(actions=[ReportItem.building_until.remove()])

    def period_digests(self, period: int) -> Iterator[DigestRow]:
        """The period's cards from the `by_period` index (list fields and the digest, never the card):
        one Query per city shard, in parallel, each paged by DynamoDB (1 MB a page)."""

        def shard_rows(shard: str) -> list[DigestRow]:
            return [
                DigestRow(
                    item.credit_code,
                    item.region_code or "",
                    item.report_digest,
                    item.industry_code,
                    item.zone_id,
                )
                for item in ScoreItem.by_period.query(
                    period_partition(period, shard),
                    attributes_to_get=[
                        *("pk", "credit_code", "region_code", "industry_code", "zone_id", "report_digest")
                    ],
                )
            ]

        with ThreadPoolExecutor(max_workers=4, thread_name_prefix="digest") as pool:
            for rows in pool.map(shard_rows, all_shards()):
                yield from rows

    def full_cards(self, period: int, codes: Sequence[str]) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """(code, region, card) of cards that carry no digest yet (written before digests existed):
        BatchGetItem, 100 keys a request."""
        keys = [(f"E#{code}", f"S#{period}") for code in codes]
        for start in range(0, len(keys), _BATCH_GET):
            for item in ScoreItem.batch_get(
                keys[start : start + _BATCH_GET], attributes_to_get=["credit_code", "region_code", "card"]
            ):
                if item.card:
                    yield item.credit_code, item.region_code or "", dict(item.card)

    def moves(self, period: int) -> list[MoveCount]:
        """The period's whitelist moves by day and district: its event records and any older counters
        (one Query, paged; read raw: the districts' attributes are not fields of the model)."""
        totals: dict[tuple[date, str], list[int]] = {}
        connection = ReportItem._get_connection()
        start: Any = None
        while True:
            page = connection.query(_moves_pk(period), exclusive_start_key=start)
            for raw in page.get("Items", []):
                if raw["sk"]["S"].startswith(EVENT_PREFIX):  # one event's move record
                    data = json.loads(raw["data"]["S"])
                    day = date.fromisoformat(data["day"])
                    # a zone's moves are a series of their own beside the districts' (zone reports)
                    zone = [zone_moves_key(data["zone_id"])] if data.get("zone_id") else []
                    for key in [data["region_code"], *zone]:
                        pair = totals.setdefault((day, key), [0, 0])
                        pair[0 if data["entered"] else 1] += 1
                    continue
                day_text, _, region = raw["sk"]["S"].partition("#")
                day = date.fromisoformat(day_text)
                if region:  # a district's own item, as counters were first written
                    pair = totals.setdefault((day, region), [0, 0])
                    pair[0] += int(raw.get("entered", {}).get("N", 0))
                    pair[1] += int(raw.get("left", {}).get("N", 0))
                    continue
                for name, value in raw.items():
                    for index, prefix in enumerate((ENTERED_PREFIX, LEFT_PREFIX)):
                        if name.startswith(prefix):
                            totals.setdefault((day, name[len(prefix) :]), [0, 0])[index] += int(value["N"])
            start = page.get("LastEvaluatedKey")
            if not start:
                break
        return [MoveCount(day, region, e, left) for (day, region), (e, left) in sorted(totals.items())]

    def write_generation(self, period: int, items: Sequence[BuiltItem]) -> str:
        """Write a new generation of the period's report items (batches of 25); return its id."""
        generation = uuid.uuid4().hex[:12]
        pk = _generation_pk(period, generation)
        with ReportItem.batch_write() as batch:
            for built in items:
                batch.save(ReportItem(pk, built.sk, data=built.data, series=built.series))
        return generation

    def publish_generation(
        self,
        period: int,
        generation: str,
        *,
        covered_until: str,
        as_of: str,
        model_version: str,
        enterprises: int,
        previous: Mark | None,
    ) -> None:
        """Point the mark at `generation` (readers switch at once) and release the lease; delete the
        generation before the one being replaced (no reader can still hold it)."""
        stale = previous.generation if previous is not None else None
        ReportItem(MARKS, str(period)).update(
            actions=[
                ReportItem.generation.set(generation),
                ReportItem.previous_generation.set(stale)
                if stale
                else ReportItem.previous_generation.remove(),
                ReportItem.covered_until.set(covered_until),
                ReportItem.as_of.set(as_of),
                ReportItem.model_version.set(model_version),
                ReportItem.enterprises.set(enterprises),
                ReportItem.building_until.remove(),
            ]
        )
        older = previous.previous_generation if previous is not None else None
        if older and older not in (stale, generation):
            self.delete_generation(period, older)

    def delete_generation(self, period: int, generation: str) -> None:
        pk = _generation_pk(period, generation)
        with ReportItem.batch_write() as batch:
            for item in ReportItem.query(pk, attributes_to_get=["pk", "sk"]):
                batch.delete(item)

    # --- readers (the API) -----------------------------------------------------------------------

    def blocks(
        self, period: int, generation: str, level: str
    ) -> list[tuple[dict[str, Any], dict[str, list[int]]]]:
        """The blocks of one level, in region code order (one Query)."""
        items = ReportItem.query(
            _generation_pk(period, generation), ReportItem.sk.startswith(f"{BLOCK}#{level}#")
        )
        return [(dict(item.data or {}), dict(item.series or {})) for item in items]

    def rank_chunk(self, period: int, generation: str, stage: str, key: str) -> dict[str, Any] | None:
        """The chunk of the (period, stage) cohort that would hold `key`: the last whose stored first key
        is not after it (one Query, descending, Limit 1). None: the generation has no card of `stage`."""
        query = ReportItem.query(
            _generation_pk(period, generation),
            ReportItem.sk.between(ranks_sk(stage, ""), ranks_sk(stage, key)),
            scan_index_forward=False,
            limit=1,
        )
        item = next(iter(query), None)
        return dict(item.data or {}) if item is not None else None

    def statistics(self, period: int, generation: str, region: str, stage: str) -> dict[str, Any] | None:
        try:
            item = ReportItem.get(_generation_pk(period, generation), statistics_sk(region, stage))
        except ReportItem.DoesNotExist:
            return None
        return dict(item.data or {})

    # --- snapshots -------------------------------------------------------------------------------

    def save_snapshot(
        self, snapshot_id: str, period: int, published_at: str, data: dict[str, Any], summary: dict[str, Any]
    ) -> None:
        """Write a snapshot once, with its line in the period's list, in one transaction: an existing
        id is never overwritten (immutability)."""
        try:
            with TransactWrite(connection=ReportItem._get_connection().connection) as tx:
                tx.save(
                    ReportItem(f"SNAP#{snapshot_id}", SNAPSHOT_SK, data=data),
                    condition=ReportItem.pk.does_not_exist(),
                )
                tx.save(ReportItem(f"SNAPS#{period}", f"{published_at}#{snapshot_id}", data=summary))
        except TransactWriteError as exc:
            raise RuntimeError(f"snapshot {snapshot_id} exists / 快照 {snapshot_id} 已存在") from exc

    def snapshot_list(
        self, period: int, before: str | None, limit: int
    ) -> tuple[list[dict[str, Any]], str | None]:
        """The period's snapshots newest first, a page at a time: (summaries, the last one's key if more)."""
        condition = ReportItem.sk < before if before is not None else None
        items = ReportItem.query(
            f"SNAPS#{period}", condition, scan_index_forward=False, limit=limit + 1, page_size=limit + 1
        )
        page = list(items)
        more = len(page) > limit
        page = page[:limit]
        return [dict(i.data or {}) for i in page], (page[-1].sk if more and page else None)

    def snapshot(self, snapshot_id: str) -> dict[str, Any] | None:
        try:
            item = ReportItem.get(f"SNAP#{snapshot_id}", SNAPSHOT_SK)
        except ReportItem.DoesNotExist:
            return None
        return dict(item.data or {})
