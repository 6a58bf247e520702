"""The ingest handler over moto: S3 put → notification → handler → facts, report, rescore messages."""

from __future__ import annotations

import json
import time
from decimal import Decimal
from typing import Any

import boto3
import pytest

from chalicelib.services.ingest import handle_sqs_event
from chalicelib.stores.facts import FactsRepository
from chalicelib.stores.tables import BatchItem, FactItem
from scripts.provision import Resources
from tests.aws.ingest_helpers import pairs, put, receive_event, rescore_messages, s3_event_body, sqs_record

A = "91350100M000100Y43"
B = "91110108551385082Q"
BAD = "91310115MA1H8R7C6D"

REGISTRY = (
    "统一社会信用代码,企业名称,成立日期,行政区划代码,行业代码\n"
    f"{A},南昌示例科技有限公司,2015年3月5日,360102,C39\n"
    f"{B},赣州示例材料股份有限公司,2021-07-01,360702,C3911\n"
)


def report_for(aws: Resources, key: str) -> dict[str, object]:
    obj = boto3.client("s3").get_object(
        Bucket=aws.upload_bucket, Key="reports/" + key.removeprefix("incoming/") + ".report.json"
    )
    return json.loads(obj["Body"].read())


def ingest(aws: Resources) -> dict[str, object]:
    result = handle_sqs_event(receive_event(aws))
    assert result == {"batchItemFailures": []}
    return result


def test_registry_and_tax_upload_store_facts_report_and_pairs(aws: Resources) -> None:
    put(aws, "incoming/registry/企业 名录.csv", REGISTRY.encode("gb18030"))
    ingest(aws)
    assert pairs(rescore_messages(aws)) == {(A, None), (B, None)}
    report = report_for(aws, "incoming/registry/企业 名录.csv")
    assert report["status"] == "completed"
    assert report["rows"] == {"total": 2, "accepted": 2, "rejected": 0, "warnings": 0}

    tax = (
        "统一社会信用代码,年度,研发费用总额,营业收入\n"
        f'{A},2025,"1,200.5",８０００\n'
        f"{BAD},2025,10,10\n"
        f"{B},2025年,,300\n"
    )
    put(aws, "incoming/tax/2025年 税务.csv", tax.encode("gb18030"))
    ingest(aws)
    report = report_for(aws, "incoming/tax/2025年 税务.csv")
    assert report["rows"] == {"total": 3, "accepted": 2, "rejected": 1, "warnings": 0}
    assert [e["code"] for e in report["row_errors"]] == ["CREDIT_CODE_CHECKSUM"]  # type: ignore[union-attr]
    assert report["row_errors"][0]["row"] == 3  # type: ignore[index]
    assert report["enterprises_affected"] == 2
    data = FactsRepository().load(A)
    assert data.facts[2025]["rd_expense"].value == Decimal("1200.5")
    assert data.facts[2025]["operating_revenue"].value == Decimal("8000")
    assert data.facts[2025]["rd_expense"].batch_id == report["batch_id"]
    assert "rd_expense" not in FactsRepository().load(B).facts[2025]  # an empty cell is "not sent"
    # growth inputs of 2025 also affect 2026
    assert pairs(rescore_messages(aws)) == {(A, 2025), (A, 2026), (B, 2025), (B, 2026)}
    batch = BatchItem.get(str(report["batch_id"]))
    assert batch.status == "completed" and batch.department == "tax"


def test_duplicate_delivery_is_one_batch(aws: Resources) -> None:
    put(aws, "incoming/hrss/职工.csv", f"credit_code,period,employees\n{A},2025,120\n".encode())
    event = receive_event(aws)
    assert handle_sqs_event(event) == {"batchItemFailures": []}
    first = rescore_messages(aws)
    assert handle_sqs_event(event) == {"batchItemFailures": []}
    assert rescore_messages(aws) == []  # the second delivery did nothing
    assert len(first) == 1
    assert len(list(BatchItem.scan())) == 1
    history = [i for i in FactsRepository().history(A)]
    assert len(history) == 1


def test_unregistered_enterprise_is_stored_with_a_warning(aws: Resources) -> None:
    put(aws, "incoming/hrss/职工.csv", f"credit_code,period,employees\n{A},2025,120\n".encode())
    ingest(aws)
    report = report_for(aws, "incoming/hrss/职工.csv")
    assert report["rows"] == {"total": 1, "accepted": 1, "rejected": 0, "warnings": 1}
    assert report["warnings"][0]["code"] == "ENTERPRISE_NOT_REGISTERED"  # type: ignore[index]
    assert FactsRepository().load(A).facts[2025]["employees"].value == 120


