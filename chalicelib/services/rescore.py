"""Rescoring: the consumer of the rescore queue, and the fan-out of a full rescore.

A message's enterprises are read in bulk: their current facts items, then their stored cards (each
one BatchGetItem per 100 keys, strongly consistent). Then per enterprise: the pure scoring function,
and one transaction for whatever changed (card, history, whitelist state, outbox record).
Nothing changed, nothing written. Messages may arrive twice or out of order: the rescore always
reads the current facts, so a duplicate or a stale message finds nothing to change.

A version conflict (another rescore of the same enterprise committed in between) re-reads facts
AND cards of that enterprise alone (one GetItem, one Query) and decides again: re-reading the facts
matters, or a rescore holding older facts could overwrite a card computed from newer ones.

Which cards to read: the periods a pair names; for a pair of every period (None), the periods with
current facts. That finds every card: a card is only ever written for a period with a scored fact
(`score_enterprise` scores `data.facts`), and current facts never vanish (ingest only adds or
overwrites values), so a retired card's period still has its facts.

A period that was scored but is no longer scorable (its facts cannot vanish, but a corrected
`established_on` can move the enterprise's start after the period) is retired: the card leaves every
index and, if it was listed, `whitelist.left` is published with the last score it had. Listeners that
follow retirements (`FollowsRetirements`: the reports listener, policy re-matching) are told of it.

Listeners that buffer (`Buffering`: the reports listener's move counts) are flushed once after a batch
(an SQS event, a job chunk), whatever its messages' outcome.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, Protocol, runtime_checkable

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from chalicelib.domain.events import build_event
from chalicelib.domain.model.schema import ScoringModel
from chalicelib.domain.records import EnterpriseData, WhitelistChange, WhitelistState
from chalicelib.domain.scoring.engine import score_enterprise, score_period
from chalicelib.domain.scoring.rescore_request import Pair, RescoreRequest
from chalicelib.domain.scoring.whitelist import LEFT, transition
from chalicelib.domain.timestamps import stamp
from chalicelib.domain.values import FIRST_PERIOD
from chalicelib.services.model_registry import active_model
from chalicelib.settings import get_settings
from chalicelib.stores.facts import FactsRepository
from chalicelib.stores.outbox import OutboxRecord
from chalicelib.stores.rescore_queue import send_requests
from chalicelib.stores.scores import (
    CARD,
    CardConflictError,
    CardWrite,
    Retirement,
    ScoresRepository,
    StoredCard,
    Write,
    needs_write,
    scored_enterprises,
)

MAX_ATTEMPTS: Final = 5
RETRY_DELAY_S: Final = 0.05

logger = Logger(child=True)
metrics = Metrics()


class RescoreConflictError(RuntimeError):
    """An enterprise's cards kept changing under this rescore; the message is retried later."""

    code = "RESCORE_CONFLICT"

    def __init__(self, credit_code: str, attempts: int) -> None:
        super().__init__(
            f"{credit_code}: score cards changed concurrently {attempts} times in a row / "
            f"企业 {credit_code} 的评分卡连续 {attempts} 次被并发修改，稍后重试"
        )


# --- pure decisions ------------------------------------------------------------------------------


def group_pairs(pairs: Iterable[Pair]) -> dict[str, frozenset[int] | None]:
    """Periods to rescore per enterprise, in first-seen order; None (every period) absorbs the rest."""
    grouped: dict[str, frozenset[int] | None] = {}
    for pair in pairs:
        if pair.credit_code in grouped and grouped[pair.credit_code] is None:
            continue
        if pair.period is None:
            grouped[pair.credit_code] = None
        else:
            grouped[pair.credit_code] = (grouped.get(pair.credit_code) or frozenset()) | {pair.period}
    return grouped


def _retirement(model: ScoringModel, previous: StoredCard, batch_id: str | None, now: datetime) -> Retirement:
    state = previous.whitelist
    if not previous.listed:
        return Retirement(previous, state, None, stamp(now))
    assert state is not None
    last = previous.card()
    if last is None:
        raise ValueError(f"stored card {previous.credit_code}/{previous.period} cannot be decoded")
    new_state = WhitelistState(listed=False, score=last.score, grade=last.grade, sequence=state.sequence + 1)
    change = WhitelistChange(type=LEFT, previous=state, state=new_state)
    event = build_event(change, last, previous, batch_id=batch_id, time=now)
    return Retirement(previous, new_state, event, stamp(now))


