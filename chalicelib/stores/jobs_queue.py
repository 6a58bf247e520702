"""The jobs queue: sends `JobMessage`s (a job's plan step, then its chunks) with SendMessageBatch.

The rescore queue's sender already batches 10 bodies a call within SQS's byte limit and resends failed
entries with backoff; this one reuses it with the jobs queue's URL.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING

from chalicelib.domain.jobs import JobMessage
from chalicelib.settings import get_settings
from chalicelib.stores.rescore_queue import RescoreQueue, _batches, _default_client

if TYPE_CHECKING:
    from mypy_boto3_sqs.client import SQSClient


@cache
def _url_of(name: str, region: str) -> str:
    """The queue's URL from its name, when JOBS_QUEUE_URL is not set (tests, scripts); AWS sets it."""
    return str(_default_client(region).get_queue_url(QueueName=name)["QueueUrl"])


class JobsQueue(RescoreQueue):
    def __init__(self, queue_url: str | None = None, client: SQSClient | None = None) -> None:
        settings = get_settings()
        url = queue_url or settings.jobs_queue_url or _url_of(settings.jobs_queue_name, settings.region)
        super().__init__(queue_url=url, client=client)

    def send_messages(self, messages: Iterable[JobMessage]) -> int:
        """Send every message (streamed); return the number sent."""
        sent = 0
        for batch in _batches(m.model_dump_json() for m in messages):
            sent += self._send_batch(batch)
        return sent


def send_job_messages(messages: Iterable[JobMessage]) -> int:
    return JobsQueue().send_messages(messages)