def test_reupload_changes_only_what_changed_and_keeps_history(aws: Resources) -> None:
    key = "incoming/amr/知识产权.jsonl"
    put(
        aws,
        key,
        json.dumps({"credit_code": A, "period": 2025, "invention_patents": 3, "other_ip": 4}).encode(),
    )
    ingest(aws)
    rescore_messages(aws)
    put(
        aws,
        key,
        json.dumps({"credit_code": A, "period": 2025, "invention_patents": 5, "other_ip": 4}).encode(),
    )
    ingest(aws)
    assert pairs(rescore_messages(aws)) == {(A, 2025)}
    data = FactsRepository().load(A)
    assert data.facts[2025]["invention_patents"].value == 5
    values = sorted(i.value or "" for i in FactsRepository().history(A) if i.indicator == "invention_patents")
    assert values == ["3", "5"]
    # the same values again: nothing changes, nothing is queued
    put(
        aws,
        key,
        json.dumps({"credit_code": A, "period": 2025, "invention_patents": 5, "other_ip": 4}).encode(),
    )
    ingest(aws)
    assert rescore_messages(aws) == []


def test_older_version_processed_after_newer_does_not_overwrite(aws: Resources) -> None:
    key = "incoming/finance/融资.csv"
    old_body = f"credit_code,period,equity_financing\n{A},2025,100\n".encode()
    new_body = f"credit_code,period,equity_financing\n{A},2025,900\n".encode()
    v_old = put(aws, key, old_body)
    v_new = put(aws, key, new_body)
    receive_event(aws)  # drop moto's own notifications: replay them as real S3 sends them
    newer = s3_event_body(
        aws.upload_bucket, key, len(new_body), v_new, "2026-01-05T08:00:01.000Z", "0062E99A88DC407461"
    )
    older = s3_event_body(
        aws.upload_bucket, key, len(old_body), v_old, "2026-01-05T08:00:00.000Z", "0062E99A88DC407460"
    )
    assert handle_sqs_event({"Records": [sqs_record(newer, "n")]}) == {"batchItemFailures": []}
    assert handle_sqs_event({"Records": [sqs_record(older, "o")]}) == {"batchItemFailures": []}
    assert FactsRepository().load(A).facts[2025]["equity_financing"].value == 900
    history = sorted(i.value or "" for i in FactsRepository().history(A))
    assert history == ["100", "900"]  # the older upload is kept in the file, not as current
    assert report_for(aws, key)["version_id"] == v_new  # nor does its report replace the newer one
    assert len(list(BatchItem.scan())) == 2


def test_mixed_file_stores_every_valid_row_and_reports_every_invalid_one(aws: Resources) -> None:
    rows = [
        f"{A},2024,1,0,2",  # valid
        f"{BAD},2024,1,0,1",  # CREDIT_CODE_CHECKSUM
        f"{B},20x5,1,0,1",  # INVALID_PERIOD
        f"{B},2024,maybe,0,1",  # INVALID_FLAG
        f"{B},2025,是,否,-1",  # OUT_OF_RANGE (negative count)
        f"{B},2023,Y,N,3",  # valid
    ]
    body = "credit_code,period,high_tech_enterprise,gazelle_unicorn,rd_platforms\n" + "\n".join(rows) + "\n"
    put(aws, "incoming/sci/科技.csv", body.encode("utf-8-sig"))
    ingest(aws)
    report = report_for(aws, "incoming/sci/科技.csv")
    assert report["status"] == "completed"
    assert report["rows"]["accepted"] == 2 and report["rows"]["rejected"] == 4  # type: ignore[index]
    codes = {(e["row"], e["code"]) for e in report["row_errors"]}  # type: ignore[union-attr]
    assert codes == {
        (3, "CREDIT_CODE_CHECKSUM"),
        (4, "INVALID_PERIOD"),
        (5, "INVALID_FLAG"),
        (6, "OUT_OF_RANGE"),
    }
    stored = {
        (code, period, indicator)
        for code in (A, B)
        for period, values in FactsRepository().load(code).facts.items()
        for indicator in values
    }
    assert stored == {
        (A, 2024, "high_tech_enterprise"),
        (A, 2024, "gazelle_unicorn"),
        (A, 2024, "rd_platforms"),
        (B, 2023, "high_tech_enterprise"),
        (B, 2023, "gazelle_unicorn"),
        (B, 2023, "rd_platforms"),
    }
    assert {i.pk for i in FactItem.scan() if i.sk == "C"} == {f"E#{A}", f"E#{B}"}


@pytest.mark.parametrize(
    ("key", "body", "code"),
    [
        ("incoming/tax/x.csv", b"credit_code,period,tax_paid\n", "EMPTY_FILE"),
        (
            "incoming/tax/x.csv",
            f"credit_code,period,tax_paid,employees\n{A},2025,1,1\n".encode(),
            "COLUMN_NOT_OWNED",
        ),
        ("incoming/tax/x.txt", b"hello", "UNSUPPORTED_FORMAT"),
        ("incoming/nobody/x.csv", f"credit_code,period\n{A},2025\n".encode(), "UNKNOWN_DEPARTMENT"),
        ("incoming/x.csv", f"credit_code,period\n{A},2025\n".encode(), "UNKNOWN_DEPARTMENT"),
        (
            "incoming/tax/x.csv",
            b"credit_code,period,tax_paid\n" + A.encode() + b",2025,\xff\xfe\xfa\n",
            "UNDECODABLE_TEXT",
        ),
    ],
)
def test_file_errors_store_nothing(aws: Resources, key: str, body: bytes, code: str) -> None:
    put(aws, key, body)
    ingest(aws)
    report = report_for(aws, key)
    assert report["status"] == "rejected"
    assert [e["code"] for e in report["file_errors"]] == [code]  # type: ignore[union-attr]
    assert all(e["message_zh"] and e["message_en"] for e in report["file_errors"])  # type: ignore[union-attr]
    assert list(FactItem.scan()) == []
    assert rescore_messages(aws) == []


