"""`make replay-dlq QUEUE=uploads|rescore|jobs STAGE=dev`: move dead-lettered messages back to their queue.

The China regions offer no DLQ redrive, so this does it by hand, in batches of 10: receive from the
DLQ, send the batch to the source queue, delete from the DLQ only what was sent. A crash between send
and delete can send a message twice; both consumers are idempotent (ingest per key and version,
rescore by recomputing). Fix the cause first (the alarm's DLQ holds what failed five times).

Credentials and region come from the environment, as for the AWS CLI; `AWS_ENDPOINT_URL` points it at
the local stack's moto server instead.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import boto3

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import (
        MessageAttributeValueOutputTypeDef,
        MessageAttributeValueTypeDef,
        SendMessageBatchRequestEntryTypeDef,
    )

log = logging.getLogger(__name__)

QUEUES = ("uploads", "rescore", "jobs", "policy-delivery")
APP = "innovation-points"
SQS_BATCH = 10  # the most SQS receives, sends or deletes in one call


def queue_names(stage: str, queue: str) -> tuple[str, str]:
    """(DLQ name, source queue name), as infra/resources.yaml and scripts/provision.py name them."""
    source = f"{APP}-{stage}-{queue}"
    return f"{source}-dlq", source


def _attributes(
    received: dict[str, MessageAttributeValueOutputTypeDef],
) -> dict[str, MessageAttributeValueTypeDef]:
    """Message attributes as sent: only the fields SQS accepts back (the list fields are reserved)."""
    out: dict[str, MessageAttributeValueTypeDef] = {}
    for name, value in received.items():
        attribute: MessageAttributeValueTypeDef = {"DataType": value["DataType"]}
        if "StringValue" in value:
            attribute["StringValue"] = value["StringValue"]
        if "BinaryValue" in value:
            attribute["BinaryValue"] = value["BinaryValue"]
        out[name] = attribute
    return out


def replay(
    sqs_client: SQSClient,
    dlq_url: str,
    source_url: str,
    max_messages: int | None = None,
    *,
    wait_seconds: int = 2,
    visibility_timeout: int = 60,
) -> int:
    """Move up to `max_messages` (None: all) from `dlq_url` to `source_url`; returns how many moved.

    A message whose send fails stays in the DLQ and shows again after `visibility_timeout`; the replay
    stops when the DLQ answers empty or a whole batch could not be sent.
    """
    if max_messages is not None and max_messages < 0:
        raise ValueError("max_messages must be >= 0")
    moved = 0
    while max_messages is None or moved < max_messages:
        want = SQS_BATCH if max_messages is None else min(SQS_BATCH, max_messages - moved)
        messages = sqs_client.receive_message(
            QueueUrl=dlq_url,
            MaxNumberOfMessages=want,
            WaitTimeSeconds=wait_seconds,
            VisibilityTimeout=visibility_timeout,
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            break
        entries: list[SendMessageBatchRequestEntryTypeDef] = []
        for index, message in enumerate(messages):
            entry: SendMessageBatchRequestEntryTypeDef = {"Id": str(index), "MessageBody": message["Body"]}
            if message.get("MessageAttributes"):
                entry["MessageAttributes"] = _attributes(message["MessageAttributes"])
            entries.append(entry)
        sent = sqs_client.send_message_batch(QueueUrl=source_url, Entries=entries)
        for failure in sent.get("Failed", []):
            log.warning("not replayed (stays in the DLQ): %s %s", failure["Code"], failure.get("Message", ""))
        done = [messages[int(ok["Id"])] for ok in sent.get("Successful", [])]
        if not done:
            break
        sqs_client.delete_message_batch(
            QueueUrl=dlq_url,
            Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
        )
        moved += len(done)
    return moved


def _depth(sqs_client: SQSClient, url: str) -> str:
    attributes = sqs_client.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    return attributes.get("ApproximateNumberOfMessages", "?")


def main(argv: Sequence[str] | None = None, client: Any = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--queue", required=True, choices=QUEUES)
    parser.add_argument("--stage", required=True)
    parser.add_argument("--max", type=int, default=None, help="move at most this many (default: all)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    sqs: SQSClient = client or boto3.client("sqs")
    dlq_name, source_name = queue_names(args.stage, args.queue)
    dlq_url = sqs.get_queue_url(QueueName=dlq_name)["QueueUrl"]
    source_url = sqs.get_queue_url(QueueName=source_name)["QueueUrl"]
    print(f"{dlq_name}: about {_depth(sqs, dlq_url)} messages")
    moved = replay(sqs, dlq_url, source_url, args.max)
    print(f"moved {moved} to {source_name}; {dlq_name} now holds about {_depth(sqs, dlq_url)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
