"""Ingest's idempotency record over moto: a report far over DynamoDB's 400 KB item limit still completes,
and a redelivery of the same upload is still recognised."""

from __future__ import annotations

import json

import boto3
from boto3.dynamodb.types import TypeDeserializer

from chalicelib.services.ingest import handle_sqs_event
from chalicelib.settings import get_settings
from chalicelib.stores.facts import FactsRepository
from chalicelib.stores.tables import BatchItem
from scripts.provision import Resources
from scripts.synthetic import credit_code
from tests.aws.ingest_helpers import put, receive_event

ROWS = 3000
KEY = "incoming/hrss/职工 全省.csv"


def _file() -> bytes:
    lines = ["credit_code,period,employees"]
    lines += [f"{credit_code(80_000 + n)},2025,{100 + n % 50}" for n in range(ROWS)]  # none registered
    return ("\n".join(lines) + "\n").encode()


def _idempotency_records() -> list[dict[str, object]]:
    table = get_settings().idempotency_table
    items = boto3.client("dynamodb").scan(TableName=table)["Items"]  # tests only: one record
    return [{k: TypeDeserializer().deserialize(v) for k, v in item.items()} for item in items]


def test_a_file_whose_report_exceeds_an_item_is_ingested_once(aws: Resources) -> None:
    put(aws, KEY, _file())
    event = receive_event(aws)

    assert handle_sqs_event(event) == {"batchItemFailures": []}

    report_key = "reports/" + KEY.removeprefix("incoming/") + ".report.json"
    body = boto3.client("s3").get_object(Bucket=aws.upload_bucket, Key=report_key)["Body"].read()
    report = json.loads(body)
    assert report["status"] == "completed" and len(body) > 400_000  # the whole report, in S3
    assert report["rows"] == {"total": ROWS, "accepted": ROWS, "rejected": 0, "warnings": ROWS}
    assert len(report["warnings"]) == ROWS
    assert FactsRepository().load(credit_code(80_000)).facts[2025]["employees"].value == 100

    (record,) = _idempotency_records()
    assert record["status"] == "COMPLETED"
    stored = json.loads(str(record["data"]))
    assert stored == {
        "batch_id": report["batch_id"],
        "status": "completed",
        "rows": report["rows"],
        "file_errors": 0,
    }
    assert len(str(record["data"])) < 1_000

    # the same delivery again (SQS at least once): recognised, nothing processed a second time
    (batch,) = list(BatchItem.scan())
    finished = batch.report["finished_at"]
    assert handle_sqs_event(event) == {"batchItemFailures": []}
    (again,) = list(BatchItem.scan())
    assert again.report["finished_at"] == finished
