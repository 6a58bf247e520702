"""Reading the score indexes: the city-sharded GSIs of the scores table, merged in rank order.

Province-wide lists read the city-sharded indexes (`chalicelib.domain.regions`): one Query per shard,
each already in rank order (`rank_sk` ascending = score descending, credit code ascending), merged
k-way. A page resumes strictly after the last `rank_sk` it served; `rank_sk` holds the credit code, so
it is unique within a period and one cursor serves every shard. Callers see plain `Listing`s.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from functools import reduce
from typing import Any, Final, Literal

from pynamodb.expressions.condition import Condition
from pynamodb.indexes import GlobalSecondaryIndex

from chalicelib.domain.regions import all_shards, period_partition, shards_for_prefix, stage_partition
from chalicelib.stores.tables import ScoreItem

# Serialised score cards that hold a discrepancy contain this key (a field of records.Discrepancy).
# Until the scores table has a sparse discrepancy index, /verifications filters on it server-side.
DISCREPANCY_MARKER: Final = '"stats_batch_id"'
# What a list item shows (the GSIs project whole items, score cards included: leave those behind).
LIST_ATTRIBUTES: Final = (
    *("pk", "sk", "rank_sk", "credit_code", "name", "region_code", "industry_code"),
    *("stage", "score", "grade", "whitelisted", "zone_id"),
)
MIN_SHARD_PAGE: Final = 10  # items a shard is first asked for, however small the page
MAX_READ: Final = 1000  # items one filtered request may read (DynamoDB stops at 1 MB anyway)
# rows one shard may examine per item a page asks for: bounds what a rare filter value reads per page
EXAMINED_PER_ITEM: Final = 20
# Shards are queried in parallel: one thread per shard (12 for Jiangxi), shared by all requests.
_POOL = ThreadPoolExecutor(max_workers=len(all_shards()), thread_name_prefix="shard")

Index = Literal["whitelist", "period", "stage"]


@dataclass(frozen=True, slots=True)
class Listing:
    """One enterprise's current card as a list shows it."""

    credit_code: str
    name: str | None
    region_code: str | None
    industry_code: str | None
    stage: str
    score: Decimal
    grade: str
    whitelisted: bool
    rank_sk: str
    card: dict[str, Any] | None  # the full card, only when asked for
    zone_id: str | None = None  # as stored (merges are followed by the reader: services/zones.py)


@dataclass(frozen=True, slots=True)
class Filters:
    region: str | None = None  # prefix of region_code
    industry: str | None = None  # prefix of industry_code
    stage: str | None = None
    grade: str | None = None
    with_discrepancy: bool = False
    zones: frozenset[str] | None = None  # zone ids (contract 14's zone filters, merged zones included)


def _listing(item: ScoreItem) -> Listing:
    return Listing(
        credit_code=item.credit_code,
        name=item.name,
        region_code=item.region_code,
        industry_code=item.industry_code,
        stage=item.stage,
        score=Decimal(item.score) if item.score is not None else Decimal(0),
        grade=item.grade,
        whitelisted=bool(item.whitelisted),
        rank_sk=item.rank_sk or "",
        card=item.card,
        zone_id=item.zone_id,
    )


def _condition(filters: Filters) -> Condition | None:
    present = [
        ScoreItem.region_code.startswith(filters.region) if filters.region else None,
        ScoreItem.industry_code.startswith(filters.industry) if filters.industry else None,
        ScoreItem.stage == filters.stage if filters.stage else None,
        ScoreItem.grade == filters.grade if filters.grade else None,
        ScoreItem.card.contains({"S": DISCREPANCY_MARKER}) if filters.with_discrepancy else None,
        _zone_condition(filters.zones) if filters.zones is not None else None,
    ]
    conditions: list[Condition] = [c for c in present if c is not None]
    return reduce(lambda a, b: a & b, conditions) if conditions else None


NO_ZONE: Final = "-"  # no zone id looks like this ([A-Z0-9-]{3,24}): a filter no card passes


def _zone_condition(zones: frozenset[str]) -> Condition:
    wanted = sorted(zones) or [NO_ZONE]
    return ScoreItem.zone_id.is_in(*wanted)


@dataclass(frozen=True, slots=True)
class Cut:
    """Where a shard's reading stopped for this page (its examining budget spent): nothing after
    `rank_sk` was read from it, so the merged page must end here and resume after it."""

    rank_sk: str


@dataclass(frozen=True, slots=True)
class _Fetched:
    items: list[Listing]
    more: bool  # the partition has more after what was examined
    examined: int  # rows read, those a filter dropped included
    last: str | None  # the last examined row's rank_sk, when `more`


