"""The 赣企通 delivery queue: backing off a failed message by hiding it for a while.

Lambda returns a message reported in `batchItemFailures` to the queue; its visibility timeout then
decides when it comes back. Setting it per message gives exponential backoff (SQS allows up to 12 h).
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

import boto3

from chalicelib.settings import get_settings

if TYPE_CHECKING:
    from mypy_boto3_sqs.client import SQSClient

MAX_VISIBILITY_S = 12 * 3600


@cache
def _client(region: str) -> SQSClient:
    return boto3.client("sqs", region_name=region)


def retry_after(receipt_handle: str, seconds: int) -> None:
    settings = get_settings()
    if not settings.policy_delivery_queue_url:
        return  # no URL: the queue's own visibility timeout decides
    _client(settings.region).change_message_visibility(
        QueueUrl=settings.policy_delivery_queue_url,
        ReceiptHandle=receipt_handle,
        VisibilityTimeout=max(0, min(seconds, MAX_VISIBILITY_S)),
    )