def writes_for(
    model: ScoringModel,
    data: EnterpriseData,
    stored: Mapping[int, StoredCard],
    periods: frozenset[int] | None,
    *,
    batch_id: str | None,
    now: datetime,
) -> list[Write]:
    """What to write for one enterprise: changed cards (with their events) and retirements."""
    if periods is None:
        cards = {card.period: card for card in score_enterprise(model, data)}
        targets = sorted(set(cards) | set(stored))
    else:
        cards = {}
        for period in periods:
            scored = score_period(model, data, period)
            if scored is not None:
                cards[period] = scored
        targets = sorted(periods)
    computed_at = stamp(now)
    writes: list[Write] = []
    for period in targets:
        card, previous = cards.get(period), stored.get(period)
        if card is None:
            if previous is not None and previous.kind == CARD:
                writes.append(_retirement(model, previous, batch_id, now))
            continue
        master = data.master
        assert master is not None  # a card exists only with master data
        if not needs_write(previous, card, master, data.zone_id):
            continue
        before = previous.whitelist if previous is not None else None
        change = transition(model, before, card)
        event = build_event(change, card, master, batch_id=batch_id, time=now) if change else None
        state = change.state if change is not None else before
        writes.append(CardWrite(card, master, previous, state, event, batch_id, computed_at, data.zone_id))
    return writes


# --- the service ---------------------------------------------------------------------------------


CardListener = Callable[[Sequence[CardWrite]], None]
"""Told of the card writes committed for one enterprise: other use cases (policy re-matching, report
freshness) follow card changes this way, without the rescore knowing them."""


@runtime_checkable
class FollowsRetirements(Protocol):
    """A listener that is also told of an enterprise's committed retirements (periods no longer scorable)."""

    def retired(self, retirements: Sequence[Retirement]) -> None: ...


@runtime_checkable
class Buffering(Protocol):
    """A listener that holds what it follows and writes it once after a batch (`Rescorer.flush_listeners`)."""

    def flush(self) -> None: ...


@dataclass
class RescoreCounts:
    """What a rescorer did: enterprises rescored, cards written, whitelist events written."""

    enterprises: int = 0
    cards_written: int = 0
    events: int = 0


def _now() -> datetime:
    return datetime.now(UTC)


class Rescorer:
    def __init__(
        self,
        model: ScoringModel | None = None,
        facts: FactsRepository | None = None,
        scores: ScoresRepository | None = None,
        *,
        clock: Callable[[], datetime] = _now,
        sleep: Callable[[float], None] = time.sleep,
        max_attempts: int = MAX_ATTEMPTS,
        listeners: Sequence[CardListener] = (),
    ) -> None:
        self.model = model or active_model()
        self.facts = facts or FactsRepository()
        self.scores = scores or ScoresRepository()
        self._clock = clock
        self._sleep = sleep
        self._max_attempts = max_attempts
        self._listeners = tuple(listeners)
        self._model_checked = False
        self.tally = RescoreCounts()

    def _follow_active(self, stored: Mapping[int, StoredCard]) -> None:
        """A stored card of another version may mean a model was activated since this rescorer read the
        active one: check once (one GetItem) and follow it, so that no rescore writes a card of the retired
        model over one of the new (the activation's job would not come back to it)."""
        if self._model_checked or all(
            card.card_dict.get("model_version", self.model.version) == self.model.version
            for card in stored.values()
        ):
            return
        self._model_checked = True
        latest = active_model(fresh=True)
        if latest.version != self.model.version:
            logger.info("following the newly active model", extra={"model_version": latest.version})
            self.model = latest

    def rescore(self, request: RescoreRequest) -> list[OutboxRecord]:
        """Rescore every pair of a message, each enterprise once; return the outbox records written."""
        return self.rescore_all(group_pairs(request.pairs), request.batch_id)

    def rescore_all(
        self, grouped: Mapping[str, frozenset[int] | None], batch_id: str | None
    ) -> list[OutboxRecord]:
        """Rescore enterprises (their periods; None: every period), their facts and cards read in bulk."""
        facts = self.facts.load_many(grouped)
        keys = [
            (code, period)
            for code, periods in grouped.items()
            for period in (periods if periods is not None else facts[code].facts)
        ]
        cards = self.scores.load_many(keys)
        outbox: list[OutboxRecord] = []
        for credit_code, periods in grouped.items():
            read = (facts[credit_code], cards.get(credit_code, {}))
            outbox.extend(self.rescore_enterprise(credit_code, periods, batch_id, read=read))
        return outbox

    def rescore_enterprise(
        self,
        credit_code: str,
        periods: frozenset[int] | None,
        batch_id: str | None,
        *,
        read: tuple[EnterpriseData, Mapping[int, StoredCard]] | None = None,
    ) -> list[OutboxRecord]:
        """Rescore one enterprise; `read` is its facts and cards read in bulk with its message's (else
        they are read here). A conflict re-reads them here."""
        self.tally.enterprises += 1
        for attempt in range(1, self._max_attempts + 1):
            if read is not None and attempt == 1:
                data, stored = read
            else:
                data, stored = self.facts.load(credit_code), self.scores.load(credit_code)
            self._follow_active(stored)
            writes = writes_for(self.model, data, stored, periods, batch_id=batch_id, now=self._clock())
            if not writes:
                return []
            try:
                outbox = self.scores.save(writes)
            except CardConflictError:
                logger.info(
                    "score card conflict, retrying", extra={"credit_code": credit_code, "attempt": attempt}
                )
                self._sleep(RETRY_DELAY_S * attempt)
                continue
            cards = [w for w in writes if isinstance(w, CardWrite)]
            self.tally.cards_written += len(cards)
            self.tally.events += len(outbox)
            for listener in self._listeners:
                listener(cards)
            retired = [w for w in writes if isinstance(w, Retirement)]
            for listener in self._listeners if retired else ():
                if isinstance(listener, FollowsRetirements):
                    listener.retired(retired)
            return outbox
        raise RescoreConflictError(credit_code, self._max_attempts)

    def flush_listeners(self) -> None:
        """After a batch (an SQS event, a job chunk): buffering listeners write what they hold."""
        for listener in self._listeners:
            if isinstance(listener, Buffering):
                listener.flush()


