"""Region reports (通报) and indicator statistics: kept fresh by a builder, read by the API.

Freshness, from a rescore to the report:

1. The rescore commits each whitelist event's move record with its card (exactly once, keyed by the
   event id) and tells `ReportsListener` of every committed card change and retirement
   (`card_listeners()`): the listener marks the period dirty (`marked_at`).
2. The scheduled builder (`rate(1 minute)`; the local stack also runs it when a rescore burst settles)
   rebuilds every dirty period from the `by_period` index of its cards (their digests; Queries, never a
   Scan), the period's support records and policy matches and its move counters, and writes a new
   generation of report items that readers switch to at once.

A rebuild that starts at T covers card changes up to T - SETTLE_S: an index lags its table by a moment,
so a change marked in the last seconds before T keeps the period dirty and the next run rebuilds it.
That is also why the listener may skip re-marking a period it marked less than MARK_EVERY_S ago: a card
committed within that second was committed more than SETTLE_S - MARK_EVERY_S before any rebuild that
considers the mark covered. Reports therefore trail a rescore by at most a schedule tick plus a build.
A rescore that dies between its commit and the listener loses that mark: the REFRESH_S rebuild of an old
report repairs the figures, the moves included (their records were committed with the cards).

Reads per rebuild, for n cards of the period: the narrow index returns ~0.6 KB a card (the card itself is
~9 KB), 1 MB a page, so about n / 1,700 + 12 Queries (~36 for 40,000 cards, ~320 for 520,000) and
~0.08 read units a card, eventually consistent (~3,000 for 40,000; ~40,000 for 520,000); one Query of
the move counters; the support and match sources (Queries of their own indexes); BatchGetItems only for
cards written before digests existed. Writes: one item per block and per statistics group (a few
hundred for Jiangxi), 25 a request. Every figure is recomputed from the cards on each rebuild: the
additive ones could be kept as counters, but medians and quantiles need the whole period anyway, and
one path keeps every figure consistent with the others.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, ConfigDict

from chalicelib.domain.china import CHINA as CHINA_TZ
from chalicelib.domain.model.schema import ScoringModel
from chalicelib.domain.reports.blocks import PROVINCE, RegionBlock, build_blocks
from chalicelib.domain.reports.indicators import ALL_STAGES, IndicatorStats, indicator_statistics, stats
from chalicelib.domain.reports.inputs import (
    CORE_CATEGORIES,
    CardFacts,
    DigestError,
    MatchFact,
    SupportFact,
    card_facts,
    parse_digest,
)
from chalicelib.domain.reports.peers import peer_figures
from chalicelib.domain.reports.ranks import rank_chunks
from chalicelib.domain.reports.window import default_since, series_by_region, window, zone_moves_key
from chalicelib.domain.scoring.cardcodec import CardDecodeError, card_from_dict
from chalicelib.domain.timestamps import stamp
from chalicelib.domain.zones.reports import coverage_tallies, zone_blocks, zone_statistics, zones_total
from chalicelib.services import zones
from chalicelib.services.model_registry import active_model, model_by_version
from chalicelib.stores.reports import (
    BuiltItem,
    Mark,
    ReportsRepository,
    block_sk,
    cohort_sk,
    ranks_sk,
    statistics_sk,
)
from chalicelib.stores.scores import CardWrite, Retirement

SETTLE_S: Final = 5.0
MARK_EVERY_S: Final = 1.0
LEASE_S: Final = 600.0  # longer than any rebuild; a crashed builder's lease expires
# Support records and policy matches change without a card changing: a report older than this is
# rebuilt anyway (their writers may also call `mark_period_changed` for a faster refresh).
REFRESH_S: Final = 900.0
ZONE_LEVEL: Final = "zone"  # zone blocks beside the city and district ones (contract 14)
ZONE_TOTAL_LEVEL: Final = "zonetotal"  # every zone together: a zone report's total row
COVERAGE_LEVEL: Final = "coverage"  # the coverage tallies of every city and zone, one item

logger = Logger(child=True)
metrics = Metrics()

SupportSource = Callable[[int], Iterable[SupportFact]]
"""The current support records of a period (contract 8, 13); the support store provides it."""
MatchSource = Callable[[int], Iterable[MatchFact]]
"""The current matches of a period's published policies (contract 9); the policies store provides it."""
ExtraItems = Callable[[ScoringModel, int, Sequence[CardFacts]], list[BuiltItem]]
"""More items built from a period's cards into its generation (cultivation candidates, contract 17)."""


def no_support(period: int) -> Iterable[SupportFact]:
    return ()


def no_matches(period: int) -> Iterable[MatchFact]:
    return ()


def _now() -> datetime:
    return datetime.now(UTC)


def _current() -> datetime:
    return _now()  # looked up at each call, so a test can move the clock of every part at once