def test_size_cap_is_checked_from_the_event_before_any_download(
    aws: Resources, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.stores import objects

    monkeypatch.setenv("MAX_UPLOAD_BYTES", "10")
    from chalicelib.settings import get_settings

    get_settings.cache_clear()
    monkeypatch.setattr(objects, "download", lambda *a, **k: pytest.fail("downloaded a file over the cap"))
    put(aws, "incoming/tax/big.csv", f"credit_code,period,tax_paid\n{A},2025,1\n".encode())
    ingest(aws)
    report = report_for(aws, "incoming/tax/big.csv")
    get_settings.cache_clear()
    assert [e["code"] for e in report["file_errors"]] == ["FILE_TOO_LARGE"]  # type: ignore[union-attr]


def test_a_fault_of_ours_marks_the_batch_failed_and_retries(
    aws: Resources, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.services import ingest as ingest_module

    put(aws, "incoming/hrss/职工.csv", f"credit_code,period,employees\n{A},2025,120\n".encode())
    event = receive_event(aws)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("DynamoDB is down")

    monkeypatch.setattr(ingest_module.FactsRepository, "commit", broken)
    result = handle_sqs_event(event)
    assert result["batchItemFailures"] == [{"itemIdentifier": event["Records"][-1]["messageId"]}]
    assert [b.status for b in BatchItem.scan()] == ["failed"]
    monkeypatch.undo()
    assert handle_sqs_event(event) == {"batchItemFailures": []}  # the retry goes through
    assert [b.status for b in BatchItem.scan()] == ["completed"]
    assert FactsRepository().load(A).facts[2025]["employees"].value == 120


def test_s3_test_event_is_skipped(aws: Resources) -> None:
    body = json.dumps({"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": aws.upload_bucket})
    assert handle_sqs_event({"Records": [sqs_record(body)]}) == {"batchItemFailures": []}
    assert list(BatchItem.scan()) == []


class _Killed(BaseException):
    """What a Lambda timeout looks like from inside: the invocation stops, no except clause runs."""


class _Context:
    """A Lambda context with `remaining_ms` left, as the ingest Lambda is given one."""

    def __init__(self, remaining_ms: int) -> None:
        self.remaining_ms = remaining_ms
        self.function_name, self.aws_request_id = "ingest", "req-1"

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def _killed_mid_file(aws: Resources, monkeypatch: pytest.MonkeyPatch, remaining_ms: int) -> dict[str, Any]:
    """Deliver an upload to an ingest that dies mid-file with `remaining_ms` left; return the event."""
    from chalicelib.services import ingest as ingest_module

    ingest_module._idempotency_config.cache_clear()
    ingest_module._idempotent_ingest.cache_clear()
    put(aws, "incoming/hrss/职工.csv", f"credit_code,period,employees\n{A},2025,120\n".encode())
    event = receive_event(aws)

    def killed(*args: object, **kwargs: object) -> None:
        raise _Killed

    with monkeypatch.context() as patch:
        patch.setattr(ingest_module.FactsRepository, "commit", killed)
        with pytest.raises(_Killed):  # mid-file: the idempotency record stays INPROGRESS
            handle_sqs_event(event, _Context(remaining_ms))
    return event


def test_an_ingest_killed_mid_file_is_retried_and_completes(
    aws: Resources, monkeypatch: pytest.MonkeyPatch
) -> None:
    event = _killed_mid_file(aws, monkeypatch, remaining_ms=50)
    time.sleep(0.1)  # the killed invocation's time is up
    assert handle_sqs_event(event, _Context(remaining_ms=900_000)) == {"batchItemFailures": []}
    assert [b.status for b in BatchItem.scan()] == ["completed"]
    assert FactsRepository().load(A).facts[2025]["employees"].value == 120


def test_an_ingest_still_running_elsewhere_is_not_taken_over(
    aws: Resources, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The other side of the in-progress expiry: while the first invocation may still run, a duplicate
    delivery is refused (reported as a batch failure, so SQS redelivers it later)."""
    event = _killed_mid_file(aws, monkeypatch, remaining_ms=600_000)
    result = handle_sqs_event(event, _Context(remaining_ms=900_000))
    assert result["batchItemFailures"] == [{"itemIdentifier": event["Records"][-1]["messageId"]}]
