"""Driving the jobs queue in tests as the jobs Lambda's event source would: receive, invoke, delete."""

from __future__ import annotations

import json
from typing import Any

import boto3

from chalicelib.wiring import handle_jobs_event as handle_sqs_event
from scripts.provision import Resources
from scripts.sqs_events import record_of


def drain_jobs(aws: Resources, *, max_rounds: int = 1000) -> int:
    """Run every message on the jobs queue (and what they send) until it is empty; return invocations.

    A message the handler reports as failed is made visible again at once (moto would otherwise hide
    it for the whole visibility timeout), so it is retried in a later round, as SQS would.
    """
    sqs = boto3.client("sqs")
    for invocations in range(max_rounds):
        got = sqs.receive_message(
            QueueUrl=aws.jobs_queue_url, MaxNumberOfMessages=1, AttributeNames=["All"]
        ).get("Messages", [])
        if not got:
            return invocations
        message = got[0]
        arn = "arn:aws-cn:sqs:cn-northwest-1:123456789012:innovation-points-dev-jobs"
        record = record_of(message, arn, "cn-northwest-1")
        result: Any = handle_sqs_event({"Records": [record]})
        if result.get("batchItemFailures"):
            sqs.change_message_visibility(
                QueueUrl=aws.jobs_queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
            )
        else:
            sqs.delete_message(QueueUrl=aws.jobs_queue_url, ReceiptHandle=message["ReceiptHandle"])
    raise AssertionError(f"the jobs queue did not drain in {max_rounds} invocations")


def queued_bodies(aws: Resources) -> list[dict[str, Any]]:
    """The jobs queue's messages, left in place (made visible again)."""
    sqs = boto3.client("sqs")
    out: list[dict[str, Any]] = []
    handles: list[str] = []
    while True:
        got = sqs.receive_message(QueueUrl=aws.jobs_queue_url, MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            break
        out.extend(json.loads(m["Body"]) for m in got)
        handles.extend(m["ReceiptHandle"] for m in got)
    for handle in handles:
        sqs.change_message_visibility(QueueUrl=aws.jobs_queue_url, ReceiptHandle=handle, VisibilityTimeout=0)
    return out
