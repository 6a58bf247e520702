"""The current facts item: version-conditional commits, concurrent uploads, bulk reads, the size guard."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from botocore.client import BaseClient

from chalicelib.domain.model.schema import load_model
from chalicelib.domain.records import FactValue, Master
from chalicelib.services import ingest as ingest_module
from chalicelib.services.ingest import handle_sqs_event
from chalicelib.settings import get_settings
from chalicelib.stores.facts import (
    ITEM_BYTES_GUARD,
    Current,
    FactKey,
    FactsItemTooLargeError,
    FactsRepository,
    seed_current,
)
from chalicelib.stores.tables import BatchItem, FactItem
from scripts.provision import Resources
from scripts.synthetic import credit_code
from tests.aws.api_helpers import Call
from tests.aws.ingest_helpers import pairs, put, receive_event, rescore_messages

A = "91350100M000100Y43"
MODEL = load_model(get_settings().model_version)


def _value(v: int, department: str = "tax") -> FactValue:
    return FactValue(Decimal(v), department, f"b-{department}", "2026-01-01T00:00:00Z")


def _set(current: Current, indicator: str, v: int, order: str, period: int = 2025) -> None:
    current.set_fact(FactKey(current.credit_code, period, indicator), _value(v), order)


def test_a_commit_on_a_stale_version_writes_nothing_and_names_the_enterprise(aws: Resources) -> None:
    facts = FactsRepository()
    assert facts.commit([Current(A)]) == set()  # a first item: written when none exists
    mine, theirs = facts.read(A), facts.read(A)
    _set(theirs, "rd_expense", 800, "2")
    assert facts.commit([theirs]) == set()

    _set(mine, "tax_paid", 100, "3")
    assert facts.commit([mine]) == {A}

    stored = facts.load(A).facts[2025]
    assert set(stored) == {"rd_expense"}  # the stale write lost nothing of theirs
    again = facts.read(A)
    _set(again, "tax_paid", 100, "3")
    assert facts.commit([again]) == set()
    assert set(facts.load(A).facts[2025]) == {"rd_expense", "tax_paid"}


def test_a_conflict_in_a_transaction_still_writes_the_other_enterprises(aws: Resources) -> None:
    facts = FactsRepository()
    codes = [credit_code(n, "360111") for n in range(3)]
    seed_current([Current(code) for code in codes])
    read = facts.read_many(codes)
    stale = facts.read(codes[1])
    _set(stale, "employees", 9, "1")
    assert facts.commit([stale]) == set()  # another writer moves codes[1] on
    for code in codes:
        _set(read[code], "employees", 50, "2")

    assert facts.commit(list(read.values())) == {codes[1]}

    after = facts.load_many(codes)
    assert after[codes[0]].facts[2025]["employees"].value == 50
    assert after[codes[2]].facts[2025]["employees"].value == 50
    assert after[codes[1]].facts[2025]["employees"].value == 9


def test_two_uploads_at_the_same_moment_lose_nothing(aws: Resources, monkeypatch: pytest.MonkeyPatch) -> None:
    """The hrss upload commits between the tax upload's read and its commit: the tax upload conflicts,
    re-reads that enterprise, merges again, and both departments' values are current."""
    put(aws, "incoming/tax/税务.csv", f"credit_code,period,rd_expense\n{A},2025,800\n".encode())
    tax_event = receive_event(aws)
    put(aws, "incoming/hrss/职工.csv", f"credit_code,period,employees\n{A},2025,120\n".encode())
    hrss_event = receive_event(aws)
    original = FactsRepository.read_many
    reads: list[list[str]] = []

    def read_then_race(self: FactsRepository, codes: Any) -> dict[str, Current]:
        wanted = list(codes)
        reads.append(wanted)
        found = original(self, wanted)
        if len(reads) == 1:  # the tax upload has read: the hrss upload runs to its end now
            assert handle_sqs_event(hrss_event) == {"batchItemFailures": []}
        return found

    monkeypatch.setattr(FactsRepository, "read_many", read_then_race)
    assert handle_sqs_event(tax_event) == {"batchItemFailures": []}

    # tax read, hrss read (inside), tax re-read of the conflicted enterprise only
    assert reads == [[A], [A], [A]]
    current = FactsRepository().load(A).facts[2025]
    assert current["rd_expense"].value == 800 and current["rd_expense"].department == "tax"
    assert current["employees"].value == 120 and current["employees"].department == "hrss"
    assert pairs(rescore_messages(aws)) >= {(A, 2025)}
    history = {(i.indicator, i.value) for i in FactsRepository().history(A)}
    assert history == {("rd_expense", "800"), ("employees", "120")}


