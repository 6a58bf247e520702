"""The rescore queue: sends `RescoreRequest` messages with SendMessageBatch (10 a call).

Many pairs travel in one message (the request's `pairs`): SQS bills per call and moto's SQS costs
O(queue depth) per send. Failed entries are resent with backoff, a bounded number of times; what still
fails raises, so that the caller (ingest, POST /rescore) fails and is retried as a whole.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

import boto3

from chalicelib.domain.scoring.rescore_request import RescoreRequest
from chalicelib.settings import get_settings
from chalicelib.stores.publisher import OutgoingMessage

if TYPE_CHECKING:
    from mypy_boto3_sqs.client import SQSClient
    from mypy_boto3_sqs.type_defs import SendMessageBatchRequestEntryTypeDef

MAX_ENTRIES = 10  # SendMessageBatch's limit
MAX_BATCH_BYTES = 256 * 1024  # total payload of one call, the classic SQS limit (safe everywhere)
MAX_ATTEMPTS = 5
BASE_DELAY_S = 0.1


@cache
def _default_client(region: str) -> SQSClient:
    """One client per process (a client costs tens of milliseconds to build; Lambda reuses the process)."""
    return boto3.client("sqs", region_name=region)


class RescoreQueueError(RuntimeError):
    """Some messages could not be sent after every retry."""

    code = "RESCORE_QUEUE_UNAVAILABLE"

    def __init__(self, failed: int, detail: str) -> None:
        super().__init__(
            f"{failed} rescore message(s) not sent: {detail} / {failed} 条重新评分消息发送失败：{detail}"
        )
        self.failed = failed


def _batches(bodies: Iterable[str]) -> Iterator[list[str]]:
    """Bodies grouped by 10, without going over the byte limit of one call."""
    batch: list[str] = []
    size = 0
    for body in bodies:
        n = len(body.encode("utf-8"))
        if n > MAX_BATCH_BYTES:
            raise ValueError(f"a rescore message of {n} bytes exceeds {MAX_BATCH_BYTES}: use smaller chunks")
        if batch and (len(batch) == MAX_ENTRIES or size + n > MAX_BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(body)
        size += n
    if batch:
        yield batch


class RescoreQueue:
    def __init__(
        self,
        queue_url: str | None = None,
        client: SQSClient | None = None,
        *,
        max_attempts: int = MAX_ATTEMPTS,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        settings = get_settings()
        self.queue_url = queue_url or settings.rescore_queue_url
        if not self.queue_url:
            raise RuntimeError("RESCORE_QUEUE_URL is not set / 未配置重新评分队列地址")
        self._client = client or _default_client(settings.region)
        self._max_attempts = max_attempts
        self._sleep = sleep

    def send(self, requests: Iterable[RescoreRequest], delay_s: int = 0) -> int:
        """Send every request (streamed: a generator is never held whole), each invisible for `delay_s`
        seconds (SQS DelaySeconds); return messages sent."""
        sent = 0
        for batch in _batches(r.model_dump_json(exclude_none=True) for r in requests):
            sent += self._send_batch(batch, delay_s)
        return sent

    def _send_batch(self, bodies: list[str], delay_s: int = 0) -> int:
        pending: dict[str, str] = {str(i): body for i, body in enumerate(bodies)}
        detail = ""
        for attempt in range(self._max_attempts):
            if attempt:
                self._sleep(BASE_DELAY_S * 2 ** (attempt - 1))
            entries: list[SendMessageBatchRequestEntryTypeDef] = [
                {"Id": i, "MessageBody": body, "DelaySeconds": delay_s} for i, body in pending.items()
            ]
            response: Any = self._client.send_message_batch(QueueUrl=self.queue_url, Entries=entries)
            for ok in response.get("Successful", []):
                pending.pop(ok["Id"], None)
            failed = response.get("Failed", [])
            if not pending:
                break
            detail = "; ".join(f"{f.get('Code')}: {f.get('Message', '')}" for f in failed)
            # A sender fault (malformed entry) will not heal by resending.
            if failed and all(f.get("SenderFault") for f in failed):
                break
        if pending:
            raise RescoreQueueError(len(pending), detail or "unknown")
        return len(bodies)


def send_requests(requests: Iterable[RescoreRequest], delay_s: int = 0) -> int:
    """Send rescore requests to `settings.rescore_queue_url`; return the number of messages sent."""
    return RescoreQueue().send(requests, delay_s)


class OutboxRescoreSender:
    """The outbox relay's "publisher" of rescore requests committed in a transaction (objection
    corrections, contract 16): each record's `request` goes to the rescore queue; returns the ids sent."""

    def __init__(self, queue: RescoreQueue | None = None) -> None:
        self._queue = queue

    def publish(self, messages: Sequence[OutgoingMessage]) -> set[str]:
        queue = self._queue or RescoreQueue()
        sent: set[str] = set()
        for message in messages:
            try:
                queue.send([RescoreRequest.model_validate(message.body["request"])])
            except RescoreQueueError:
                continue  # left pending: a later drain sends it
            sent.add(message.id)
        return sent
