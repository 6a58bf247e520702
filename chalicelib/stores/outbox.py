"""The outbox table: events committed with the state they describe, waiting to be published.

The relay sees plain `OutboxRecord`s; this module is the only one that knows the table's items.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

from chalicelib.domain.events import WHITELIST_TOPIC, ChangeEvent
from chalicelib.stores.tables import OutboxItem

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


def new_item(event: ChangeEvent, created_at: str) -> OutboxItem:
    """The item a transaction writes beside the state change that `event` describes."""
    return OutboxItem(
        event.id,
        status=PENDING,
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
    by_status index.

    An unconditional Put is safe here where the old UpdateItem needed `status == pending`: the relay
    holds the whole record, an event's id, body, attributes, topic and created_at never change after
    the transaction that created it, records are never deleted, and `sent` is the only state after
    `pending`. So a Put over a record another relay marked first changes only `sent_at` (to the later
    publish, which did happen too), and a Put never brings back a record that was not written.
    """
    with OutboxItem.batch_write() as batch:
        for record in {r.id: r for r in records}.values():
            batch.save(
                OutboxItem(
                    record.id,
                    status=SENT,
                    created_at=record.created_at,
                    sent_at=moment,
                    body=record.body,
                    attributes=record.attributes,
                    topic=None if record.topic == WHITELIST_TOPIC else record.topic,
                )
            )


def pending_ids(created_up_to: str, limit: int) -> list[str]:
    """Ids of pending records created at or before `created_up_to`, oldest first (the by_status index)."""
    query = OutboxItem.by_status.query(PENDING, OutboxItem.created_at <= created_up_to, limit=limit)
    return [key.id for key in query]