def test_an_enterprise_that_keeps_conflicting_fails_the_upload_clearly(
    aws: Resources, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(FactsRepository, "commit", lambda self, currents: {c.credit_code for c in currents})
    put(aws, "incoming/tax/税务.csv", f"credit_code,period,rd_expense\n{A},2025,800\n".encode())

    result = handle_sqs_event(receive_event(aws))

    assert len(result["batchItemFailures"]) == 1  # retried by SQS, then the DLQ
    [batch] = list(BatchItem.scan())
    assert batch.status == "failed"
    error = ingest_module.IngestConflictError({A}, ingest_module.MAX_ATTEMPTS)
    assert error.code == "INGEST_CONFLICT" and A in str(error) and "并发修改" in str(error)
    assert rescore_messages(aws) == []  # nothing announced for values that were not written


def test_bulk_reads_resend_unprocessed_keys(aws: Resources, monkeypatch: pytest.MonkeyPatch) -> None:
    codes = [credit_code(n, "360111") for n in range(150)]
    currents = [Current(code) for code in codes]
    for current in currents:
        _set(current, "employees", 10, "1")
    seed_current(currents)
    original = BaseClient._make_api_call  # type: ignore[attr-defined]
    requested: list[int] = []

    def throttled(self: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        if operation != "BatchGetItem":
            return original(self, operation, params)
        ((table, request),) = params["RequestItems"].items()
        requested.append(len(request["Keys"]))
        if len(requested) > 1:
            return original(self, operation, params)
        # the first call: DynamoDB answers half and hands the rest back as unprocessed
        half = len(request["Keys"]) // 2
        answered = original(
            self, operation, {"RequestItems": {table: {**request, "Keys": request["Keys"][:half]}}}
        )
        answered["UnprocessedKeys"] = {table: {**request, "Keys": request["Keys"][half:]}}
        return answered

    monkeypatch.setattr(BaseClient, "_make_api_call", throttled)
    found = FactsRepository().load_many(codes)

    assert all(found[code].facts[2025]["employees"].value == 10 for code in codes)
    assert requested[0] == 100 and len(requested) == 3  # 100 keys a call, the unprocessed 50 resent
    assert sum(requested) == 100 + 50 + 50


def test_the_item_size_guard_fails_clearly(aws: Resources) -> None:
    current = Current(A)
    for period in range(2000, 2100):
        for n in range(40):
            _set(current, f"indicator_{n:02d}", 10**12, f"2026-01-01T00:00:00Z#{n:020d}", period)
    with pytest.raises(FactsItemTooLargeError) as raised:
        FactsRepository().commit([current])
    assert raised.value.size > ITEM_BYTES_GUARD and raised.value.code == "FACTS_ITEM_TOO_LARGE"
    assert "400 KB" in str(raised.value) and "超过单条记录上限" in str(raised.value)
    assert list(FactItem.scan()) == []


def test_a_realistic_enterprise_is_far_under_the_limit(aws: Resources) -> None:
    """Every indicator of the model, 20 periods, as fact and cross-check: well under the guard."""
    current = Current(A)
    current.set_master(Master(A, "企业", date(2015, 1, 1), "360111", "C39"), "registry", "o")
    for period in range(2015, 2035):
        for ind in MODEL.indicators:
            for check in (False, True):
                key = FactKey(A, period, ind.id, check)
                current.set_fact(
                    key, _value(123456789, "tax"), "2026-01-01T00:00:00.000Z#0000000000123456789"
                )
    FactsRepository().commit([current])
    raw = FactItem.get(f"E#{A}", "C")
    assert len(raw.facts) == 2 and len(str(raw.facts)) < ITEM_BYTES_GUARD / 2


def test_the_master_record_keeps_the_registry_department_and_is_read_with_a_projection(
    aws: Resources, aws_calls: list[Call]
) -> None:
    registry = next(d.id for d in MODEL.departments if d.master_data)
    put(
        aws,
        f"incoming/{registry}/名录.csv",
        f"统一社会信用代码,企业名称,成立日期,行政区划代码,行业代码\n{A},南昌示例科技有限公司,2015-03-05,360102,C39\n".encode(),
    )
    assert handle_sqs_event(receive_event(aws)) == {"batchItemFailures": []}
    put(aws, "incoming/tax/税务.csv", f"credit_code,period,rd_expense\n{A},2025,800\n".encode())
    assert handle_sqs_event(receive_event(aws)) == {"batchItemFailures": []}
    item = FactItem.get(f"E#{A}", "C")
    assert item.department == registry
    assert {i.department for i in FactsRepository().history(A) if i.kind == "master"} == {registry}
    aws_calls.clear()

    master = FactsRepository().load_master(A)

    assert master is not None and master.name == "南昌示例科技有限公司"
    assert master.established_on == date(2015, 3, 5)
    [(_, operation, params)] = aws_calls
    assert operation == "GetItem" and "ProjectionExpression" in params  # not every fact
    assert "facts" not in str(params["ExpressionAttributeNames"].values())
