"""The push to 赣企通 (contract 9): the consumer of the delivery queue, subscribed to the policy topic.

Each `policy.matched` is POSTed to GANQITONG_URL with `Idempotency-Key: <event id>`. A 2xx records
`delivered` on the match item; anything else (an error status, a timeout, no connection) counts an
attempt, backs the message off (base x 2^(attempt-1) seconds, through its visibility) and reports it
failed, so SQS delivers it again; the 5th failure records `failed` and SQS moves the message to the DLQ
(maxReceiveCount 5), whence `make replay-dlq QUEUE=policy-delivery` sends it again once 赣企通 is back.

`objection.resolved` (contract 16) is forwarded the same way, so the enterprise hears the answer; its
delivery state is recorded on the objection.

Nothing is pushed twice on our side: a match already delivered, one that has moved on (a later
sequence) or a policy no longer in force is acknowledged without a POST. 赣企通 drops any repeat that
still slips through (a crash between its answer and our record) by the Idempotency-Key.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Final

from aws_lambda_powertools import Logger
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from pydantic import BaseModel, ConfigDict, ValidationError

from chalicelib.domain.objections.objection import RESOLVED
from chalicelib.domain.policies.events import MATCHED
from chalicelib.domain.policies.policy import Policy, policy_day
from chalicelib.domain.timestamps import stamp
from chalicelib.observability import metrics
from chalicelib.settings import Settings, get_settings
from chalicelib.stores import ganqitong
from chalicelib.stores import objections as objection_store
from chalicelib.stores import policies as store
from chalicelib.stores.delivery_queue import retry_after
from chalicelib.stores.parameters import secure_parameter

MAX_RECEIVES: Final = 5  # the queue's maxReceiveCount: the 5th failure dead-letters the message

logger = Logger(child=True)


class MatchedEvent(BaseModel):
    """The fields of a `policy.matched` body that delivery needs; the rest is passed on untouched."""

    model_config = ConfigDict(extra="allow", frozen=True)

    id: str
    type: str
    policy_id: str
    credit_code: str
    region_code: str
    sequence: int


class DeliveryFailedError(RuntimeError):
    """赣企通 did not take the event; SQS delivers it again later."""

    code = "GANQITONG_DELIVERY_FAILED"

    def __init__(self, event_id: str, outcome: ganqitong.Outcome, attempt: int) -> None:
        reason = outcome.error or f"HTTP {outcome.status}"
        super().__init__(
            f"event {event_id}: 赣企通 answered {reason} (attempt {attempt}) / "
            f"事件 {event_id} 推送赣企通失败：{reason}（第 {attempt} 次）"
        )


def event_of(body: str) -> dict[str, Any]:
    """The event in an SQS body: raw (RawMessageDelivery) or inside an SNS notification envelope."""
    data = json.loads(body)
    if isinstance(data, dict) and data.get("Type") == "Notification" and isinstance(data.get("Message"), str):
        data = json.loads(data["Message"])
    if not isinstance(data, dict):
        raise ValueError("the message is not a JSON object / 消息不是 JSON 对象")
    return data


def backoff_s(attempt: int, base_s: int) -> int:
    """Seconds before attempt + 1: base, 2 x base, 4 x base, … (15 minutes at most)."""
    return int(min(base_s * 2 ** max(attempt - 1, 0), 900))


def _now() -> datetime:
    return datetime.now(UTC)


class Deliverer:
    def __init__(
        self,
        settings: Settings | None = None,
        *,
        post: Callable[..., ganqitong.Outcome] = ganqitong.post_event,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self.settings = settings or get_settings()
        if not self.settings.ganqitong_url:
            raise RuntimeError("GANQITONG_URL is not set / 未配置赣企通推送地址")
        self._post = post
        self._clock = clock
        self._policies: dict[str, Policy | None] = {}
        self.delivered = 0
        self.failed = 0

    def _token(self) -> str:
        if self.settings.ganqitong_token_parameter:
            return secure_parameter(
                self.settings.ganqitong_token_parameter, max_age_s=self.settings.ganqitong_token_max_age_s
            )
        return self.settings.ganqitong_token

    def _policy(self, policy_id: str) -> Policy | None:
        if policy_id not in self._policies:
            self._policies[policy_id] = store.get(policy_id)
        return self._policies[policy_id]

    def deliver(self, body: dict[str, Any], receive_count: int, receipt_handle: str | None) -> bool:
        """Push one event; True when delivered now, False when there was nothing to push.

        Raises DeliveryFailedError (the message is retried) when 赣企通 did not take it.
        """
        if body.get("type") == RESOLVED:
            return self._deliver_objection(body, receive_count, receipt_handle)
        if body.get("type") != MATCHED:
            return False  # policy.unmatched is not pushed
        try:
            event = MatchedEvent.model_validate(body)
        except ValidationError:
            logger.error("not a policy.matched event; dropped", extra={"body": body})
            return False
        match = store.match_of(event.policy_id, event.credit_code)
        if match is None or not match.matched or match.sequence != event.sequence:
            logger.info("stale match event; not pushed", extra={"event_id": event.id})
            return False
        if match.delivery.state == store.DELIVERED:
            return False  # a duplicate of a delivered event
        policy = self._policy(event.policy_id)
        if policy is None or not policy.in_force(policy_day(self._clock())):
            logger.info("policy not in force; not pushed", extra={"event_id": event.id})
            return False
        outcome = self._post(
            self.settings.ganqitong_url,
            body,
            event.id,
            token=self._token(),
            timeout_s=self.settings.ganqitong_timeout_s,
        )
        moment = stamp(self._clock())
        if outcome.ok:
            store.record_delivery(
                event.policy_id,
                event.credit_code,
                event.sequence,
                state=store.DELIVERED,
                last_status=outcome.status,
                at=moment,
            )
            self.delivered += 1
            return True
        final = receive_count >= MAX_RECEIVES
        store.record_delivery(
            event.policy_id,
            event.credit_code,
            event.sequence,
            state=store.FAILED if final else store.PENDING,
            last_status=outcome.status,
            at=moment,
        )
        self.failed += 1
        if not final and receipt_handle:
            retry_after(receipt_handle, backoff_s(receive_count, self.settings.ganqitong_retry_base_s))
        raise DeliveryFailedError(event.id, outcome, receive_count)

    def _deliver_objection(
        self, body: dict[str, Any], receive_count: int, receipt_handle: str | None
    ) -> bool:
        """Forward an `objection.resolved` (contract 16) as a `policy.matched` is forwarded."""
        event_id = str(body.get("id") or "")
        objection = objection_store.get(str(body.get("objection_id") or ""))
        if objection is None or not event_id:
            logger.error("objection event without its objection; dropped", extra={"body": body})
            return False
        before = objection.delivery or {}
        if before.get("state") == store.DELIVERED:
            return False  # a duplicate of a delivered event
        outcome = self._post(
            self.settings.ganqitong_url,
            body,
            event_id,
            token=self._token(),
            timeout_s=self.settings.ganqitong_timeout_s,
        )
        attempts = int(before.get("attempts") or 0) + 1
        final = receive_count >= MAX_RECEIVES
        state = store.DELIVERED if outcome.ok else (store.FAILED if final else store.PENDING)
        delivery = {"state": state, "attempts": attempts, "last_status": outcome.status}
        objection_store.record_delivery(objection.objection_id, delivery)
        if outcome.ok:
            self.delivered += 1
            return True
        self.failed += 1
        if not final and receipt_handle:
            retry_after(receipt_handle, backoff_s(receive_count, self.settings.ganqitong_retry_base_s))
        raise DeliveryFailedError(event_id, outcome, receive_count)


def handle_sqs_event(
    event: dict[str, Any], context: Any = None, deliverer: Deliverer | None = None
) -> dict[str, Any]:
    """The delivery Lambda: failed records are reported (ReportBatchItemFailures), never raised."""
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    deliverer = deliverer or Deliverer()

    def record_handler(record: SQSRecord) -> None:
        receive_count = int(record.attributes.approximate_receive_count or 1)
        deliverer.deliver(event_of(record.body), receive_count, record.receipt_handle)

    response: dict[str, Any] = dict(
        process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )
    )
    metrics.add_metric(name="PolicyEventsDelivered", unit=MetricUnit.Count, value=deliverer.delivered)
    metrics.add_metric(name="PolicyDeliveryFailures", unit=MetricUnit.Count, value=deliverer.failed)
    return response
