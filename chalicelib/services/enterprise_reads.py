"""Reads of scored enterprises for the API: lists in rank order, a portrait's card and rank, a history
page, batch reports. Queries and GetItems through the stores, never a Scan.

Province-wide lists come from `stores/score_index.py` (the city-sharded indexes merged in rank order).
The API (`api/queries.py`) parses, authorises and shapes around these: page tokens, response models and
problems are its business; what is read, and how, is this module's.
"""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import islice

from chalicelib.domain.records import ScoreCard
from chalicelib.domain.scoring.ranking import rank_key
from chalicelib.services.cultivation import HeldOnly
from chalicelib.stores import portrait_reads, score_index, scored_periods, scores
from chalicelib.stores.batches import BatchesRepository, StoredBatch
from chalicelib.stores.portrait_reads import MasterFields
from chalicelib.stores.rank_reads import BuiltMark, CohortRank, RankReader
from chalicelib.stores.reports import ReportsRepository
from chalicelib.stores.score_index import Filters, Index, Listing, RankedStream
from chalicelib.stores.scores import CurrentCard, HistoryRow

__all__ = [
    "BuiltMark",
    "CohortRank",
    "CurrentCard",
    "EnterpriseNotScoredError",
    "Filters",
    "HistoryRow",
    "Index",
    "Listing",
    "MasterFields",
    "PeriodNotScoredError",
    "StoredBatch",
    "batch_item",
    "batches_of_key",
    "history_page",
    "latest_period",
    "portrait_read",
    "rank_of",
    "ranked_page",
]

# How many years back from the current one a request without `period` looks for scores.
DEFAULT_PERIOD_PROBE_YEARS = 3
# Years a portrait without `period` asks for at once (this year and the two before): its one BatchGetItem.
PORTRAIT_PROBE_YEARS = 3


class EnterpriseNotScoredError(LookupError):
    """No score at all for this credit code."""

    def __init__(self, credit_code: str) -> None:
        super().__init__(credit_code)
        self.credit_code = credit_code


class PeriodNotScoredError(LookupError):
    """Scores for this credit code, but none for `period`."""

    def __init__(self, credit_code: str, period: int) -> None:
        super().__init__(f"{credit_code} {period}")
        self.credit_code = credit_code
        self.period = period


def latest_period(now_year: int | None = None) -> int:
    """The latest period with any score: its recorded item (one Query), or for data from before those
    items a probe of recent years (a Limit-1 Query per shard and year); the previous year when none."""
    recorded = scored_periods.latest()
    if recorded is not None:
        return recorded
    year = now_year if now_year is not None else datetime.now(UTC).year
    found = score_index.any_scored(range(year, year - DEFAULT_PERIOD_PROBE_YEARS, -1))
    return found if found is not None else year - 1


def ranked_page(
    index: Index,
    period: int,
    filters: Filters,
    after: str | None,
    limit: int,
    *,
    with_card: bool = False,
    qualification: str | None = None,
) -> tuple[list[Listing], str | None]:
    """The first `limit` listings after `after` and, when there are more, the rank key the next page
    resumes after: the last item's (reading one item ahead), or where a shard's reading stopped (a
    short page). `qualification` keeps only those holding it for the period (contract 17)."""
    stream: RankedStream = score_index.ranked(index, period, filters, after, limit + 1, with_card=with_card)
    if qualification is not None:
        stream = HeldOnly(stream, qualification, period)
    items = list(islice(stream, limit + 1))
    if len(items) > limit:
        return items[:limit], items[limit - 1].rank_sk
    return items, stream.cut


def portrait_read(code: str, period: int | None) -> tuple[CurrentCard, MasterFields | None, BuiltMark | None]:
    """The current card of (code, period), or the latest one, with the master data and the period's
    built mark: one BatchGetItem (without a period: of the last few years' cards, keeping the latest).
    Retired cards count as absent. Only an enterprise scored in none of those years costs more."""
    if period is not None:
        read = portrait_reads.read(code, [period])
        found = read.cards.get(period)
        if found is not None:
            return found, read.master, read.marks.get(period)
        if scores.latest_card(code) is None:  # the error's wording needs to know: one more read
            raise EnterpriseNotScoredError(code)
        raise PeriodNotScoredError(code, period)
    year = datetime.now(UTC).year
    # periods are years up to this one (+1: the year already turned in China, UTC+8)
    read = portrait_reads.read(code, range(year - PORTRAIT_PROBE_YEARS + 1, year + 2))
    latest = read.latest_card()
    if latest is not None:
        return latest, read.master, read.marks.get(latest.period)
    latest = scores.latest_card(code)  # last scored longer ago: a Query, then that period's mark
    if latest is None:
        raise EnterpriseNotScoredError(code)
    return latest, read.master, BuiltMark.of(ReportsRepository().mark(latest.period))


def rank_of(item: CurrentCard, card: ScoreCard, built: BuiltMark | None) -> CohortRank:
    """Rank and cohort size within (period, stage): from the period's last build (one Query of its rank
    chunk, whatever the cohort's size; a card changed since is placed among the build's keys with its
    current score), counted only when the period has no build yet (`stores/rank_reads.py`)."""
    key = item.rank_sk or rank_key(card.score, card.credit_code)
    return RankReader(item.period, built).rank(
        item.stage, key, card.credit_code, first_card=item.version == 1
    )


def history_page(code: str, after: str | None, limit: int) -> tuple[list[HistoryRow], bool]:
    """One page of an enterprise's score changes, newest first, and whether there are more."""
    return scores.history_page(code, after, limit)


def batch_item(batch_id: str) -> StoredBatch | None:
    """One batch (its report and department), or None."""
    return BatchesRepository().find(batch_id)


def batches_of_key(key: str, start: tuple[str, str] | None, limit: int) -> tuple[list[StoredBatch], bool]:
    """The batches of one S3 key, newest first (GSI by_key), and whether there are more."""
    return BatchesRepository().page_for_key(key, start, limit)
