"""Query functions behind the API routes: DynamoDB Queries and GetItems over the stores, never a Scan.

Province-wide lists read the city-sharded indexes (`chalicelib.domain.regions`): one Query per shard, each
already in rank order (`rank_sk` ascending = score descending, credit code ascending), merged k-way.
A page resumes strictly after the last `rank_sk` it served; `rank_sk` holds the credit code, so it is
unique within a period and one cursor serves every shard. No Chalice here: plain functions that
return the response models of `chalicelib.api.schemas` or raise `ApiProblem`.
"""

from __future__ import annotations

import heapq
from collections.abc import Collection, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from decimal import Decimal
from functools import reduce
from itertools import islice
from typing import Any

from pynamodb.expressions.condition import Condition
from pynamodb.indexes import GlobalSecondaryIndex

from chalicelib.api import pagination
from chalicelib.api.auth import ADMIN, Principal
from chalicelib.api.pagination import Cursor
from chalicelib.api.problems import ApiProblem, Code
from chalicelib.api.schemas import (
    BatchesParams,
    BatchPage,
    CategoryDefOut,
    CategoryOut,
    DiscrepancyOut,
    GradeOut,
    HistoryEntry,
    HistoryPage,
    HistoryParams,
    IndicatorOut,
    ListedEnterprise,
    ModelIndicatorOut,
    ModelOut,
    Portrait,
    RankedEnterprise,
    RankingsPage,
    RankingsParams,
    StageOut,
    VerificationEntry,
    VerificationsPage,
    VerificationsParams,
    WhitelistPage,
    WhitelistParams,
    WhitelistRuleOut,
)
from chalicelib.domain import creditcode
from chalicelib.domain.model.schema import ScoringModel
from chalicelib.domain.records import Discrepancy
from chalicelib.domain.regions import all_shards, period_partition, shards_for_prefix, stage_partition
from chalicelib.domain.scoring.cardcodec import card_from_dict
from chalicelib.domain.validation.report import BatchReport
from chalicelib.stores.scores import CARD
from chalicelib.stores.tables import BatchItem, FactItem, ScoreItem

# How many years back from the current one a request without `period` looks for scores.
DEFAULT_PERIOD_PROBE_YEARS = 3
# Serialised score cards that hold a discrepancy contain this key (a field of records.Discrepancy).
# Until the scores table has a sparse discrepancy index, /verifications filters on it server-side.
DISCREPANCY_MARKER = '"stats_batch_id"'
MAX_BATCH_ID_CHARS = 256
# What a list item shows (the GSIs project whole items, score cards included: leave those behind).
LIST_ATTRIBUTES = (
    *("pk", "sk", "rank_sk", "credit_code", "name", "region_code", "industry_code"),
    *("stage", "score", "grade", "whitelisted"),
)
MIN_SHARD_PAGE = 10  # items a shard is first asked for, however small the page
MAX_READ = 1000  # items one filtered request may read (DynamoDB stops at 1 MB anyway)
# Shards are queried in parallel: one thread per shard (12 for Jiangxi), shared by all requests.
_POOL = ThreadPoolExecutor(max_workers=len(all_shards()), thread_name_prefix="shard")

# --- the model -------------------------------------------------------------------------------


def model_out(model: ScoringModel) -> ModelOut:
    """The active scoring model as GET /model shows it (contract 6)."""
    indicators = []
    for ind in model.indicators:
        scored_extra = ind.kind in ("characteristic", "negative")
        indicators.append(
            ModelIndicatorOut(
                id=ind.id,
                name_zh=ind.name_zh,
                category=ind.category,
                kind=ind.kind,
                unit=ind.unit,
                type=ind.type,
                source=ind.source,
                full=ind.full,
                weight=ind.weight,
                points=ind.points if scored_extra else None,
                cap=ind.cap if scored_extra else None,
                veto=ind.veto if scored_extra else None,
            )
        )
    return ModelOut(
        version=model.version,
        name_zh=model.name_zh,
        scale=model.scale,
        stages=[StageOut(id=s.id, name_zh=s.name_zh) for s in model.stages],
        categories=[CategoryDefOut(id=c.id, name_zh=c.name_zh, kind=c.kind) for c in model.categories],
        indicators=indicators,
        grades=[GradeOut(grade=g.grade, min=g.min) for g in model.grades],
        whitelist=WhitelistRuleOut(
            min_score=model.whitelist.min_score, veto_excludes=model.whitelist.veto_excludes
        ),
    )


# --- shared helpers --------------------------------------------------------------------------


