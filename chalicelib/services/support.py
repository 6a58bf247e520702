"""Writing support records: one, or a batch of up to 500, from the API or from a support file.

Per batch: parse every item (domain.support.fields), read the current versions of every identity
at once (BatchGetItem), read the score cards the new records rely on at once (BatchGetItem by
(enterprise, period); one Query per enterprise when no period is given: its latest card), decide
each item (domain.support.record) and commit each change in one transaction. An unchanged re-post
costs its share of the one batch read and nothing else. One bad item never stops the others; an
identity sent twice in one batch is applied in order (the later item sees the earlier one).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from chalicelib.domain.products.funnel import next_milestones
from chalicelib.domain.support.fields import OrgType, SupportInput, SupportProblem, parse_input
from chalicelib.domain.support.record import (
    CardSnapshot,
    Decision,
    Outcome,
    SupportRecord,
    decide,
    record_id_for,
)
from chalicelib.domain.timestamps import now, stamp
from chalicelib.observability import logger
from chalicelib.services.product_refs import ProductLookup, check_writer
from chalicelib.stores import scores, support
from chalicelib.stores.scores import CARD, ScoresRepository, StoredCard
from chalicelib.stores.support import Placed, RecordConflictError, Stored, SupportRepository

MAX_BATCH: Final = 500
MAX_ATTEMPTS: Final = 3  # a record changed by another writer between read and write is re-decided


@dataclass(frozen=True, slots=True)
class Writer:
    """Who writes: the institution (a bank's org or a department's id) and its type."""

    org: str
    org_type: OrgType


@dataclass(frozen=True, slots=True)
class Item:
    """One record to write, as sent, with its writer (or the reason it has none)."""

    data: Mapping[str, Any]
    writer: Writer | None
    problem: SupportProblem | None = None


@dataclass(frozen=True, slots=True)
class Result:
    """What became of one item, in input order."""

    external_ref: str | None
    outcome: Outcome | None = None
    record: SupportRecord | None = None
    problem: SupportProblem | None = None


def _now() -> str:
    return stamp(now())


def _ref_of(data: Mapping[str, Any]) -> str | None:
    ref = data.get("external_ref")
    return ref.strip() if isinstance(ref, str) else None


def snapshot(stored: StoredCard) -> CardSnapshot | None:
    card = stored.card()
    if card is None:
        return None
    return CardSnapshot(
        credit_code=card.credit_code,
        period=card.period,
        score=card.score,
        grade=card.grade,
        whitelisted=card.whitelisted,
        model_version=card.model_version,
        region_code=stored.region_code,
        name=stored.name,
    )


class _Cards:
    """The cards new records rely on, read in bulk and kept for the batch."""

    def __init__(self) -> None:
        self._by_pair: dict[tuple[str, int], CardSnapshot | None] = {}
        self._latest: dict[str, CardSnapshot | None] = {}

    def prefetch(self, wanted: Iterable[SupportInput]) -> None:
        pairs = {(w.credit_code, w.period) for w in wanted if w.period is not None}
        pairs -= set(self._by_pair)
        if pairs:
            found = scores.current_cards(pairs)
            for pair in pairs:
                stored = found.get(pair)
                self._by_pair[pair] = snapshot(stored) if stored is not None else None

    def card_for(self, written: SupportInput) -> CardSnapshot | None:
        if written.period is not None:
            pair = (written.credit_code, written.period)
            if pair not in self._by_pair:
                self.prefetch([written])
            return self._by_pair[pair]
        code = written.credit_code
        if code not in self._latest:
            cards = ScoresRepository().load(code)
            periods = sorted((p for p, c in cards.items() if c.kind == CARD), reverse=True)
            self._latest[code] = next(
                (s for s in (snapshot(cards[p]) for p in periods) if s is not None), None
            )
        return self._latest[code]


def _placed(decision: Decision, current: Stored | None, card: CardSnapshot | None) -> Placed:
    if current is not None:
        return current.placed
    assert card is not None  # a new record always has its card
    return Placed(card.region_code, card.name)


def _write_round(
    parsed: Sequence[tuple[int, Writer, SupportInput]],
    results: dict[int, Result],
    repo: SupportRepository,
    cards: _Cards,
) -> None:
    """Decide and write items of distinct identities."""
    ids = {i: record_id_for(w.org, s.external_ref) for i, w, s in parsed}
    current = repo.current(ids.values())
    cards.prefetch(s for i, _, s in parsed if ids[i] not in current)
    for index, writer, written in parsed:
        results[index] = _write_one(written, writer, current.get(ids[index]), repo, cards)


def _write_one(
    written: SupportInput, writer: Writer, current: Stored | None, repo: SupportRepository, cards: _Cards
) -> Result:
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            card = cards.card_for(written) if current is None else None
            decision = decide(
                written, writer.org, writer.org_type, current.record if current else None, card, _now()
            )
            if decision.outcome is not Outcome.UNCHANGED:
                previous = current.record.version if current is not None else None
                record = decision.record
                milestones = next_milestones(
                    current.milestones if current is not None else None, record.status, record.occurred_on
                )
                repo.write(record, _placed(decision, current, card), previous, milestones)
            return Result(written.external_ref, decision.outcome, decision.record)
        except SupportProblem as problem:
            return Result(written.external_ref, problem=problem)
        except RecordConflictError:
            logger.info("support record changed concurrently; deciding again", extra={"attempt": attempt})
            current = repo.get(record_id_for(writer.org, written.external_ref))
    return Result(
        written.external_ref,
        problem=SupportProblem(
            "SUPPORT_CONFLICT",
            None,
            "the record kept changing while it was written; send it again",
            "该记录在写入时被反复修改，请重新提交",
        ),
    )


def write_many(items: Sequence[Item]) -> list[Result]:
    """Write every item; one Result per item, in input order."""
    results: dict[int, Result] = {}
    parsed: list[tuple[int, Writer, SupportInput]] = []
    products = ProductLookup()
    for index, item in enumerate(items):
        if item.problem is not None or item.writer is None:
            results[index] = Result(_ref_of(item.data), problem=item.problem)
            continue
        try:
            written = parse_input(item.data)
            check_writer(written, item.writer.org, item.writer.org_type, products)
            parsed.append((index, item.writer, written))
        except SupportProblem as problem:
            results[index] = Result(_ref_of(item.data), problem=problem)
    repo, cards = SupportRepository(), _Cards()
    # Rounds of distinct identities: an identity sent twice is written twice, in input order.
    while parsed:
        seen: set[tuple[str, str]] = set()
        this_round: list[tuple[int, Writer, SupportInput]] = []
        later: list[tuple[int, Writer, SupportInput]] = []
        for entry in parsed:
            identity = (entry[1].org, entry[2].external_ref)
            (later if identity in seen else this_round).append(entry)
            seen.add(identity)
        _write_round(this_round, results, repo, cards)
        parsed = later
    _mark_reports(results.values())
    return [results[i] for i in range(len(items))]


def _mark_reports(results: Iterable[Result]) -> None:
    """The periods whose support changed: their reports are rebuilt on the builder's next run (one write a
    period, not a record), instead of at the 15-minute refresh."""
    from chalicelib.services.reports import mark_period_changed

    changed = {
        r.record.period for r in results if r.record is not None and r.outcome is not Outcome.UNCHANGED
    }
    for period in sorted(p for p in changed if p is not None):
        mark_period_changed(period)


def write_one(data: Mapping[str, Any], writer: Writer) -> Result:
    (result,) = write_many([Item(data, writer)])
    return result


# --- reads ------------------------------------------------------------------------------------


def visible(record: SupportRecord, org: str | None) -> bool:
    """Admin (org None) sees every record; an institution its own only."""
    return org is None or record.org == org


def get(record_id: str, org: str | None) -> SupportRecord | None:
    """The current version, or None when it does not exist or belongs to another institution."""
    stored = SupportRepository().get(record_id)
    if stored is None or not visible(stored.record, org):
        return None
    return stored.record


def versions(record_id: str, org: str | None) -> list[SupportRecord] | None:
    if get(record_id, org) is None:
        return None
    return SupportRepository().versions(record_id)


def of_enterprise(credit_code: str) -> list[SupportRecord]:
    """Every current record of an enterprise, every institution's (for the summary), newest first."""
    return [stored.record for stored in support.of_enterprise(credit_code)]
