"""The scores repository: current score cards, score history and the published whitelist state.

Per enterprise (pk "E#<code>", see `tables.py`): a card item per period ("S#<period>") holding the card,
the denormalised master fields and index keys the API reads, and the whitelist state last committed
for publication (`wl_*`); a history item per change ("H#<period>#<computed_at>").

A change is written in ONE transaction: the card (conditional on its version, so two concurrent
rescores never lose an update), its history item and, when the whitelist state changes, the outbox
record of the event. A version conflict raises `CardConflictError`; the caller re-reads and retries.

A card whose period is no longer scorable is *retired*, never deleted: its `wl_sequence` must survive,
or a later change would reuse an event id. A retired card keeps kind "retired" and leaves every index.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.domain.events import ChangeEvent
from chalicelib.domain.records import Master, ScoreCard, WhitelistState
from chalicelib.domain.regions import all_shards, period_partition, shard_for, stage_partition
from chalicelib.domain.reports.inputs import zoned_digest
from chalicelib.domain.scoring.cardcodec import card_from_dict, card_to_dict, same_card
from chalicelib.domain.scoring.ranking import rank_key
from chalicelib.stores import outbox
from chalicelib.stores.outbox import OutboxRecord
from chalicelib.stores.reports import move_item
from chalicelib.stores.tables import OutboxItem, ScoreItem
from chalicelib.stores.transactions import lost_race

CARD: Final = "card"
HISTORY: Final = "history"
RETIRED: Final = "retired"
MAX_TRANSACTION_ITEMS: Final = 100  # DynamoDB's limit for TransactWriteItems
_CENTS: Final = Decimal("0.01")


class CardConflictError(RuntimeError):
    """Another writer changed a card since it was read (or is writing it now): re-read and retry."""

    code = "SCORE_CARD_CONFLICT"

    def __init__(self, credit_code: str) -> None:
        super().__init__(
            f"score cards of {credit_code} changed concurrently / 企业 {credit_code} 的评分卡被并发修改"
        )
        self.credit_code = credit_code


def enterprise_pk(credit_code: str) -> str:
    return f"E#{credit_code}"


_CARD_PREFIX: Final = "S#"
_HISTORY_PREFIX: Final = "H#"


def card_sk(period: int) -> str:
    return f"{_CARD_PREFIX}{period}"


def history_sk(period: int, computed_at: str) -> str:
    return f"{_HISTORY_PREFIX}{period}#{computed_at}"


@dataclass(frozen=True, slots=True)
class StoredCard:
    """A card item as read: plain data, enough to decide and to write the next version."""

    credit_code: str
    period: int
    kind: str  # card | retired
    card_dict: dict[str, Any]
    name: str
    region_code: str
    industry_code: str
    whitelist: WhitelistState | None  # None: nothing ever committed for publication
    version: int
    zone_id: str | None = None

    def card(self) -> ScoreCard | None:
        """The stored card, or None when it cannot be decoded (then it is simply rewritten)."""
        try:
            return card_from_dict(self.card_dict)
        except (KeyError, TypeError, ValueError, ArithmeticError):
            return None

    @property
    def listed(self) -> bool:
        return self.whitelist is not None and self.whitelist.listed


@dataclass(frozen=True, slots=True)
class CardWrite:
    """A new or changed card, with the whitelist state after it and its event (if the state changed)."""

    card: ScoreCard
    master: Master
    previous: StoredCard | None
    whitelist: WhitelistState | None
    event: ChangeEvent | None
    batch_id: str | None
    computed_at: str
    zone_id: str | None = None  # the enterprise's zone today (contract 14)

    @property
    def size(self) -> int:
        return 2 + 2 * (self.event is not None)  # its event: an outbox record and (a move) its move record


@dataclass(frozen=True, slots=True)
class Retirement:
    """A card whose period is no longer scorable: out of every index, `whitelist.left` if it was listed."""

    previous: StoredCard
    whitelist: WhitelistState | None
    event: ChangeEvent | None
    computed_at: str

    @property
    def size(self) -> int:
        return 1 + 2 * (self.event is not None)


Write = CardWrite | Retirement


def needs_write(
    stored: StoredCard | None, card: ScoreCard, master: Master, zone_id: str | None = None
) -> bool:
    """Whether a freshly computed card differs from the stored one (card or listing fields).

    A card stored in an earlier form is compared on its numbers (`same_card`): a new stored form alone
    rewrites nothing."""
    if stored is None or stored.kind != CARD:
        return True
    return (
        not same_card(stored.card_dict, card_to_dict(card))
        or stored.name != master.name
        or stored.region_code != master.region_code
        or stored.industry_code != master.industry_code
        or stored.zone_id != zone_id
    )


def _whitelist_of(item: ScoreItem) -> WhitelistState | None:
    sequence = int(item.wl_sequence or 0)
    if sequence == 0 and not item.wl_listed:
        return None
    return WhitelistState(
        listed=bool(item.wl_listed),
        score=Decimal(item.wl_score) if item.wl_score is not None else None,
        grade=item.wl_grade,
        sequence=sequence,
    )


def _stored(item: ScoreItem) -> StoredCard:
    return StoredCard(
        credit_code=item.credit_code,
        period=int(item.period),
        kind=item.kind,
        card_dict=dict(item.card or {}),
        name=item.name or "",
        region_code=item.region_code or "",
        industry_code=item.industry_code or "",
        whitelist=_whitelist_of(item),
        version=int(item.version or 0),
        zone_id=item.zone_id,
    )


def _score_text(score: Decimal) -> str:
    return str(score.quantize(_CENTS))


def _wl_attributes(state: WhitelistState | None) -> dict[str, Any]:
    if state is None:
        return {"wl_listed": False, "wl_score": None, "wl_grade": None, "wl_sequence": 0}
    return {
        "wl_listed": state.listed,
        "wl_score": _score_text(state.score) if state.score is not None else None,
        "wl_grade": state.grade,
        "wl_sequence": state.sequence,
    }


def _summary(write: CardWrite) -> dict[str, Any]:
    """The attributes a card item and its history item share."""
    card, master = write.card, write.master
    return {
        "credit_code": card.credit_code,
        "period": card.period,
        "name": master.name,
        "region_code": master.region_code,
        "industry_code": master.industry_code,
        "stage": card.stage,
        "score": _score_text(card.score),
        "grade": card.grade,
        "veto": card.veto,
        "whitelisted": card.whitelisted,
        "model_version": card.model_version,
        "computed_at": write.computed_at,
        "batch_id": write.batch_id,
        "zone_id": write.zone_id,
    }


def card_item(write: CardWrite) -> ScoreItem:
    card = write.card
    shard = shard_for(write.master.region_code)
    item = ScoreItem(
        enterprise_pk(card.credit_code),
        card_sk(card.period),
        kind=CARD,
        card=card_to_dict(card),
        rank_sk=rank_key(card.score, card.credit_code),
        gsi_period=period_partition(card.period, shard),
        gsi_stage=stage_partition(card.period, card.stage, shard),
        gsi_whitelist=period_partition(card.period, shard) if card.whitelisted else None,
        report_digest=zoned_digest(card, write.zone_id),
        discrepancy="1" if card.discrepancies else None,  # sparse: what /verifications filters on
        **_summary(write),
        **_wl_attributes(write.whitelist),
    )
    if write.previous is not None:  # the version read: saving checks it and writes version + 1
        item.version = write.previous.version
    return item  # without a version, saving requires that no card exists yet


def history_item(write: CardWrite) -> ScoreItem:
    return ScoreItem(
        enterprise_pk(write.card.credit_code),
        history_sk(write.card.period, write.computed_at),
        kind=HISTORY,
        **_summary(write),
    )


def _groups(writes: Sequence[Write]) -> Iterator[list[Write]]:
    """Writes packed into transactions of at most 100 items, never splitting one write."""
    group: list[Write] = []
    size = 0
    for write in writes:
        if group and size + write.size > MAX_TRANSACTION_ITEMS:
            yield group
            group, size = [], 0
        group.append(write)
        size += write.size
    if group:
        yield group


class ScoresRepository:
    def __init__(self, connection: Connection | None = None) -> None:
        self._connection = connection

    @property
    def connection(self) -> Connection:
        # The model's cached connection: one botocore client per process, not one per invocation.
        return self._connection or ScoreItem._get_connection().connection

    def load(self, credit_code: str) -> dict[int, StoredCard]:
        """Every card of an enterprise by period, in one strongly consistent Query."""
        items = ScoreItem.query(
            enterprise_pk(credit_code), ScoreItem.sk.startswith(_CARD_PREFIX), consistent_read=True
        )
        return {int(item.period): _stored(item) for item in items}

    def load_many(self, keys: Iterable[tuple[str, int]]) -> dict[str, dict[int, StoredCard]]:
        """The cards of many (enterprise, period) keys that exist, by enterprise and period:
        BatchGetItem, 100 keys a call, strongly consistent; PynamoDB resends unprocessed keys."""
        wanted = {(enterprise_pk(code), card_sk(period)) for code, period in keys}
        found: dict[str, dict[int, StoredCard]] = {}
        for item in ScoreItem.batch_get(wanted, consistent_read=True):
            found.setdefault(item.credit_code, {})[int(item.period)] = _stored(item)
        return found

    def save(self, writes: Sequence[Write]) -> list[OutboxRecord]:
        """Commit the writes of one enterprise (one transaction per 100 items); return the outbox records.

        Raises `CardConflictError` when a card's version moved since it was read.
        """
        records: list[OutboxRecord] = []
        for group in _groups(writes):
            records.extend(self._commit(group))
        return records

    def _commit(self, group: list[Write]) -> list[OutboxRecord]:
        records: list[OutboxItem] = []
        try:
            with TransactWrite(connection=self.connection) as tx:
                for write in group:
                    if isinstance(write, CardWrite):
                        tx.save(card_item(write))
                        tx.save(history_item(write), condition=ScoreItem.sk.does_not_exist())
                    else:
                        self._retire(tx, write)
                    if write.event is not None:
                        record = outbox.new_item(write.event, write.computed_at)
                        tx.save(record, condition=OutboxItem.id.does_not_exist())
                        records.append(record)
                        zone = write.zone_id if isinstance(write, CardWrite) else write.previous.zone_id
                        move = move_item(write.event, zone)  # counted by the reports from this record alone
                        if move is not None:
                            tx.save(move)
        except TransactWriteError as exc:
            if lost_race(exc):
                raise CardConflictError(_code_of(group[0])) from exc
            raise
        return [outbox.record_of(item) for item in records]

    @staticmethod
    def _retire(tx: TransactWrite, write: Retirement) -> None:
        previous = write.previous
        key = ScoreItem(
            enterprise_pk(previous.credit_code), card_sk(previous.period), version=previous.version
        )
        wl = _wl_attributes(write.whitelist)
        actions: list[Any] = [
            ScoreItem.kind.set(RETIRED),
            ScoreItem.whitelisted.set(False),
            ScoreItem.computed_at.set(write.computed_at),
            ScoreItem.wl_listed.set(wl["wl_listed"]),
            ScoreItem.wl_sequence.set(wl["wl_sequence"]),
            ScoreItem.rank_sk.remove(),
            ScoreItem.gsi_period.remove(),
            ScoreItem.gsi_stage.remove(),
            ScoreItem.gsi_whitelist.remove(),
        ]
        for name in ("wl_score", "wl_grade"):
            attribute = getattr(ScoreItem, name)
            actions.append(attribute.set(wl[name]) if wl[name] is not None else attribute.remove())
        tx.update(key, actions)


def _code_of(write: Write) -> str:
    return write.card.credit_code if isinstance(write, CardWrite) else write.previous.credit_code


def scored_enterprises(period: int) -> Iterator[str]:
    """Credit codes with a current card for `period`, shard by shard, from the by_period index."""
    for shard in all_shards():
        for item in ScoreItem.by_period.query(period_partition(period, shard), attributes_to_get=["pk"]):
            yield item.pk.removeprefix("E#")  # a key: jobs enumerate keys, never cards


def count_scored_enterprises(period: int) -> int:
    """How many enterprises have a current card for `period`: a counting Query per shard (no items read
    back), what `scored_enterprises` would yield."""
    return sum(ScoreItem.by_period.count(period_partition(period, shard)) for shard in all_shards())


@dataclass(frozen=True, slots=True)
class CurrentCard:
    """A current card item as the API shows it (no versioning or whitelist bookkeeping)."""

    credit_code: str
    period: int
    name: str | None
    region_code: str | None
    industry_code: str | None
    stage: str
    computed_at: str
    rank_sk: str | None
    card: dict[str, Any] | None
    version: int = 0  # 1: the first card of (enterprise, period) ever written (ranks: a newcomer)
    zone_id: str | None = None  # the enterprise's zone when the card was written (contract 14)


@dataclass(frozen=True, slots=True)
class HistoryRow:
    sk: str
    period: int
    score: Decimal
    grade: str
    stage: str
    model_version: str
    computed_at: str
    batch_id: str | None


def current_card(item: ScoreItem) -> CurrentCard:
    """A card item as the API shows it (the caller decides what a retired card means)."""
    return CurrentCard(
        credit_code=item.credit_code,
        period=int(item.period),
        name=item.name,
        region_code=item.region_code,
        industry_code=item.industry_code,
        stage=item.stage,
        computed_at=item.computed_at,
        rank_sk=item.rank_sk,
        card=item.card,
        version=int(item.version or 0),
        zone_id=item.zone_id,
    )


def card_of(credit_code: str, period: int) -> CurrentCard | None:
    """The current card of (enterprise, period); a retired card counts as absent."""
    try:
        item = ScoreItem.get(enterprise_pk(credit_code), card_sk(period))
    except ScoreItem.DoesNotExist:
        return None
    return current_card(item) if item.kind == CARD else None


def latest_card(credit_code: str) -> CurrentCard | None:
    """The enterprise's current card of its latest scored period (one Query, Limit 1)."""
    query = ScoreItem.query(
        enterprise_pk(credit_code),
        ScoreItem.sk.startswith(_CARD_PREFIX),
        filter_condition=ScoreItem.kind == CARD,
        scan_index_forward=False,
        limit=1,
    )
    item = next(iter(query), None)
    return current_card(item) if item is not None else None