def credit_code(raw: str) -> str:
    """A credit code from a URL, folded like an uploaded one; ApiProblem 400 when it is not valid."""
    code = creditcode.normalise(raw)
    problem = creditcode.problem(code)
    if problem is creditcode.CodeProblem.FORMAT:
        raise ApiProblem(
            Code.INVALID_CREDIT_CODE,
            "a credit code has 18 characters: digits and capital letters except I, O, Z, S, V",
            "统一社会信用代码应为 18 位数字或大写字母（不含 I、O、Z、S、V）",
        )
    if problem is creditcode.CodeProblem.CHECKSUM:
        raise ApiProblem(
            Code.CREDIT_CODE_CHECKSUM,
            "the 18th character is not the GB 32100-2015 check character",
            "第 18 位不是 GB 32100-2015 规定的校验码",
        )
    return code


def latest_period(now_year: int | None = None) -> int:
    """The latest recent period with any score (a few Limit-1 Queries); the previous year when none."""
    year = now_year if now_year is not None else datetime.now(UTC).year

    def scored(partition: str) -> bool:
        return (
            next(iter(ScoreItem.by_period.query(partition, limit=1, attributes_to_get=["pk"])), None)
            is not None
        )

    for period in range(year, year - DEFAULT_PERIOD_PROBE_YEARS, -1):
        if any(_POOL.map(scored, [period_partition(period, s) for s in all_shards()])):
            return period
    return year - 1


def _decimal(text: str | None) -> Decimal:
    return Decimal(text) if text is not None else Decimal(0)


def _all_of(conditions: Iterable[Condition | None]) -> Condition | None:
    present = [c for c in conditions if c is not None]
    return reduce(lambda a, b: a & b, present) if present else None


def _rank_sk(item: ScoreItem) -> str:
    return item.rank_sk or ""


