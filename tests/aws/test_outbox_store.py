"""The outbox table's storage: pending records in a sparse index over 16 shards, sent ones expiring."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.events import ChangeEvent, event_id
from chalicelib.settings import get_settings
from chalicelib.stores import outbox
from chalicelib.stores.tables import OUTBOX_SHARDS, OutboxItem
from scripts.provision import Resources
from scripts.synthetic import credit_code


def _pending(n: int) -> outbox.OutboxRecord:
    code = credit_code(n, "360111")
    body: dict[str, Any] = {"id": event_id(code, 2025, 1), "credit_code": code, "period": 2025, "sequence": 1}
    item = outbox.new_item(
        ChangeEvent(id=body["id"], body=body, attributes={"type": "whitelist.entered"}),
        created_at=f"2026-01-01T00:{n // 60:02d}:{n % 60:02d}.000000Z",
    )
    item.save()
    return outbox.record_of(item)


def test_pending_records_spread_over_the_shards_and_drain_oldest_first(aws: Resources) -> None:
    records = [_pending(n) for n in range(80)]
    shards = {OutboxItem.get(r.id).pending_shard for r in records}
    assert len(shards) > OUTBOX_SHARDS // 2  # not one constant partition
    assert all(s is not None and 0 <= int(s) < OUTBOX_SHARDS for s in shards)
    assert outbox.pending_ids("9999", 10) == [r.id for r in records[:10]]  # merged across shards
    assert outbox.pending_ids("2026-01-01T00:00:04.000000Z", 100) == [r.id for r in records[:5]]


def test_a_sent_record_leaves_the_index_and_expires_after_the_retention(aws: Resources) -> None:
    record = _pending(1)
    outbox.mark_sent([record], "2026-01-01T00:00:00.000000Z")
    item = OutboxItem.get(record.id)
    assert item.pending_shard is None and outbox.pending_ids("9999", 10) == []
    days = get_settings().outbox_retention_days
    assert days >= 365  # a year's audit at least
    assert item.expires_at == 1767225600 + days * 86400  # 2026-01-01T00:00:00Z + the retention