def history_page(credit_code: str, after_sk: str | None, limit: int) -> tuple[list[HistoryRow], bool]:
    """Score changes of an enterprise, newest first: up to `limit` after `after_sk`, and whether more."""
    pk = enterprise_pk(credit_code)
    start = {"pk": {"S": pk}, "sk": {"S": after_sk}} if after_sk is not None else None
    found = list(
        ScoreItem.query(
            pk,
            ScoreItem.sk.startswith(_HISTORY_PREFIX),
            scan_index_forward=False,
            limit=limit + 1,
            page_size=limit + 1,
            last_evaluated_key=start,
        )
    )
    rows = [
        HistoryRow(
            sk=i.sk,
            period=int(i.period),
            score=Decimal(i.score) if i.score is not None else Decimal(0),
            grade=i.grade,
            stage=i.stage,
            model_version=i.model_version,
            computed_at=i.computed_at,
            batch_id=i.batch_id,
        )
        for i in found[:limit]
    ]
    return rows, len(found) > limit


def current_cards(pairs: Iterable[tuple[str, int]]) -> dict[tuple[str, int], StoredCard]:
    """The current (not retired) cards of many (credit_code, period) pairs: BatchGetItem, 100 keys a call."""
    keys = sorted({(enterprise_pk(code), card_sk(period)) for code, period in pairs})
    found: dict[tuple[str, int], StoredCard] = {}
    for item in ScoreItem.batch_get(keys, consistent_read=True):
        if item.kind == CARD:
            found[(item.credit_code, int(item.period))] = _stored(item)
    return found
