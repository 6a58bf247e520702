"""Fact history, one item per (enterprise, period, upload) (issue 24): what ingest and objection
corrections write, what `FactsRepository.history` reads (both layouts), and what an upload costs."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal

import pytest

from chalicelib.domain.model.schema import load_model
from chalicelib.domain.records import FactValue
from chalicelib.domain.upload_event import Upload
from chalicelib.domain.validation.rows import FactRow, MasterRow
from chalicelib.services.ingest import FactsMerger, handle_sqs_event
from chalicelib.settings import get_settings
from chalicelib.stores.facts import (
    ITEM_BYTES_GUARD,
    FactKey,
    FactsRepository,
    fact_history_item,
    upload_history_item,
)
from chalicelib.stores.tables import BatchItem, FactItem
from scripts.provision import Resources
from scripts.synthetic import credit_code
from tests.aws.api_helpers import Call
from tests.aws.ingest_helpers import put, receive_event
from tests.aws.objection_helpers import World, world

A = "91350100M000100Y43"
B = "91110108551385082Q"
MODEL = load_model(get_settings().model_version)
TAX = "credit_code,period,rd_expense,operating_revenue,tax_paid\n"


def _ingest(aws: Resources, key: str, body: str) -> BatchItem:
    put(aws, key, body.encode())
    assert handle_sqs_event(receive_event(aws)) == {"batchItemFailures": []}
    return max(BatchItem.scan(), key=lambda b: b.received_at)


def _stored(code: str) -> list[FactItem]:
    """The enterprise's fact-history items as stored (master records aside)."""
    items = FactItem.query(f"E#{code}", FactItem.sk.startswith("H#"), consistent_read=True)
    return [i for i in items if i.kind != "master"]


def _old_item(code: str, indicator: str, value: str | None, order: str, *, check: bool = False) -> FactItem:
    """A per-value history item as written before issue 24."""
    part = "X" if check else "F"
    return FactItem(
        f"E#{code}",
        f"H#{part}#2025#{indicator}#{order}",
        kind="cross_check" if check else "fact",
        period=2025,
        indicator=indicator,
        value=value,
        department="stats" if check else "tax",
        batch_id="old-batch",
        received_at="2025-06-01T00:00:00Z",
        order=order,
    )


def test_an_upload_writes_one_history_item_per_enterprise_and_period(aws: Resources) -> None:
    batch = _ingest(
        aws, "incoming/tax/2025.csv", f"{TAX}{A},2025,800,9000,120\n{A},2024,700,,\n{B},2025,50,60,7\n"
    )

    items = _stored(A)
    assert [(i.kind, i.sk.rsplit("#", 2)[0], int(i.period)) for i in items] == [
        ("upload", "H#U#2024", 2024),
        ("upload", "H#U#2025", 2025),
    ]
    assert items[0].facts == {"F": {"rd_expense": "700"}}  # an empty cell is not sent, not kept
    assert items[1].facts == {"F": {"operating_revenue": "9000", "rd_expense": "800", "tax_paid": "120"}}
    for item in items:
        assert (item.department, item.batch_id, item.received_at) == (
            "tax",
            batch.batch_id,
            batch.received_at,
        )
        assert item.sk == f"H#U#{int(item.period)}#{item.order}" and item.order.startswith(batch.received_at)
    assert len(_stored(B)) == 1


def test_history_returns_every_value_as_the_per_value_items_did(aws: Resources) -> None:
    batch = _ingest(aws, "incoming/tax/2025.csv", f"{TAX}{A},2025,800,9000,\n")
    [item] = _stored(A)
    order = item.order

    records = list(FactsRepository().history(A))

    assert [(r.sk, r.kind, r.period, r.indicator, r.value) for r in records] == [
        (f"H#F#2025#operating_revenue#{order}", "fact", 2025, "operating_revenue", "9000"),
        (f"H#F#2025#rd_expense#{order}", "fact", 2025, "rd_expense", "800"),
    ]
    for r in records:
        assert (r.department, r.batch_id, r.received_at, r.order) == (
            "tax",
            batch.batch_id,
            batch.received_at,
            order,
        )


def test_a_cross_check_upload_keeps_its_values_as_cross_checks(aws: Resources) -> None:
    assert MODEL.cross_check.department == "stats"
    _ingest(aws, "incoming/stats/统计.csv", f"credit_code,period,rd_expense\n{A},2025,790\n")

    [item] = _stored(A)
    assert item.facts == {"X": {"rd_expense": "790"}}
    [record] = FactsRepository().history(A)
    assert (record.kind, record.indicator, record.value, record.department) == (
        "cross_check",
        "rd_expense",
        "790",
        "stats",
    )
    assert record.sk.startswith("H#X#2025#rd_expense#")
    assert FactsRepository().load(A).cross_checks[2025]["rd_expense"].value == 790


