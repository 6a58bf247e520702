"""The outbox table: events committed with the state they describe, waiting to be published.

The relay sees plain `OutboxRecord`s; this module is the only one that knows the table's items.

A pending record carries `pending_shard` (one of 8, from its id): the sparse `by_pending` index holds
pending records only, spread over 8 partitions rather than one constant key (8,000 index writes a
second, not 1,000; a drain pays 8 Queries). Marking a record sent drops the shard (out of the index)
and sets `expires_at`: DynamoDB's TTL deletes it `settings.outbox_retention_days` (400) after it was
sent, a year's audit plus the next upload season; the score history (scores table) and the published
snapshots keep the lasting record.
"""

from __future__ import annotations

import heapq
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from chalicelib.domain.events import WHITELIST_TOPIC, ChangeEvent
from chalicelib.settings import get_settings
from chalicelib.stores.tables import OUTBOX_SHARDS, OutboxItem

PENDING: Final = "pending"
SENT: Final = "sent"


@dataclass(frozen=True, slots=True)
class OutboxRecord:
    id: str
    status: str  # pending | sent
    created_at: str
    body: dict[str, Any]  # the event's message body
    attributes: dict[str, str]  # its SNS message attributes
    topic: str = WHITELIST_TOPIC  # the topic it goes to (the relay picks the publisher by it)


def pending_shard(record_id: str) -> str:
    """The by_pending partition of a record: stable per id, spread evenly over OUTBOX_SHARDS."""
    return str(zlib.crc32(record_id.encode()) % OUTBOX_SHARDS)


def expires_at(sent_at: str) -> int:
    """The TTL (epoch seconds) of a record sent at `sent_at` (an ISO stamp)."""
    sent = datetime.fromisoformat(sent_at.replace("Z", "+00:00"))
    return int(sent.timestamp()) + get_settings().outbox_retention_days * 86400


def new_item(event: ChangeEvent, created_at: str) -> OutboxItem:
    """The item a transaction writes beside the state change that `event` describes."""
    return OutboxItem(
        event.id,
        status=PENDING,
        pending_shard=pending_shard(event.id),
        created_at=created_at,
        body=event.body,
        attributes=event.attributes,
        topic=None if event.topic == WHITELIST_TOPIC else event.topic,  # whitelist items stay as they were
    )


def record_of(item: OutboxItem) -> OutboxRecord:
    return OutboxRecord(
        item.id,
        item.status,
        item.created_at,
        dict(item.body),
        dict(item.attributes),
        item.topic or WHITELIST_TOPIC,
    )


def load(ids: Iterable[str]) -> list[OutboxRecord]:
    """The records of `ids` that exist, read consistently."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return []
    return [record_of(item) for item in OutboxItem.batch_get(wanted, consistent_read=True)]


def still_pending(ids: Iterable[str]) -> set[str]:
    """Those of `ids` whose record exists and is still pending (read consistently)."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return set()
    found = OutboxItem.batch_get(wanted, consistent_read=True, attributes_to_get=["id", "status"])
    return {item.id for item in found if item.status == PENDING}


def mark_sent(records: Iterable[OutboxRecord], moment: str) -> None:
    """Mark published records sent in bulk: each is Put back whole with status `sent` (BatchWriteItem, 25
    a request, unprocessed items resent by PynamoDB), which also drops it from the pending side of the
    by_pending index (the Put carries no `pending_shard`) and starts its retention (`expires_at`).

    An unconditional Put is safe here where the old UpdateItem needed `status == pending`: the relay
    holds the whole record, an event's id, body, attributes, topic and created_at never change after
    the transaction that created it, records are never deleted, and `sent` is the only state after
    `pending`. So a Put over a record another relay marked first changes only `sent_at` (to the later
    publish, which did happen too), and a Put never brings back a record that was not written.
    """
    expiry = expires_at(moment)
    with OutboxItem.batch_write() as batch:
        for record in {r.id: r for r in records}.values():
            batch.save(
                OutboxItem(
                    record.id,
                    status=SENT,
                    created_at=record.created_at,
                    sent_at=moment,
                    expires_at=expiry,
                    body=record.body,
                    attributes=record.attributes,
                    topic=None if record.topic == WHITELIST_TOPIC else record.topic,
                )
            )


def pending_ids(created_up_to: str, limit: int) -> list[str]:
    """Ids of pending records created at or before `created_up_to`, oldest first: up to `limit` from each
    shard of the by_pending index (one Query each, keys only), merged."""
    per_shard = [
        [
            (key.created_at, key.id)
            for key in OutboxItem.by_pending.query(
                str(shard), OutboxItem.created_at <= created_up_to, limit=limit
            )
        ]
        for shard in range(OUTBOX_SHARDS)
    ]
    return [record_id for _, record_id in heapq.merge(*per_shard)][:limit]