def handle_sqs_event(event: dict[str, Any], context: Any = None, *, rescorer: Rescorer) -> dict[str, Any]:
    """The rescore Lambda: one record = one RescoreRequest; failed records are reported, not raised.

    `rescorer` comes with its listeners from the composition root (`chalicelib/wiring.py`). After the
    batch, what was committed is relayed to SNS at once; what fails there stays pending in the outbox
    for the scheduled drain.
    """
    from chalicelib.services.relay import relay_items

    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    outbox: list[OutboxRecord] = []

    def record_handler(record: SQSRecord) -> None:
        request = RescoreRequest.model_validate_json(record.body)
        outbox.extend(rescorer.rescore(request))

    try:
        response: dict[str, Any] = dict(
            process_partial_response(
                event=event, record_handler=record_handler, processor=processor, context=context
            )
        )
    finally:
        rescorer.flush_listeners()  # the moves of every committed change, failed messages' too
    if outbox:
        try:
            relay_items(outbox)
        except Exception:  # the records are committed: the drain publishes them
            logger.exception(
                "immediate relay failed; the outbox drain will publish", extra={"events": len(outbox)}
            )
    tally = rescorer.tally
    metrics.add_metric(name="EnterprisesRescored", unit=MetricUnit.Count, value=tally.enterprises)
    metrics.add_metric(name="ScoreCardsWritten", unit=MetricUnit.Count, value=tally.cards_written)
    metrics.add_metric(name="WhitelistEvents", unit=MetricUnit.Count, value=tally.events)
    return response


# --- full rescore --------------------------------------------------------------------------------


def _chunks(pairs: Iterable[Pair], size: int) -> Iterator[list[Pair]]:
    chunk: list[Pair] = []
    for pair in pairs:
        chunk.append(pair)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def full_rescore_pairs(period: int | None, current_year: int) -> Iterator[Pair]:
    """Pairs of a full rescore: each scored enterprise of `period`, or each once with period None."""
    if period is not None:
        for code in scored_enterprises(period):
            yield Pair(credit_code=code, period=period)
        return
    seen: set[str] = set()
    for year in range(current_year, FIRST_PERIOD - 1, -1):
        for code in scored_enterprises(year):
            if code not in seen:
                seen.add(code)
                yield Pair(credit_code=code, period=None)


def request_full_rescore(period: int | None) -> int:
    """Queue a rescore of every scored enterprise of `period` (None: of every period); return the pairs.

    Enumerates the scores table's by_period index (no Scan). Enterprises with facts but no card yet are
    not reached: they have no master data (not scorable) or their last rescore failed (see the DLQ).
    """
    chunk_size = get_settings().rescore_chunk_size
    count = 0

    def requests() -> Iterator[RescoreRequest]:
        nonlocal count
        for chunk in _chunks(full_rescore_pairs(period, _now().year), chunk_size):
            count += len(chunk)
            yield RescoreRequest(reason="full_rescore", batch_id=None, pairs=chunk)

    send_requests(requests())
    logger.info("full rescore requested", extra={"period": period, "pairs": count})
    return count
