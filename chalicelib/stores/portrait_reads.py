"""What a portrait reads, in as few requests as DynamoDB allows: ONE BatchGetItem spanning three tables.

A portrait needs the enterprise's current card (scores table), its master record (facts table) and the
mark of the card's period (reports table: which built generation holds the cohort's rank chunks, and
whether a card changed since). None
depends on another when the period is known, so one BatchGetItem fetches them all; without a period it
asks for the cards (and marks) of the last few years at once and keeps the latest card found. Then the
rank chunk (one Query, `stores/rank_reads.py`) is the portrait's second and last read, once the period
has been built (before its first build the rank is counted).

Key formats are the owning stores' (`scores.enterprise_pk`/`card_sk`, `facts.FactKey.item_key`,
`reports.MARKS`); this module only asks for them together. Each table's read is projected to what the
portrait shows. Unprocessed keys (throttling) are asked for again, with backoff.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

from chalicelib.domain.qualifications.records import Qualification
from chalicelib.stores.facts import OPEN_OBJECTIONS_SK, FactKey
from chalicelib.stores.qualifications import QUALIFICATIONS_SK, records_of
from chalicelib.stores.rank_reads import BuiltMark
from chalicelib.stores.reports import MARKS, Mark
from chalicelib.stores.scores import CARD, CurrentCard, card_sk, current_card, enterprise_pk
from chalicelib.stores.tables import FactItem, ReportItem, ScoreItem

# What each table's item contributes (no version, whitelist bookkeeping or digests).
CARD_ATTRIBUTES: Final = (
    *("pk", "sk", "kind", "credit_code", "period", "name", "region_code", "industry_code"),
    *("stage", "computed_at", "rank_sk", "card", "version", "zone_id"),
)
# `value`: the certificates item's (contract 17, `stores/qualifications.py`); the current item has none;
# `open_objections`: the enterprise's open-objections item's (contract 16, `stores/objections.py`)
MASTER_ATTRIBUTES: Final = (
    *("pk", "sk", "name", "established_on", "region_code", "industry_code", "value"),
    "open_objections",
)
MARK_ATTRIBUTES: Final = ("pk", "sk", "generation", "as_of", "marked_at", "covered_until")
MAX_ATTEMPTS: Final = 6  # unprocessed keys are retried with backoff 0.05, 0.1, 0.2 … s
BACKOFF_S: Final = 0.05


@dataclass(frozen=True, slots=True)
class MasterFields:
    """The master data a portrait shows, and the enterprise's certificates (read with it)."""

    name: str | None
    established_on: date | None
    region_code: str | None
    industry_code: str | None
    qualifications: tuple[Qualification, ...] = ()
    objections: dict[str, dict[str, Any]] = field(default_factory=dict)  # open ones (contract 16)


@dataclass(frozen=True, slots=True)
class PortraitRead:
    cards: dict[int, CurrentCard]  # current (not retired) cards of the periods asked for
    master: MasterFields | None
    marks: dict[int, BuiltMark]  # periods asked for that have a built report
    objections: dict[str, dict[str, Any]] = field(default_factory=dict)  # open objections (contract 16)

    def latest_card(self) -> CurrentCard | None:
        return self.cards[max(self.cards)] if self.cards else None


def _projection(attributes: Sequence[str]) -> dict[str, Any]:
    names = {f"#a{n}": name for n, name in enumerate(attributes)}
    return {"ProjectionExpression": ", ".join(names), "ExpressionAttributeNames": names}


def _key(pk: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def _master(item: FactItem) -> MasterFields:
    established = item.established_on
    return MasterFields(
        name=item.name,
        established_on=date.fromisoformat(established) if established else None,
        region_code=item.region_code,
        industry_code=item.industry_code,
    )


def _batch_get(request: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Raw items by table name: one request, plus one per round of unprocessed keys."""
    connection = ScoreItem._get_connection().connection
    found: dict[str, list[dict[str, Any]]] = {}
    for attempt in range(MAX_ATTEMPTS):
        response = connection.dispatch("BatchGetItem", {"RequestItems": request})
        for table, items in response.get("Responses", {}).items():
            found.setdefault(table, []).extend(items)
        request = response.get("UnprocessedKeys") or {}
        if not request:
            return found
        time.sleep(BACKOFF_S * 2**attempt)
    raise RuntimeError("DynamoDB left keys unprocessed after every retry / DynamoDB 多次重试后仍有未处理的键")


def read(credit_code: str, periods: Iterable[int]) -> PortraitRead:
    """The enterprise's current cards of `periods`, its master record and those periods' built marks:
    one BatchGetItem (a handful of keys, far below its 100)."""
    wanted = sorted(set(periods))
    pk = enterprise_pk(credit_code)
    master_pk, master_sk = FactKey(credit_code).item_key()
    scores_table, facts_table = ScoreItem.Meta.table_name, FactItem.Meta.table_name
    reports_table = ReportItem.Meta.table_name
    request = {
        scores_table: {"Keys": [_key(pk, card_sk(p)) for p in wanted], **_projection(CARD_ATTRIBUTES)},
        facts_table: {
            "Keys": [
                _key(master_pk, master_sk),
                _key(master_pk, QUALIFICATIONS_SK),
                _key(master_pk, OPEN_OBJECTIONS_SK),
            ],
            **_projection(MASTER_ATTRIBUTES),
        },
        reports_table: {"Keys": [_key(MARKS, str(p)) for p in wanted], **_projection(MARK_ATTRIBUTES)},
    }
    if not wanted:
        del request[scores_table], request[reports_table]
    found = _batch_get(request)
    cards: dict[int, CurrentCard] = {}
    for raw in found.get(scores_table, []):
        card_item = ScoreItem.from_raw_data(raw)
        card = current_card(card_item) if card_item.kind == CARD else None  # a retired card counts as absent
        if card is not None:
            cards[card.period] = card
    facts_items = [FactItem.from_raw_data(raw) for raw in found.get(facts_table, [])]
    certificates = next((records_of(i) for i in facts_items if i.sk == QUALIFICATIONS_SK), [])
    objections = next((dict(i.open_objections or {}) for i in facts_items if i.sk == OPEN_OBJECTIONS_SK), {})
    masters = [
        dataclasses.replace(_master(i), qualifications=tuple(certificates), objections=objections)
        for i in facts_items
        if i.sk == master_sk
    ]
    marks: dict[int, BuiltMark] = {}
    for raw in found.get(reports_table, []):
        item = ReportItem.from_raw_data(raw)
        period = int(item.sk)
        # what `Mark.dirty` needs (the rest of the mark is the builder's business)
        mark = Mark(
            period, item.marked_at, item.covered_until, item.generation, None, item.as_of, None, 0, None
        )
        built = BuiltMark.of(mark)
        if built is not None:
            marks[period] = built
    return PortraitRead(cards, masters[0] if masters else None, marks, objections)