# --- what follows card changes (in the rescore Lambda) ----------------------------------------------


class ReportsListener:
    """Marks the periods of committed card changes (and retirements) dirty, at most once a second each.

    Whitelist moves need no counting here: each event's move record is committed with its card
    (`stores.reports.move_item`), and the builder reads those records.
    """

    def __init__(
        self,
        repository: ReportsRepository | None = None,
        *,
        clock: Callable[[], datetime] = _current,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.repository = repository or ReportsRepository()
        self._clock = clock
        self._monotonic = monotonic
        self._marked: dict[int, float] = {}

    def __call__(self, writes: Sequence[CardWrite]) -> None:
        self._safely(lambda: self._follow([w.card.period for w in writes]))

    def retired(self, retirements: Sequence[Retirement]) -> None:
        """A retired card leaves the period's figures (its `left`, if it was listed, is recorded with it)."""
        self._safely(lambda: self._follow([r.previous.period for r in retirements]))

    def _safely(self, follow: Callable[[], None]) -> None:
        # The cards are committed: failing the message would only retry a rescore that finds nothing
        # to change (and so never calls this again). Log it; the REFRESH_S rebuild repairs the figures.
        try:
            follow()
        except Exception:
            logger.exception("report marks not written")
            metrics.add_metric(name="ReportMarksFailed", unit=MetricUnit.Count, value=1)

    def _follow(self, periods: Sequence[int]) -> None:
        at = stamp(self._clock())
        for period in sorted(set(periods)):
            last = self._marked.get(period)
            tick = self._monotonic()
            if last is not None and tick - last < MARK_EVERY_S:
                continue
            self.repository.mark_dirty(period, at)
            self._marked[period] = tick


# --- the builder (scheduled) ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Built:
    period: int
    enterprises: int
    generation: str
    items: int
    full_cards: int  # cards read whole because they carry no digest
    seconds: float


def _plain(value: Any) -> Any:
    """JSON types for storage: Decimals as their exact text (the API turns them into numbers)."""
    return json.loads(json.dumps(value, default=str))


def core_indicators(model: ScoringModel) -> tuple[str, ...]:
    return tuple(i.id for i in model.indicators if i.category in CORE_CATEGORIES)


class ReportBuilder:
    def __init__(
        self,
        repository: ReportsRepository | None = None,
        *,
        model: ScoringModel | None = None,
        support: SupportSource = no_support,
        matches: MatchSource = no_matches,
        clock: Callable[[], datetime] = _current,
        extra: Sequence[ExtraItems] = (),
    ) -> None:
        self.repository = repository or ReportsRepository()
        self.model = model or active_model()
        self.support = support
        self.matches = matches
        self.extra = extra
        self._clock = clock

    def build_dirty(self) -> list[Built]:
        """Rebuild every period whose cards changed since its report was built (and no one else is)."""
        done = []
        for mark in self.repository.marks():
            now = self._clock()
            if not mark.dirty and not _older_than(mark, now, REFRESH_S):
                continue
            if not self.repository.claim(mark.period, stamp(now), stamp(now + timedelta(seconds=LEASE_S))):
                continue
            try:
                done.append(self.rebuild(mark.period, mark))
            except Exception:
                self.repository.release(mark.period)
                raise
        return done

    def cards(self, period: int) -> tuple[list[CardFacts], int]:
        """The period's cards as report inputs, and how many had to be read whole."""
        out: list[CardFacts] = []
        missing: list[str] = []
        for row in self.repository.period_digests(period):
            if row.digest is None:
                missing.append(row.credit_code)
                continue
            try:
                facts = parse_digest(row.credit_code, row.region_code, row.digest)
                out.append(
                    replace(facts, industry_code=row.industry_code, zone_id=facts.zone_id or row.zone_id)
                )
            except DigestError:
                logger.warning(
                    "unreadable card digest, reading the card", extra={"credit_code": row.credit_code}
                )
                missing.append(row.credit_code)
        for code, region, card in self.repository.full_cards(period, missing):
            try:
                out.append(card_facts(card_from_dict(card), region))
            except CardDecodeError:
                logger.error("undecodable score card left out of the report", extra={"credit_code": code})
        return out, len(missing)

    def rebuild(self, period: int, mark: Mark | None = None) -> Built:
        started = time.perf_counter()
        now = self._clock()
        cards, full = self.cards(period)
        stages = [s.id for s in self.model.stages]
        grades = [g.grade for g in self.model.grades]
        support, matches = list(self.support(period)), list(self.matches(period))
        figures = build_blocks(cards, stages=stages, grades=grades, support=support, matches=matches)
        series = series_by_region(self.repository.moves(period))
        items = [
            BuiltItem(
                block_sk("province", PROVINCE),
                _plain(figures.province.model_dump()),
                series.get(PROVINCE, {}),
            )
        ]
        items += [
            BuiltItem(block_sk(level, b.region_code), _plain(b.model_dump()), series.get(b.region_code, {}))
            for level, blocks in (("city", figures.cities), ("district", figures.districts))
            for b in blocks
        ]
        for (region, stage), by_indicator in indicator_statistics(cards, core_indicators(self.model)).items():
            data = {k: v.model_dump() for k, v in by_indicator.items()}
            items.append(BuiltItem(statistics_sk(region, stage), _plain(data)))
        items += [
            BuiltItem(
                ranks_sk(c.stage, c.lower), {"offset": c.offset, "cohort": c.cohort, "keys": list(c.keys)}
            )
            for c in rank_chunks(cards)
        ]
        items += [BuiltItem(cohort_sk(kind, key), data) for (kind, key), data in peer_figures(cards).items()]
        items += zone_items(self.model, cards, support, matches, series)
        for build in self.extra:
            items += build(self.model, period, cards)
        generation = self.repository.write_generation(period, items)
        self.repository.publish_generation(
            period,
            generation,
            covered_until=stamp(now - timedelta(seconds=SETTLE_S)),
            as_of=stamp(now),
            model_version=self.model.version,
            enterprises=len(cards),
            previous=mark if mark is not None else self.repository.mark(period),
        )
        built = Built(period, len(cards), generation, len(items), full, time.perf_counter() - started)
        logger.info(
            "report rebuilt",
            extra={
                "period": period,
                "enterprises": len(cards),
                "items": len(items),
                "full_cards": full,
                "seconds": round(built.seconds, 3),
            },
        )
        return built


def zone_items(
    model: ScoringModel,
    cards: Sequence[CardFacts],
    support: Sequence[SupportFact],
    matches: Sequence[MatchFact],
    series: Mapping[str, Any],
) -> list[BuiltItem]:
    """A build's zone items (contract 14): each active zone's block with its moves, each zone's indicator
    statistics, and the coverage tallies of every city and zone."""
    catalogue = zones.catalogue()
    stages = [s.id for s in model.stages]
    grades = [g.grade for g in model.grades]
    blocks = zone_blocks(cards, catalogue, stages=stages, grades=grades, support=support, matches=matches)
    items = [
        BuiltItem(
            block_sk(ZONE_LEVEL, zone_id), _plain(block.model_dump()), series.get(zone_moves_key(zone_id), {})
        )
        for zone_id, block in blocks.items()
    ]
    for (group, stage), by_indicator in zone_statistics(cards, catalogue, core_indicators(model)).items():
        items.append(
            BuiltItem(
                statistics_sk(group, stage), _plain({k: v.model_dump() for k, v in by_indicator.items()})
            )
        )
    total = zones_total(cards, catalogue, stages=stages, grades=grades, support=support, matches=matches)
    items.append(BuiltItem(block_sk(ZONE_TOTAL_LEVEL, PROVINCE), _plain(total.model_dump())))
    items.append(BuiltItem(block_sk(COVERAGE_LEVEL, PROVINCE), coverage_tallies(cards, catalogue)))
    return items


def _older_than(mark: Mark, now: datetime, seconds: float) -> bool:
    return mark.as_of is not None and mark.as_of < stamp(now - timedelta(seconds=seconds))


def mark_period_changed(period: int) -> None:
    """For writers of other report inputs (support records, policy matches): rebuild on the next run."""
    ReportsRepository().mark_dirty(period, stamp(_now()))


def current_matches(period: int) -> Iterator[MatchFact]:
    """The current matches of the period's published policies in force today (contract 9)."""
    from chalicelib.stores.policies import current_matches as stored

    for match in stored(period):
        yield MatchFact(match.credit_code, match.policy_id)


def current_support(period: int) -> Iterator[SupportFact]:
    """The current version of every support record whose `period` is P (contract 8, 13)."""
    from chalicelib.stores.support import current_records_for_period

    for record in current_records_for_period(period):
        yield SupportFact(record.credit_code, record.kind, record.status, record.amount_wan, record.rate_pct)


def report_sources() -> tuple[SupportSource, MatchSource]:
    """The support and policy-match sources of the deployed builder."""
    return current_support, current_matches


def handle_schedule() -> list[Built]:
    """The scheduled builder Lambda."""
    from chalicelib.services.cultivation_build import cultivation_items

    support, matches = report_sources()
    built = ReportBuilder(support=support, matches=matches, extra=(cultivation_items,)).build_dirty()
    metrics.add_metric(name="ReportsRebuilt", unit=MetricUnit.Count, value=len(built))
    return built


# --- readers (the API) ---------------------------------------------------------------------------


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class RegionReport(_Out):
    period: int
    level: str
    model_version: str
    as_of: str
    since: date
    province: RegionBlock
    items: tuple[RegionBlock, ...]


class IndicatorStatistics(_Out):
    period: int
    region: str
    stage: str
    model_version: str
    as_of: str
    indicators: dict[str, IndicatorStats]


class Snapshot(RegionReport):
    snapshot_id: str
    published_at: str
    published_by: str | None
    zones: list[dict[str, Any]] | None = None  # the zone report frozen with it (contract 14)


class SnapshotLine(_Out):
    """A published snapshot in its period's list."""

    snapshot_id: str
    period: int
    level: str
    since: date
    as_of: str
    published_at: str
    published_by: str | None
    enterprises: int


def _as_of(mark: Mark) -> datetime:
    assert mark.as_of is not None
    return datetime.strptime(mark.as_of, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def _windowed(data: dict[str, Any], series: dict[str, list[int]], since: date, until: date) -> RegionBlock:
    entered, left = window(series, since, until)
    return RegionBlock.model_validate(data | {"entered": entered, "left": left})


class ReportReader:
    def __init__(self, repository: ReportsRepository | None = None) -> None:
        self.repository = repository or ReportsRepository()

    def latest_period(self) -> int | None:
        """The latest period with a built report."""
        built = [m.period for m in self.repository.marks() if m.generation is not None]
        return max(built) if built else None

    def _built(self, period: int) -> Mark | None:
        mark = self.repository.mark(period)
        return mark if mark is not None and mark.generation is not None and mark.as_of else None

    def region_report(
        self, period: int, level: str = "city", since: date | None = None
    ) -> RegionReport | None:
        """The period's report at `level` with moves since `since`; None when none was built yet."""
        mark = self._built(period)
        if mark is None or mark.generation is None:
            return None
        as_of = _as_of(mark)
        start = since or default_since(as_of)
        until = as_of.astimezone(CHINA_TZ).date()
        province = self.repository.blocks(period, mark.generation, "province")
        items = self.repository.blocks(period, mark.generation, level)
        if not province:  # a generation dropped while this request held an old mark: read it again
            return self.region_report(period, level, since) if self._built(period) != mark else None
        return RegionReport(
            period=period,
            level=level,
            model_version=mark.model_version or "",
            as_of=mark.as_of or "",
            since=start,
            province=_windowed(*province[0], start, until),
            items=tuple(_windowed(data, series, start, until) for data, series in items),
        )

    def indicator_statistics(self, period: int, region: str, stage: str | None) -> IndicatorStatistics | None:
        mark = self._built(period)
        if mark is None or mark.generation is None:
            return None
        group_stage = stage or ALL_STAGES
        data = self.repository.statistics(period, mark.generation, region, group_stage)
        model = model_by_version(mark.model_version) if mark.model_version else active_model()
        if data is None:  # no card in that group: every indicator present 0 times
            figures = {i: stats([], 0, 0) for i in core_indicators(model)}
        else:
            figures = {k: IndicatorStats.model_validate(v) for k, v in data.items()}
        return IndicatorStatistics(
            period=period,
            region=region,
            stage=group_stage,
            model_version=mark.model_version or "",
            as_of=mark.as_of or "",
            indicators=figures,
        )

    def publish(
        self,
        period: int,
        level: str = "city",
        since: date | None = None,
        *,
        by: str | None = None,
        zones: Callable[[int, date], list[dict[str, Any]]] | None = None,
    ) -> Snapshot | None:
        """Freeze the current report as a snapshot that never changes; None when none was built yet."""
        report = self.region_report(period, level, since)
        if report is None:
            return None
        published = _now()
        snapshot_id = f"{period}-{published.astimezone(CHINA_TZ):%Y%m%d}-{uuid.uuid4().hex[:8]}"
        snapshot = Snapshot(
            **report.model_dump(),
            snapshot_id=snapshot_id,
            published_at=stamp(published),
            published_by=by,
            zones=zones(period, report.since) if zones is not None else None,
        )
        summary = SnapshotLine(
            snapshot_id=snapshot_id,
            period=period,
            level=level,
            since=snapshot.since,
            as_of=snapshot.as_of,
            published_at=snapshot.published_at,
            published_by=by,
            enterprises=snapshot.province.enterprises,
        )
        self.repository.save_snapshot(
            snapshot_id,
            period,
            snapshot.published_at,
            _plain(snapshot.model_dump()),
            _plain(summary.model_dump()),
        )
        return snapshot

    def snapshots(self, period: int, before: str | None, limit: int) -> tuple[list[SnapshotLine], str | None]:
        """The period's published snapshots, newest first; and where the next page starts, if any."""
        lines, more = self.repository.snapshot_list(period, before, limit)
        return [SnapshotLine.model_validate(line) for line in lines], more

    def snapshot(self, snapshot_id: str) -> Snapshot | None:
        data = self.repository.snapshot(snapshot_id)
        return Snapshot.model_validate(data) if data is not None else None