def test_the_per_value_items_written_before_are_still_read(aws: Resources) -> None:
    """No migration: an AWS table keeps its old items, and history reads them with the new ones."""
    old = [
        _old_item(A, "rd_expense", "600", "2025-06-01T00:00:00Z#1"),
        _old_item(A, "net_profit", None, "2025-07-01T00:00:00Z#objection:x"),  # an old removal
        _old_item(A, "rd_expense", "610", "2025-06-01T00:00:00Z#2", check=True),
    ]
    for item in old:
        item.save()
    _ingest(aws, "incoming/tax/2025.csv", f"{TAX}{A},2025,800,,\n")
    [new] = [i for i in _stored(A) if i.kind == "upload"]

    records = list(FactsRepository().history(A))

    assert [(r.kind, r.indicator, r.value, r.batch_id) for r in records] == [
        ("fact", "net_profit", None, "old-batch"),
        ("fact", "rd_expense", "600", "old-batch"),
        ("fact", "rd_expense", "800", new.batch_id),
        ("cross_check", "rd_expense", "610", "old-batch"),
    ]
    # a value in both layouts (an upload half ingested before the change, retried after) counts once
    _old_item(A, "rd_expense", "800", new.order).save()
    assert len(list(FactsRepository().history(A))) == 4


def test_rows_of_one_enterprise_and_period_written_together_share_one_item(aws: Resources) -> None:
    """A follower (qualification flags) writes one row per value: still one item per (enterprise, period)."""
    upload = Upload(
        bucket="", key="", size=0, version_id=None, event_time="2026-01-05T08:00:00.000Z", sequencer="7"
    )
    merger = FactsMerger(MODEL, upload, "sci", "b-sci")
    rows: list[FactRow | MasterRow] = [
        FactRow(0, A, 2025, {"high_tech_enterprise": Decimal(1)}),
        FactRow(0, A, 2025, {"gazelle_unicorn": Decimal(0)}),
        FactRow(0, A, 2024, {"high_tech_enterprise": Decimal(1)}),
    ]
    merger.merge(rows)

    items = _stored(A)
    assert [i.facts for i in items] == [
        {"F": {"high_tech_enterprise": "1"}},
        {"F": {"gazelle_unicorn": "0", "high_tech_enterprise": "1"}},
    ]
    assert {(r.period, r.indicator) for r in FactsRepository().history(A)} == {
        (2024, "high_tech_enterprise"),
        (2025, "high_tech_enterprise"),
        (2025, "gazelle_unicorn"),
    }


@pytest.fixture
def w(aws: Resources) -> Iterator[World]:
    yield from world(aws)


def test_an_objection_correction_writes_its_value_and_a_removal_as_an_item_of_its_own(
    aws: Resources, w: World
) -> None:
    _, filed = w.file()
    oid = filed["objection_id"]
    status, _ = w.post(f"/objections/{oid}/resolve", "tax", {"decision": "corrected"})
    assert status == 200
    _, absent = w.file(field="indicator.net_profit", claimed_value=None)
    status, _ = w.post(f"/objections/{absent['objection_id']}/resolve", "tax", {"decision": "corrected"})
    assert status == 200

    corrections = [i for i in _stored(w.code) if (i.batch_id or "").startswith("objection:")]
    assert [(i.kind, i.facts, i.department) for i in corrections] == [
        ("upload", {"F": {"rd_expense": "1500"}}, "tax"),
        ("upload", {"F": {"net_profit": None}}, "tax"),
    ]
    records = {
        (r.indicator, r.value, r.batch_id)
        for r in FactsRepository().history(w.code)
        if (r.batch_id or "").startswith("objection:")
    }
    assert records == {
        ("rd_expense", "1500", f"objection:{oid}"),
        ("net_profit", None, f"objection:{absent['objection_id']}"),
    }


def test_ingest_of_a_fixed_file_writes_one_history_item_a_row(aws: Resources, aws_calls: list[Call]) -> None:
    """150 rows of 3 values each (two chunks of ingest: 100 + 50 rows). History, one item a row: 4 + 2
    BatchWriteItems (150 items); one item a value, as before issue 24, took 12 + 6 (450 items)."""
    codes = [credit_code(800_000 + n, "360111") for n in range(150)]
    body = TAX + "".join(f"{code},2025,800,9000,120\n" for code in codes)
    put(aws, "incoming/tax/2025.csv", body.encode())
    event = receive_event(aws)
    aws_calls.clear()

    assert handle_sqs_event(event) == {"batchItemFailures": []}

    facts_table = get_settings().facts_table
    on_facts: Counter[str] = Counter()
    written = 0
    for service, operation, params in aws_calls:
        if service != "dynamodb" or facts_table not in json.dumps(params):
            continue
        on_facts[operation] += 1
        if operation == "BatchWriteItem":
            written += len(params["RequestItems"][facts_table])
    assert on_facts == {"BatchWriteItem": 6, "BatchGetItem": 2, "TransactWriteItems": 2}
    assert written == 150


def test_a_row_of_every_indicator_is_far_under_the_item_limit() -> None:
    values = {ind.id: Decimal("123456789012.1234") for ind in MODEL.indicators}
    item = upload_history_item(
        A,
        2025,
        values,
        cross_check=False,
        department="tax",
        batch_id="x" * 200,
        received_at="2026-01-05T08:00:00.000Z",
        order="2026-01-05T08:00:00.000Z#0062E99A88DC40746100000000",
    )
    size = len(json.dumps(item.serialize()).encode())
    assert len(values) == len(MODEL.indicators) >= 30 and size < 8 * 1024 < ITEM_BYTES_GUARD
    one = fact_history_item(FactKey(A, 2025, "rd_expense"), FactValue(Decimal(1), "tax", "b", "t"), "o")
    assert one.facts == {"F": {"rd_expense": "1"}} and one.sk == "H#U#2025#o"
