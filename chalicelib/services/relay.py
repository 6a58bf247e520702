"""The outbox relay: publishes pending events to their SNS topic and marks them sent, in bulk.

Two topics share the one outbox: whitelist events (contract 4), ordered per (enterprise, period), and
policy match events (contract 9), ordered per (policy, enterprise). A record names its topic.
Objection events (contract 16, ordered per objection) go to the policy topic too, and the rescore
requests of objection corrections (topic `rescore`) to the rescore queue instead of SNS.

Two paths use it: the rescore handler relays what it just committed (`relay_items`, no extra read),
and a scheduled drain (`drain_outbox`) recovers whatever a crash, a timeout or an SNS failure left
pending. An event keeps its id whichever path sends it, so a rare double send (a crash between the
publish and the mark) is one change seen twice under one id, which subscribers drop.

Marks: published records are marked sent with BatchWriteItem Puts, 25 a request (`outbox.mark_sent`),
once 25 are waiting and at the end of the relay (also when a later publish raises), so a record is
marked at most a few publish calls after it went out. Until then a concurrent relay may still see it
pending; that only widens the crash window above (a drain takes records older than DRAIN_MIN_AGE_S,
which the immediate relay of their own invocation has marked long before), and a successor it holds
back for that waits for a later drain, never goes out first.

Order: within one ordering key, an event goes out only after its predecessor (sequence - 1) has been
sent or goes out with it; a failed event holds back its successors until a later drain.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Final, Protocol

from aws_lambda_powertools import Logger
from aws_lambda_powertools.metrics import MetricUnit

from chalicelib.domain.events import WHITELIST_TOPIC, event_id
from chalicelib.domain.objections.objection import OBJECTION_TOPIC, objection_event_id
from chalicelib.domain.policies.events import TOPIC as POLICY_TOPIC
from chalicelib.domain.policies.events import policy_event_id
from chalicelib.domain.timestamps import stamp
from chalicelib.observability import metrics
from chalicelib.settings import get_settings
from chalicelib.stores import outbox
from chalicelib.stores.objections import RESCORE_TOPIC
from chalicelib.stores.outbox import PENDING, OutboxRecord
from chalicelib.stores.publisher import MAX_ENTRIES, OutgoingMessage, SnsPublisher
from chalicelib.stores.rescore_queue import OutboxRescoreSender

# The drain leaves fresh records to the immediate relay of the invocation that wrote them.
DRAIN_MIN_AGE_S: Final = 30.0
DRAIN_LIMIT: Final = 2000  # records per drain run; the next minute's run takes the rest
MARK_BATCH: Final = 25  # BatchWriteItem's limit: marks are written once this many are waiting

logger = Logger(child=True)

Key = tuple[str, str, str | int]  # (topic, credit_code, period) or (topic, policy_id, credit_code)
_PER_OBJECTION: Final = (OBJECTION_TOPIC, RESCORE_TOPIC)  # ordered per objection


class Publisher(Protocol):
    def publish(self, messages: Sequence[OutgoingMessage]) -> set[str]: ...


def _key(item: OutboxRecord) -> Key:
    if item.topic == POLICY_TOPIC:
        return item.topic, str(item.body["policy_id"]), str(item.body["credit_code"])
    if item.topic in _PER_OBJECTION:
        return item.topic, str(item.body["objection_id"]), 0
    return item.topic, str(item.body["credit_code"]), int(item.body["period"])


def _predecessor_id(item: OutboxRecord) -> str:
    """The id of the event before this one under the same ordering key."""
    sequence = _sequence(item) - 1
    if item.topic == POLICY_TOPIC:
        return policy_event_id(str(item.body["policy_id"]), str(item.body["credit_code"]), sequence)
    if item.topic == OBJECTION_TOPIC:
        return objection_event_id(str(item.body["objection_id"]), sequence)
    return event_id(str(item.body["credit_code"]), int(item.body["period"]), sequence)


def _sequence(item: OutboxRecord) -> int:
    return int(item.body["sequence"])


def _message(item: OutboxRecord) -> OutgoingMessage:
    return OutgoingMessage(id=item.id, body=item.body, attributes=item.attributes)


def _now() -> datetime:
    return datetime.now(UTC)


def in_order(items: Sequence[OutboxRecord]) -> list[OutboxRecord]:
    """Creation order, except that each ordering key's records are put in sequence order.

    Records of one key are written one after another, so creation order already
    agrees with their sequence; sorting each key's records on sequence guards against clock skew.
    """
    ordered = sorted(items, key=lambda i: (i.created_at, i.id))
    slots: dict[Key, list[int]] = defaultdict(list)
    for position, item in enumerate(ordered):
        slots[_key(item)].append(position)
    result = list(ordered)
    for positions in slots.values():
        group = sorted((ordered[p] for p in positions), key=_sequence)
        for position, item in zip(positions, group, strict=True):
            result[position] = item
    return result


def _pending_predecessors(items: Sequence[OutboxRecord]) -> set[str]:
    """Ids among `items` whose predecessor is not among them and is still pending in the outbox."""
    ids = {i.id for i in items}
    waiting: dict[str, str] = {}  # predecessor id -> id of the item that waits for it
    for item in items:
        if _sequence(item) > 1:
            before = _predecessor_id(item)
            if before not in ids:
                waiting[before] = item.id
    return {waiting[found] for found in outbox.still_pending(waiting)}


def _topic_arn(topic: str) -> str:
    settings = get_settings()
    arn = (
        settings.policy_topic_arn
        if topic in (POLICY_TOPIC, OBJECTION_TOPIC)
        else settings.whitelist_topic_arn
    )
    if not arn:
        raise RuntimeError(f"no topic ARN configured for {topic!r} events / 未配置 {topic} 事件的 SNS 主题")
    return arn


def relay_items(
    items: Sequence[OutboxRecord],
    publisher: SnsPublisher | None = None,
    *,
    publishers: Mapping[str, SnsPublisher] | None = None,
) -> int:
    """Publish pending records (10 per call, in order), mark each published one sent; return how many.

    `publisher` publishes whitelist events; `publishers` may give one per topic (by default each
    topic's publisher is built from settings).
    """
    pending = [i for i in items if i.status == PENDING]
    if not pending:
        return 0
    held_ids = _pending_predecessors(pending)
    chosen: dict[str, Publisher] = dict(publishers or {})
    if publisher is not None:
        chosen.setdefault(WHITELIST_TOPIC, publisher)
    blocked: set[Key] = {_key(i) for i in pending if i.id in held_ids}
    sent = 0
    marks = _Marks()
    try:
        for topic in dict.fromkeys(i.topic for i in pending):
            if topic not in chosen:
                chosen[topic] = (
                    OutboxRescoreSender() if topic == RESCORE_TOPIC else SnsPublisher(_topic_arn(topic))
                )
            sent += _relay_topic([i for i in pending if i.topic == topic], chosen[topic], blocked, marks)
    finally:
        marks.flush()  # what went out is marked even when a later publish raised
    if blocked:
        logger.warning("outbox records left pending", extra={"keys": len(blocked)})
    return sent


class _Marks:
    """Published records waiting to be marked sent, written MARK_BATCH at a time."""

    def __init__(self) -> None:
        self._waiting: list[OutboxRecord] = []

    def add(self, records: Iterable[OutboxRecord]) -> None:
        self._waiting.extend(records)
        if len(self._waiting) >= MARK_BATCH:
            self.flush()

    def flush(self) -> None:
        if self._waiting:
            waiting, self._waiting = self._waiting, []
            outbox.mark_sent(waiting, stamp(_now()))


def _relay_topic(
    pending: Sequence[OutboxRecord], publisher: Publisher, blocked: set[Key], marks: _Marks
) -> int:
    queue = in_order(pending)
    sent = 0
    while queue:
        batch: list[OutboxRecord] = []
        rest: list[OutboxRecord] = []
        in_batch: set[Key] = set()
        for item in queue:
            key = _key(item)
            if key in blocked:
                continue  # left pending: a later drain sends it after its predecessor
            if len(batch) < MAX_ENTRIES and key not in in_batch:
                batch.append(item)
                in_batch.add(key)  # one per key and call: a successor waits for its predecessor's result
            else:
                rest.append(item)
        if not batch:
            break
        published = publisher.publish([_message(i) for i in batch])
        for item in batch:
            if item.id not in published:
                blocked.add(_key(item))
        done = [i for i in batch if i.id in published]
        marks.add(done)
        sent += len(done)
        queue = rest
    return sent


def relay_now(ids: Iterable[str], publisher: SnsPublisher | None = None) -> int:
    """Relay the given outbox records now (read back consistently); return how many were published."""
    records = outbox.load(ids)
    return relay_items(records, publisher) if records else 0


def drain_outbox(
    *,
    min_age_seconds: float = DRAIN_MIN_AGE_S,
    limit: int = DRAIN_LIMIT,
    publisher: SnsPublisher | None = None,
) -> int:
    """Publish pending records older than `min_age_seconds`, oldest first; return how many."""
    cutoff = stamp(_now() - timedelta(seconds=min_age_seconds))
    ids = outbox.pending_ids(cutoff, limit)
    sent = relay_now(ids, publisher) if ids else 0
    # every run publishes its figure (0 included): stuck records show as a flat line, not as silence
    metrics.add_metric(name="OutboxDrained", unit=MetricUnit.Count, value=sent)
    return sent
