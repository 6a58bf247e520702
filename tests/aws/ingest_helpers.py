"""Helpers for driving the ingest handler the way AWS does: S3 put → notification on SQS → handler."""

from __future__ import annotations

import json
from typing import Any

import boto3

from scripts.provision import Resources
from scripts.sqs_events import record_of


def put(aws: Resources, key: str, body: bytes) -> str:
    """Upload like a department; returns the new version id."""
    return boto3.client("s3").put_object(Bucket=aws.upload_bucket, Key=key, Body=body)["VersionId"]


def receive_event(aws: Resources) -> dict[str, Any]:
    """Everything on the uploads queue as one Lambda SQS event (TestEvent included), queue emptied."""
    sqs = boto3.client("sqs")
    records = []
    while True:
        got = sqs.receive_message(QueueUrl=aws.uploads_queue_url, MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            break
        for m in got:
            records.append(sqs_record(m["Body"], m["MessageId"]))
            sqs.delete_message(QueueUrl=aws.uploads_queue_url, ReceiptHandle=m["ReceiptHandle"])
    return {"Records": records}


def sqs_record(body: str, message_id: str = "m-1") -> dict[str, Any]:
    """The event record of a message received once from the uploads queue."""
    message = {
        "MessageId": message_id,
        "ReceiptHandle": f"rh-{message_id}",
        "Body": body,
        "Attributes": {"ApproximateReceiveCount": "1"},
    }
    return record_of(
        message, "arn:aws-cn:sqs:cn-northwest-1:123456789012:innovation-points-dev-uploads", "cn-northwest-1"
    )


def s3_event_body(bucket: str, key: str, size: int, version_id: str, event_time: str, sequencer: str) -> str:
    """A notification as real S3 sends it (with versionId and sequencer, key URL-encoded)."""
    from urllib.parse import quote_plus

    return json.dumps(
        {
            "Records": [
                {
                    "eventVersion": "2.1",
                    "eventSource": "aws:s3",
                    "awsRegion": "cn-northwest-1",
                    "eventTime": event_time,
                    "eventName": "ObjectCreated:Put",
                    "s3": {
                        "bucket": {"name": bucket},
                        "object": {
                            "key": quote_plus(key, safe="/"),
                            "size": size,
                            "versionId": version_id,
                            "sequencer": sequencer,
                        },
                    },
                }
            ]
        }
    )


def rescore_messages(aws: Resources) -> list[dict[str, Any]]:
    """Every message on the rescore queue (parsed), queue emptied."""
    sqs = boto3.client("sqs")
    out: list[dict[str, Any]] = []
    while True:
        got = sqs.receive_message(QueueUrl=aws.rescore_queue_url, MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            return out
        for m in got:
            out.append(json.loads(m["Body"]))
            sqs.delete_message(QueueUrl=aws.rescore_queue_url, ReceiptHandle=m["ReceiptHandle"])


def pairs(messages: list[dict[str, Any]]) -> set[tuple[str, int | None]]:
    return {(p["credit_code"], p.get("period")) for m in messages for p in m["pairs"]}
