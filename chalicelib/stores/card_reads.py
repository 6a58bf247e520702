"""Reading what a policy criterion sees of many enterprises at once: cards, establishment dates, ranks.

Cards come from the scores table (BatchGetItem, 100 keys a call), establishment dates from the facts
table's master records (only when a tree names `age`), ranks within (period, stage) from the period's last
report build's rank chunks (only when a tree names `rank`; `stores/rank_reads.py`: COUNT queries of the
cohort only for a period never built).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final, TypeVar

from chalicelib.domain.records import ScoreCard
from chalicelib.domain.regions import all_shards, period_partition
from chalicelib.domain.scoring.cardcodec import CardDecodeError, card_from_dict
from chalicelib.domain.scoring.ranking import rank_key
from chalicelib.stores.facts import MASTER_SK
from chalicelib.stores.facts import enterprise_pk as facts_pk
from chalicelib.stores.rank_reads import RankReader, built_mark
from chalicelib.stores.scores import CARD, card_sk, enterprise_pk
from chalicelib.stores.tables import FactItem, ScoreItem

BATCH_GET_KEYS: Final = 100
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class CardView:
    """A current card with the listing fields stored beside it."""

    card: ScoreCard
    name: str
    region_code: str
    industry_code: str
    rank_sk: str | None
    version: int = 0  # 1: the first card of (enterprise, period) ever written
    zone_id: str | None = None  # the enterprise's zone when the card was written (contract 14)


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def cards_for(codes: Iterable[str], period: int) -> dict[str, CardView]:
    """The current cards of `codes` for `period` (retired or undecodable ones are left out)."""
    wanted = list(dict.fromkeys(codes))
    found: dict[str, CardView] = {}
    for chunk in _chunks(wanted, BATCH_GET_KEYS):
        keys = [(enterprise_pk(code), card_sk(period)) for code in chunk]
        for item in ScoreItem.batch_get(keys):
            view = _view(item)
            if view is not None:
                found[item.credit_code] = view
    return found


def _view(item: ScoreItem) -> CardView | None:
    if item.kind != CARD or not item.card:
        return None
    try:
        card = card_from_dict(item.card)
    except CardDecodeError:
        return None
    return CardView(
        card,
        item.name or "",
        item.region_code or "",
        item.industry_code or "",
        item.rank_sk,
        int(item.version or 0),
        item.zone_id,
    )


def period_cards(period: int, page_size: int = BATCH_GET_KEYS) -> Iterator[dict[str, CardView]]:
    """Every current card of a period, in pages, shard by shard (the by_period index: no scan)."""
    page: dict[str, CardView] = {}
    for shard in all_shards():
        for item in ScoreItem.by_period.query(period_partition(period, shard), page_size=page_size):
            view = _view(item)
            if view is not None:
                page[item.credit_code] = view
            if len(page) == page_size:
                yield page
                page = {}
    if page:
        yield page


def established_on(codes: Iterable[str]) -> dict[str, date]:
    """The establishment date of each enterprise of `codes` that has master data."""
    wanted = list(dict.fromkeys(codes))
    found: dict[str, date] = {}
    for chunk in _chunks(wanted, BATCH_GET_KEYS):
        code_of = {facts_pk(code): code for code in chunk}
        keys = [(pk, MASTER_SK) for pk in code_of]
        for item in FactItem.batch_get(keys, attributes_to_get=["pk", "established_on"]):
            if item.established_on:
                found[code_of[item.pk]] = date.fromisoformat(item.established_on)
    return found


def rank_in_stage(view: CardView, ranks: RankReader) -> int | None:
    """Rank within (period, stage) province-wide (contract 3): from the period's last report build
    (`ranks` holds its mark, read once per run; chunks read are kept), counted only before any build."""
    card = view.card
    key = view.rank_sk or rank_key(card.score, card.credit_code)
    return ranks.rank(card.stage, key, card.credit_code, first_card=view.version == 1).rank


def rank_readers(periods: Iterable[int]) -> dict[int, RankReader]:
    """A rank reader per period, each with its period's build mark (one GetItem per period)."""
    return {period: RankReader(period, built_mark(period)) for period in set(periods)}


def latest_period_of(credit_code: str) -> int | None:
    """The latest period with a current card of the enterprise (one Query, newest first)."""
    query = ScoreItem.query(
        enterprise_pk(credit_code),
        ScoreItem.sk.startswith("S#"),
        filter_condition=ScoreItem.kind == CARD,
        scan_index_forward=False,
        attributes_to_get=["period", "kind"],
    )
    first = next(iter(query), None)
    return int(first.period) if first is not None else None