def _fetch(
    index: GlobalSecondaryIndex[ScoreItem],
    partition: str,
    after: str | None,
    condition: Condition | None,
    size: int,
    attributes: Sequence[str] | None,
    budget: int,
) -> _Fetched:
    """At least `size` matching items of one partition after `after` (fewer at its end, or when `budget`
    rows have been examined), and whether the partition has more.

    DynamoDB applies `Limit` before a filter, so a filtered read asks for `size` items first and then,
    from the share that matched, for as many as should bring the rest: a selective filter costs a few
    requests, not one per `size` items, and a loose one reads hardly more than it returns.
    """
    found: list[Listing] = []
    limit, start, read = min(size, budget), after, 0
    while True:
        pages = index.query(
            partition,
            range_key_condition=ScoreItem.rank_sk > start if start is not None else None,
            filter_condition=condition,
            page_size=limit,
            attributes_to_get=list(attributes) if attributes is not None else None,
        ).page_iter
        page = next(pages)  # one request
        found += [_listing(ScoreItem.from_raw_data(raw)) for raw in page.get("Items", [])]
        read += int(page.get("ScannedCount", limit))
        last = page.get("LastEvaluatedKey")
        if last is None:
            return _Fetched(found, False, read, None)
        start = last["rank_sk"]["S"]
        if len(found) >= size or read >= budget:
            return _Fetched(found, True, read, start)
        # the share that matched so far, smoothed so that one lucky or unlucky page cannot swing it
        limit = min(MAX_READ, max(size, (size - len(found)) * (read + 1) // (len(found) + 1)))
        limit = min(limit, budget - read)


def _shard_stream(
    index: GlobalSecondaryIndex[ScoreItem],
    partition: str,
    first: _Fetched,
    size: int,
    wanted: int,
    condition: Condition | None,
    attributes: Sequence[str] | None,
    budget: int,
) -> Iterator[Listing | Cut]:
    """One shard in rank order: the first page, then pages twice as large (up to `wanted`) on demand;
    a `Cut` where its examining budget for the page ran out."""
    fetched, left = first, budget - first.examined
    while True:
        yield from fetched.items
        if not fetched.more:
            return
        if left <= 0:
            assert fetched.last is not None
            yield Cut(fetched.last)
            return
        size = min(size * 2, wanted)
        start = fetched.last  # after the last row examined, matched or not
        fetched = _fetch(index, partition, start, condition, size, attributes, left)
        left -= fetched.examined


class RankedStream:
    """A page's merged stream of listings in rank order; `cut` is set when it ended at a `Cut` (a shard's
    budget ran out before the page was full): the page then ends there and the next resumes after it."""

    def __init__(self, merged: Iterator[Listing | Cut]) -> None:
        self._merged = merged
        self.cut: str | None = None

    def __iter__(self) -> Iterator[Listing]:
        for item in self._merged:
            if isinstance(item, Cut):
                self.cut = item.rank_sk
                return
            yield item


def ranked(
    index_name: Index,
    period: int,
    filters: Filters,
    after: str | None,
    wanted: int,
    *,
    with_card: bool = False,
) -> RankedStream:
    """Every card of `period` passing `filters`, after `after`, in rank order, read lazily.

    `whitelist` reads only listed cards; `stage` one stage's cohort (filters.stage required); `period`
    every card. A page of `wanted` items rarely comes from one city alone: each shard is first asked
    for twice an even share (its first pages all at once, in parallel), and a shard that supplies more
    is read on, in growing pages, as the merge consumes it. A shard examines at most `wanted` ×
    `EXAMINED_PER_ITEM` rows for one page: a rare filter value costs a bounded read, and its page may
    end short (with a token) rather than read the whole period.
    """
    shards = shards_for_prefix(filters.region)
    index: GlobalSecondaryIndex[ScoreItem]
    if index_name == "stage":
        assert filters.stage is not None
        index, partitions = ScoreItem.by_stage, [stage_partition(period, filters.stage, s) for s in shards]
    else:
        index = ScoreItem.by_whitelist if index_name == "whitelist" else ScoreItem.by_period
        partitions = [period_partition(period, s) for s in shards]
    condition = _condition(filters)
    attributes = None if with_card else LIST_ATTRIBUTES
    share = wanted if len(partitions) == 1 else max(MIN_SHARD_PAGE, -(-2 * wanted // len(partitions)))
    size = min(share, wanted)
    # unfiltered, a shard never gives a page more than `wanted` rows: the budget only binds filters
    budget = wanted * (EXAMINED_PER_ITEM if condition is not None else 1)
    firsts = _POOL.map(lambda p: _fetch(index, p, after, condition, size, attributes, budget), partitions)
    streams = [
        _shard_stream(index, p, first, size, wanted, condition, attributes, budget)
        for p, first in zip(partitions, firsts, strict=True)
    ]
    return RankedStream(heapq.merge(*streams, key=lambda listing: listing.rank_sk))


def any_scored(periods: Iterable[int]) -> int | None:
    """The first of `periods` with any card (a Limit-1 Query per shard, in parallel), or None."""

    def scored(partition: str) -> bool:
        query = ScoreItem.by_period.query(partition, limit=1, attributes_to_get=["pk"])
        return next(iter(query), None) is not None

    for period in periods:
        if any(_POOL.map(scored, [period_partition(period, s) for s in all_shards()])):
            return period
    return None


def count_rank(period: int, stage: str, rank_sk: str) -> tuple[int, int]:
    """Rank of `rank_sk` within (period, stage) province-wide, and the cohort's size: two COUNT Queries
    per shard, in parallel. They read the whole cohort (O(cohort) read units): only for a period no
    report build has ranked yet (`stores/rank_reads.py`), i.e. the first minute after it is first scored."""
    partitions = [stage_partition(period, stage, s) for s in all_shards()]

    def counts(partition: str) -> tuple[int, int]:
        total = ScoreItem.by_stage.count(partition)
        return ScoreItem.by_stage.count(partition, ScoreItem.rank_sk < rank_sk), total

    per_shard = list(_POOL.map(counts, partitions))
    rank = sum(ahead for ahead, _ in per_shard) + 1
    # a card written a moment ago may not be in the index yet: the cohort is never smaller than its rank
    return rank, max(rank, sum(total for _, total in per_shard))
