"""The SNS publisher of whitelist change events: PublishBatch, 10 entries a call.

Entries that fail are resent (only they), with exponential backoff, a bounded number of times. The
caller learns which ids went out and keeps the rest for a later attempt (the outbox stays pending).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

import boto3
from aws_lambda_powertools import Logger
from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.settings import get_settings

if TYPE_CHECKING:
    from mypy_boto3_sns.client import SNSClient
    from mypy_boto3_sns.type_defs import PublishBatchRequestEntryTypeDef

MAX_ENTRIES = 10  # PublishBatch's limit
MAX_ATTEMPTS = 4
BASE_DELAY_S = 0.2

logger = Logger(child=True)


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    id: str  # the event id; also the batch entry id (a UUID fits SNS's 80-character rule)
    body: Mapping[str, Any]
    attributes: Mapping[str, str]


def _entry(message: OutgoingMessage) -> PublishBatchRequestEntryTypeDef:
    return {
        "Id": message.id,
        "Message": json.dumps(message.body, ensure_ascii=False, separators=(",", ":")),
        "MessageAttributes": {
            name: {"DataType": "String", "StringValue": value} for name, value in message.attributes.items()
        },
    }


@cache
def _default_client(region: str) -> SNSClient:
    """One client per process (a client costs tens of milliseconds to build; Lambda reuses the process)."""
    return boto3.client("sns", region_name=region)


class SnsPublisher:
    def __init__(
        self,
        topic_arn: str | None = None,
        client: SNSClient | None = None,
        *,
        max_attempts: int = MAX_ATTEMPTS,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        settings = get_settings()
        self.topic_arn = topic_arn or settings.whitelist_topic_arn
        if not self.topic_arn:
            raise RuntimeError("WHITELIST_TOPIC_ARN is not set / 未配置白名单变动主题")
        self._client = client or _default_client(settings.region)
        self._max_attempts = max_attempts
        self._sleep = sleep

    def publish(self, messages: Sequence[OutgoingMessage]) -> set[str]:
        """Publish in calls of up to 10; return the ids SNS accepted."""
        published: set[str] = set()
        for start in range(0, len(messages), MAX_ENTRIES):
            published |= self._publish_batch(messages[start : start + MAX_ENTRIES])
        return published

    def _publish_batch(self, batch: Sequence[OutgoingMessage]) -> set[str]:
        pending = {m.id: m for m in batch}
        if len(pending) != len(batch):
            raise ValueError("duplicate message ids in one publish batch")
        published: set[str] = set()
        for attempt in range(self._max_attempts):
            if attempt:
                self._sleep(BASE_DELAY_S * 2 ** (attempt - 1))
            try:
                response: Any = self._client.publish_batch(
                    TopicArn=self.topic_arn, PublishBatchRequestEntries=[_entry(m) for m in pending.values()]
                )
            except (ClientError, BotoCoreError) as exc:  # the whole call failed: every entry is retried
                logger.warning("publish_batch failed", extra={"error": str(exc), "attempt": attempt + 1})
                continue
            for ok in response.get("Successful", []):
                published.add(ok["Id"])
                pending.pop(ok["Id"], None)
            failed = response.get("Failed", [])
            if failed:
                logger.warning(
                    "publish_batch entries failed",
                    extra={"failed": [(f.get("Id"), f.get("Code")) for f in failed], "attempt": attempt + 1},
                )
            if not pending or (failed and all(f.get("SenderFault") for f in failed)):
                break  # done, or only sender faults left: resending an invalid entry cannot help
        return published
