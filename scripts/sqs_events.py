"""The Lambda event an SQS event source makes of received messages: the local stack's pollers, tests
and benchmarks hand handlers exactly this, as AWS would."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def record_of(message: Mapping[str, Any], source_arn: str, region: str) -> dict[str, Any]:
    """One event record of a message as `ReceiveMessage` returns it (`AttributeNames=["All"]` for its
    attributes, such as the receive count)."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": {},
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": source_arn,
        "awsRegion": region,
    }


def event_of(messages: Iterable[Mapping[str, Any]], source_arn: str, region: str) -> dict[str, Any]:
    return {"Records": [record_of(m, source_arn, region) for m in messages]}
