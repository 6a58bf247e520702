"""The named-field upload use case over moto (services/named_upload.py), for what its three kinds share:
files refused whole, where the report is kept, a failure recorded and retried, one processing per upload,
and the idempotency records keyed as they were before the kinds shared one use case."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from chalicelib.domain.upload_event import QUALIFICATIONS_PREFIX, batch_id_for
from chalicelib.services import qualifications
from chalicelib.services.ingest import handle_sqs_event
from chalicelib.settings import get_settings
from chalicelib.stores.batches import BatchesRepository
from scripts.provision import Resources
from scripts.synthetic import credit_code
from tests.aws.ingest_helpers import put, receive_event

ROUTES = {QUALIFICATIONS_PREFIX: qualifications.handle}
SUPPORT = "support/jx-demo-bank-a/放款.csv"
UNIT_LIST = "zones/no-such-zone/名录.csv"
QUALIFICATIONS = "qualifications/sci/高企.csv"


def _report(aws: Resources, key: str) -> dict[str, Any]:
    obj = boto3.client("s3").get_object(Bucket=aws.upload_bucket, Key=f"reports/{key}.report.json")
    report: dict[str, Any] = json.loads(obj["Body"].read())
    return report


def _idempotency_ids() -> list[str]:
    table = boto3.resource("dynamodb").Table(get_settings().idempotency_table)
    return [str(item["id"]) for item in table.scan()["Items"]]


def test_each_kind_refuses_a_file_whole_and_keeps_its_idempotency_key(aws: Resources) -> None:
    versions = {
        SUPPORT: put(aws, SUPPORT, "统一社会信用代码,不认识的列\n".encode()),
        UNIT_LIST: put(aws, UNIT_LIST, f"统一社会信用代码\n{credit_code(1)}\n".encode()),
        QUALIFICATIONS: put(aws, QUALIFICATIONS, "统一社会信用代码,资质\n".encode()),
    }
    event = receive_event(aws)
    assert handle_sqs_event(event, None, ROUTES) == {"batchItemFailures": []}

    support = _report(aws, SUPPORT)
    assert support["status"] == "rejected" and support["department"] == "jx-demo-bank-a"
    assert {e["code"] for e in support["file_errors"]} == {"UNKNOWN_COLUMN", "MISSING_COLUMN"}
    unit_list = _report(aws, UNIT_LIST)
    assert unit_list["status"] == "rejected" and unit_list["department"] == "zone_members"
    assert [e["code"] for e in unit_list["file_errors"]] == ["UNKNOWN_DEPARTMENT"]
    certificates = _report(aws, QUALIFICATIONS)
    assert certificates["status"] == "rejected" and certificates["department"] == "sci"
    assert {e["code"] for e in certificates["file_errors"]} == {"MISSING_COLUMN"}

    # the batches table keeps unit lists and qualification files; a support file's report is in S3 only
    batches = BatchesRepository()
    for key, kept in ((SUPPORT, False), (UNIT_LIST, True), (QUALIFICATIONS, True)):
        stored = batches.get(batch_id_for(aws.upload_bucket, key, versions[key]))
        assert (stored is not None) is kept, key
        assert stored is None or stored.status == "rejected"

    ids = _idempotency_ids()
    for name in (
        "chalicelib.services.support_files._idempotent.<locals>.support_file#",
        "chalicelib.services.zone_members._idempotent.<locals>.unit_list#",
        "chalicelib.services.qualifications._idempotent.<locals>.qualification_file#",
    ):
        assert sum(f".{name}" in i for i in ids) == 1, (name, ids)

    # delivered again: processed once (the report is not written a second time)
    s3 = boto3.client("s3")
    s3.delete_object(Bucket=aws.upload_bucket, Key=f"reports/{SUPPORT}.report.json")
    assert handle_sqs_event(event, None, ROUTES) == {"batchItemFailures": []}
    listed = s3.list_objects_v2(Bucket=aws.upload_bucket, Prefix=f"reports/{SUPPORT}")
    assert listed.get("KeyCount") == 0


@pytest.fixture
def small_uploads(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("MAX_UPLOAD_BYTES", "10")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


def test_a_file_over_the_size_limit_is_rejected_unread(aws: Resources, small_uploads: None) -> None:
    put(aws, SUPPORT, "统一社会信用代码,kind\n".encode())
    assert handle_sqs_event(receive_event(aws), None, ROUTES) == {"batchItemFailures": []}
    report = _report(aws, SUPPORT)
    assert report["status"] == "rejected"
    assert [e["code"] for e in report["file_errors"]] == ["FILE_TOO_LARGE"]


def test_a_qualification_file_that_fails_is_marked_failed_and_retried(
    aws: Resources, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: object, rows: object) -> None:
        raise RuntimeError("the certificates table is away")

    monkeypatch.setattr(qualifications._Writer, "write", broken)
    rows = f"{credit_code(5)},高新技术企业,GR202436000001,2024-01-01,2026-12-31\n"
    version = put(aws, QUALIFICATIONS, ("统一社会信用代码,资质,证书编号,起始日期,截止日期\n" + rows).encode())
    answer = handle_sqs_event(receive_event(aws), None, ROUTES)
    assert len(answer["batchItemFailures"]) == 1
    stored = BatchesRepository().get(batch_id_for(aws.upload_bucket, QUALIFICATIONS, version))
    assert stored is not None and stored.status == "failed" and stored.finished_at is not None