def _fetch(
    index: GlobalSecondaryIndex[ScoreItem],
    partition: str,
    after: str | None,
    condition: Condition | None,
    size: int,
    attributes: Sequence[str] | None,
) -> tuple[list[ScoreItem], bool]:
    """At least `size` matching items of one partition after `after` (fewer at its end), and whether
    the partition has more.

    DynamoDB applies `Limit` before a filter, so a filtered read asks for `size` items first and then,
    from the share that matched, for as many as should bring the rest: a selective filter costs a few
    requests, not one per `size` items, and a loose one reads hardly more than it returns.
    """
    found: list[ScoreItem] = []
    limit, start, read = size, after, 0
    while True:
        pages = index.query(
            partition,
            range_key_condition=ScoreItem.rank_sk > start if start is not None else None,
            filter_condition=condition,
            page_size=limit,
            attributes_to_get=list(attributes) if attributes is not None else None,
        ).page_iter
        page = next(pages)  # one request
        found += [ScoreItem.from_raw_data(raw) for raw in page.get("Items", [])]
        read += int(page.get("ScannedCount", limit))
        last = page.get("LastEvaluatedKey")
        if last is None:
            return found, False
        if len(found) >= size:
            return found, True
        start = last["rank_sk"]["S"]
        # the share that matched so far, smoothed so that one lucky or unlucky page cannot swing it
        limit = min(MAX_READ, max(size, (size - len(found)) * (read + 1) // (len(found) + 1)))


def _shard_stream(
    index: GlobalSecondaryIndex[ScoreItem],
    partition: str,
    first: tuple[list[ScoreItem], bool],
    size: int,
    wanted: int,
    condition: Condition | None,
    attributes: Sequence[str] | None,
) -> Iterator[ScoreItem]:
    """One shard in rank order: the first page, then pages twice as large (up to `wanted`) on demand."""
    page, more = first
    while True:
        yield from page
        if not more or not page:
            return
        size = min(size * 2, wanted)
        page, more = _fetch(index, partition, _rank_sk(page[-1]), condition, size, attributes)


def _merged(
    index: GlobalSecondaryIndex[ScoreItem],
    partitions: Sequence[str],
    after: str | None,
    condition: Condition | None,
    wanted: int,
    attributes: Sequence[str] | None = LIST_ATTRIBUTES,
) -> Iterator[ScoreItem]:
    """Every item of `partitions` after `after`, in rank order, read lazily.

    A page of `wanted` items rarely comes from one city alone: each shard is first asked for twice an
    even share (its first pages all at once, in parallel), and a shard that supplies more is read on,
    in growing pages, as the merge consumes it.
    """
    share = wanted if len(partitions) == 1 else max(MIN_SHARD_PAGE, -(-2 * wanted // len(partitions)))
    size = min(share, wanted)
    firsts = _POOL.map(lambda p: _fetch(index, p, after, condition, size, attributes), partitions)
    streams = [
        _shard_stream(index, p, first, size, wanted, condition, attributes)
        for p, first in zip(partitions, firsts, strict=True)
    ]
    return heapq.merge(*streams, key=_rank_sk)


def _take(stream: Iterator[ScoreItem], limit: int) -> tuple[list[ScoreItem], bool]:
    """The first `limit` items and whether there are more (reads one item ahead)."""
    items = list(islice(stream, limit + 1))
    return items[:limit], len(items) > limit


def _cursor(token: str | None, bound_to: bytes, secret: str) -> Cursor | None:
    return pagination.decode(token, bound_to, secret) if token is not None else None


def _next_token(
    items: Sequence[ScoreItem], more: bool, rank: int, period: int, bound_to: bytes, secret: str
) -> str | None:
    if not more or not items:
        return None
    cursor = Cursor(after={"rank_sk": _rank_sk(items[-1])}, rank=rank, period=period)
    return pagination.encode(cursor, bound_to, secret)


def _period(asked: int | None, cursor: Cursor | None) -> int:
    if asked is not None:
        return asked
    if cursor is not None and cursor.period is not None:
        return cursor.period
    return latest_period()


def _listed(item: ScoreItem) -> dict[str, Any]:
    return {
        "credit_code": item.credit_code,
        "name": item.name,
        "region_code": item.region_code,
        "industry_code": item.industry_code,
        "stage": item.stage,
        "score": _decimal(item.score),
        "grade": item.grade,
    }


def _region_filter(region: str | None) -> Condition | None:
    return ScoreItem.region_code.startswith(region) if region else None


# --- lists -----------------------------------------------------------------------------------


def whitelist(params: WhitelistParams, secret: str) -> WhitelistPage:
    """白名单 for a period: score descending, then credit code; filtered by region, stage, grade."""
    bound_to = pagination.binding(
        "whitelist",
        {"period": params.period, "region": params.region, "stage": params.stage, "grade": params.grade},
    )
    cursor = _cursor(params.next_token, bound_to, secret)
    period = _period(params.period, cursor)
    condition = _all_of(
        [
            _region_filter(params.region),
            ScoreItem.stage == params.stage if params.stage else None,
            ScoreItem.grade == params.grade if params.grade else None,
        ]
    )
    partitions = [period_partition(period, s) for s in shards_for_prefix(params.region)]
    after = cursor.after.get("rank_sk") if cursor else None
    items, more = _take(
        _merged(ScoreItem.by_whitelist, partitions, after, condition, params.limit + 1), params.limit
    )
    served = (cursor.rank if cursor else 0) + len(items)
    return WhitelistPage(
        period=period,
        items=[ListedEnterprise.model_validate(_listed(i)) for i in items],
        next_token=_next_token(items, more, served, period, bound_to, secret),
    )


def rankings(params: RankingsParams, secret: str) -> RankingsPage:
    """Ranks within the filtered set: by_stage for one stage, by_period for all stages together."""
    bound_to = pagination.binding(
        "rankings",
        {
            "period": params.period,
            "stage": params.stage,
            "region": params.region,
            "industry": params.industry,
        },
    )
    cursor = _cursor(params.next_token, bound_to, secret)
    period = _period(params.period, cursor)
    shards = shards_for_prefix(params.region)
    index: GlobalSecondaryIndex[ScoreItem]
    if params.stage is not None:
        index, partitions = ScoreItem.by_stage, [stage_partition(period, params.stage, s) for s in shards]
    else:
        index, partitions = ScoreItem.by_period, [period_partition(period, s) for s in shards]
    condition = _all_of(
        [
            _region_filter(params.region),
            ScoreItem.industry_code.startswith(params.industry) if params.industry else None,
        ]
    )
    after = cursor.after.get("rank_sk") if cursor else None
    items, more = _take(_merged(index, partitions, after, condition, params.limit + 1), params.limit)
    before = cursor.rank if cursor else 0
    ranked = [
        RankedEnterprise.model_validate(
            {**_listed(item), "rank": before + n, "whitelisted": item.whitelisted}
        )
        for n, item in enumerate(items, start=1)
    ]
    return RankingsPage(
        period=period,
        items=ranked,
        next_token=_next_token(items, more, before + len(items), period, bound_to, secret),
    )


def _discrepancy_out(d: Discrepancy) -> DiscrepancyOut:
    return DiscrepancyOut(
        indicator=d.indicator,
        period=d.period,
        scored_value=d.scored_value,
        scored_department=d.scored_department,
        stats_value=d.stats_value,
        gap_pct=d.gap_pct,
        stats_batch_id=d.stats_batch_id,
    )


def verifications(params: VerificationsParams, secret: str) -> VerificationsPage:
    """Enterprises of a period whose scored values disagree with `stats` (多源校核), in rank order.

    Reads the period's cards through by_period with a server-side filter: no scan, but it reads the
    whole period's partitions when discrepancies are rare. A sparse index would read only the cards
    that hold one (see the note on DISCREPANCY_MARKER).
    """
    bound_to = pagination.binding("verifications", {"period": params.period})
    cursor = _cursor(params.next_token, bound_to, secret)
    period = _period(params.period, cursor)
    partitions = [period_partition(period, s) for s in all_shards()]
    condition = ScoreItem.card.contains({"S": DISCREPANCY_MARKER})
    after = cursor.after.get("rank_sk") if cursor else None
    items, more = _take(
        _merged(ScoreItem.by_period, partitions, after, condition, params.limit + 1, attributes=None),
        params.limit,
    )
    entries = []
    for item in items:
        card = card_from_dict(item.card or {})
        entries.append(
            VerificationEntry(
                credit_code=item.credit_code,
                name=item.name,
                region_code=item.region_code,
                stage=card.stage,
                score=card.score,
                discrepancies=[_discrepancy_out(d) for d in card.discrepancies],
            )
        )
    served = (cursor.rank if cursor else 0) + len(items)
    return VerificationsPage(
        period=period, items=entries, next_token=_next_token(items, more, served, period, bound_to, secret)
    )


# --- one enterprise --------------------------------------------------------------------------


def _card_item(code: str, period: int | None) -> ScoreItem:
    """The current card of (code, period), or the latest one; retired cards count as absent."""
    pk = f"E#{code}"
    if period is not None:
        try:
            item = ScoreItem.get(pk, f"S#{period}")
            if item.kind == CARD:
                return item
        except ScoreItem.DoesNotExist:
            pass
    latest = next(
        iter(
            ScoreItem.query(
                pk,
                ScoreItem.sk.startswith("S#"),
                filter_condition=ScoreItem.kind == CARD,
                scan_index_forward=False,
                limit=1,
            )
        ),
        None,
    )
    if latest is None:
        raise ApiProblem(
            Code.ENTERPRISE_NOT_FOUND,
            f"no score for credit code {code}",
            f"未找到统一社会信用代码 {code} 的积分",
        )
    if period is not None:
        raise ApiProblem(
            Code.PERIOD_NOT_SCORED, f"{code} has no score for {period}", f"{code} 在 {period} 年度没有积分"
        )
    return latest


def _rank_in_cohort(item: ScoreItem) -> tuple[int | None, int]:
    """Rank within (period, stage) province-wide, and the cohort's size: COUNT Queries per shard."""
    partitions = [stage_partition(int(item.period), item.stage, s) for s in all_shards()]
    mine = item.rank_sk

    def counts(partition: str) -> tuple[int, int]:
        total = ScoreItem.by_stage.count(partition)
        ahead = ScoreItem.by_stage.count(partition, ScoreItem.rank_sk < mine) if mine is not None else 0
        return ahead, total

    per_shard = list(_POOL.map(counts, partitions))
    cohort = sum(total for _, total in per_shard)
    if mine is None:  # not indexed (yet): no rank to give
        return None, cohort
    return sum(ahead for ahead, _ in per_shard) + 1, cohort


def portrait(raw_code: str, period: int | None) -> Portrait:
    """The portrait (画像) of one enterprise for `period` (default: its latest scored period)."""
    code = credit_code(raw_code)
    item = _card_item(code, period)
    if item.card is None:
        raise ApiProblem(Code.PERIOD_NOT_SCORED, f"{code} has no score card for {item.period}")
    card = card_from_dict(item.card)
    try:
        master: FactItem | None = FactItem.get(f"E#{code}", "C#M")
    except FactItem.DoesNotExist:
        master = None
    rank, cohort = _rank_in_cohort(item)
    return Portrait(
        credit_code=code,
        period=card.period,
        name=item.name or (master.name if master else None),
        region_code=item.region_code or (master.region_code if master else None),
        industry_code=item.industry_code or (master.industry_code if master else None),
        established_on=master.established_on if master else None,
        model_version=card.model_version,
        computed_at=item.computed_at,
        stage=card.stage,
        score=card.score,
        grade=card.grade,
        whitelisted=card.whitelisted,
        veto=card.veto,
        rank=rank,
        cohort_size=cohort,
        completeness=card.completeness,
        core=card.core,
        bonus=card.bonus,
        deductions=card.deductions,
        categories=[CategoryOut(id=c.id, points=c.points, max=c.max) for c in card.categories],
        indicators=[
            IndicatorOut(
                id=i.id,
                name_zh=i.name_zh,
                category=i.category,
                value=i.value,
                points=i.points,
                max_points=i.max_points,
                source_department=i.source_department,
                batch_id=i.batch_id,
                explanation=i.explanation,
            )
            for i in card.indicators
            if i.category is not None
        ],
        discrepancies=[_discrepancy_out(d) for d in card.discrepancies],
    )


def history(raw_code: str, params: HistoryParams, secret: str) -> HistoryPage:
    """Every score change of an enterprise, newest first (latest period first)."""
    code = credit_code(raw_code)
    pk = f"E#{code}"
    bound_to = pagination.binding("history", {"credit_code": code})
    cursor = _cursor(params.next_token, bound_to, secret)
    start = {"pk": {"S": pk}, "sk": {"S": cursor.after.get("sk", "")}} if cursor else None
    found = list(
        ScoreItem.query(
            pk,
            ScoreItem.sk.startswith("H#"),
            scan_index_forward=False,
            limit=params.limit + 1,
            page_size=params.limit + 1,
            last_evaluated_key=start,
        )
    )
    items, more = found[: params.limit], len(found) > params.limit
    if cursor is None and not items:
        raise ApiProblem(
            Code.ENTERPRISE_NOT_FOUND,
            f"no score for credit code {code}",
            f"未找到统一社会信用代码 {code} 的积分",
        )
    token = None
    if more:
        token = pagination.encode(Cursor(after={"sk": items[-1].sk}), bound_to, secret)
    return HistoryPage(
        items=[
            HistoryEntry.model_validate(
                {
                    "period": int(i.period),
                    "score": _decimal(i.score),
                    "grade": i.grade,
                    "stage": i.stage,
                    "model_version": i.model_version,
                    "computed_at": i.computed_at,
                    "batch_id": i.batch_id,
                }
            )
            for i in items
        ],
        next_token=token,
    )


# --- batches ---------------------------------------------------------------------------------


def _may_read_batch(principal: Principal, department: str, departments: Collection[str]) -> bool:
    """Admin reads every batch; a department its own; a batch of no known department is admin-only."""
    if principal.role == ADMIN:
        return True
    mine = principal.department
    return mine is not None and mine in departments and department == mine


def _forbidden_batch() -> ApiProblem:
    return ApiProblem(
        Code.FORBIDDEN, "this batch belongs to another department", "该批次属于其他部门，无权查看"
    )


def batch(batch_id: str, principal: Principal, departments: Collection[str]) -> BatchReport:
    """One batch report (contract 2.4)."""
    missing = ApiProblem(Code.BATCH_NOT_FOUND, f"no batch {batch_id!r}", f"未找到批次 {batch_id}")
    if not batch_id or len(batch_id) > MAX_BATCH_ID_CHARS:
        raise missing
    try:
        item = BatchItem.get(batch_id)
    except BatchItem.DoesNotExist:
        raise missing from None
    if not _may_read_batch(principal, item.department, departments):
        raise _forbidden_batch()
    return BatchReport.model_validate(item.report)


def batches(
    params: BatchesParams, principal: Principal, departments: Collection[str], secret: str
) -> BatchPage:
    """The batches of one S3 key, newest first (GSI by_key)."""
    mine = principal.department
    if principal.role != ADMIN and (
        mine is None or mine not in departments or not params.key.startswith(f"incoming/{mine}/")
    ):
        raise _forbidden_batch()
    bound_to = pagination.binding("batches", {"key": params.key})
    cursor = _cursor(params.next_token, bound_to, secret)
    start = None
    if cursor is not None:
        after = cursor.after
        if set(after) != {"batch_id", "received_at"}:
            raise ApiProblem(Code.INVALID_TOKEN, "next_token: not issued for this query")
        start = {
            "batch_id": {"S": after["batch_id"]},
            "key": {"S": params.key},
            "received_at": {"S": after["received_at"]},
        }
    found = list(
        BatchItem.by_key.query(
            params.key,
            scan_index_forward=False,
            limit=params.limit + 1,
            page_size=params.limit + 1,
            last_evaluated_key=start,
        )
    )
    items, more = found[: params.limit], len(found) > params.limit
    token = None
    if more:
        last = items[-1]
        token = pagination.encode(
            Cursor(after={"batch_id": last.batch_id, "received_at": last.received_at}), bound_to, secret
        )
    return BatchPage(
        items=[
            BatchReport.model_validate(i.report)
            for i in items
            if _may_read_batch(principal, i.department, departments)
        ],
        next_token=token,
    )
