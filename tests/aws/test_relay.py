"""The outbox relay and the SNS publisher over moto: batches, retries of failed entries, order, recovery."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from chalicelib.domain.events import event_id
from chalicelib.services import relay
from chalicelib.stores import outbox
from chalicelib.stores.outbox import OutboxRecord
from chalicelib.stores.publisher import OutgoingMessage, SnsPublisher
from chalicelib.stores.tables import OutboxItem
from scripts.provision import Resources
from tests.aws.rescore_helpers import STRONG, P, enterprise, received, rescore, subscribe


class FlakySns:
    """A real (moto) SNS client that fails chosen entries `times` times each, or its first calls whole."""

    def __init__(self, fail_ids: set[str] | None = None, times: int = 1, failing_calls: int = 0):
        self.real: Any = boto3.client("sns")
        self.failures = dict.fromkeys(fail_ids or (), times)
        self.failing_calls = failing_calls
        self.calls: list[list[str]] = []

    def publish_batch(self, TopicArn: str, PublishBatchRequestEntries: list[dict[str, Any]]) -> Any:
        ids = [e["Id"] for e in PublishBatchRequestEntries]
        self.calls.append(ids)
        if len(self.calls) <= self.failing_calls:
            raise self.real.exceptions.InternalErrorException(
                {"Error": {"Code": "InternalError", "Message": "injected"}}, "PublishBatch"
            )
        bad = [e for e in PublishBatchRequestEntries if self.failures.get(e["Id"], 0) > 0]
        for e in bad:
            self.failures[e["Id"]] -= 1
        good = [e for e in PublishBatchRequestEntries if e not in bad]
        response: dict[str, Any] = {"Successful": [], "Failed": []}
        if good:
            response = dict(self.real.publish_batch(TopicArn=TopicArn, PublishBatchRequestEntries=good))
        response["Failed"] = [
            {"Id": e["Id"], "Code": "InternalError", "SenderFault": False, "Message": "injected"} for e in bad
        ]
        return response


def _pending(n: int, code: str = "91360111000000001X", period: int = P, sequence: int = 1) -> OutboxRecord:
    body = {
        "id": event_id(code, period, sequence),
        "credit_code": code,
        "period": period,
        "sequence": sequence,
    }
    item = outbox.new_item(_event(body), created_at=f"2026-01-01T00:00:{n:02d}.000000Z")
    item.save()
    return outbox.record_of(item)


def _event(body: dict[str, Any]) -> Any:
    from chalicelib.domain.events import ChangeEvent

    return ChangeEvent(id=body["id"], body=body, attributes={"type": "whitelist.entered", "region": "3601"})


def _messages(n: int) -> list[OutgoingMessage]:
    return [OutgoingMessage(id=f"id-{i}", body={"n": i}, attributes={"region": "3601"}) for i in range(n)]


def test_publish_sends_10_per_call_and_retries_only_failed_entries(aws: Resources) -> None:
    sub = subscribe(aws)
    flaky = FlakySns(fail_ids={"id-3", "id-12"})
    publisher = SnsPublisher(aws.whitelist_topic_arn, flaky, sleep=lambda _: None)  # type: ignore[arg-type]

    published = publisher.publish(_messages(23))

    assert published == {f"id-{i}" for i in range(23)}
    assert [len(c) for c in flaky.calls] == [10, 1, 10, 1, 3]  # each retry carries exactly the failures
    assert flaky.calls[1] == ["id-3"] and flaky.calls[3] == ["id-12"]
    assert sorted(m["n"] for m in received(sub)) == list(range(23))  # each message once


def test_publish_retries_a_failed_call_then_gives_up_boundedly(aws: Resources) -> None:
    flaky = FlakySns(failing_calls=1)
    publisher = SnsPublisher(aws.whitelist_topic_arn, flaky, sleep=lambda _: None)  # type: ignore[arg-type]
    assert publisher.publish(_messages(2)) == {"id-0", "id-1"}

    always = FlakySns(fail_ids={"id-0"}, times=99)
    publisher = SnsPublisher(aws.whitelist_topic_arn, always, max_attempts=3, sleep=lambda _: None)  # type: ignore[arg-type]
    assert publisher.publish(_messages(2)) == {"id-1"}
    assert len(always.calls) == 3


def test_failed_events_stay_pending_and_the_drain_sends_them_once(
    aws: Resources, monkeypatch: pytest.MonkeyPatch
) -> None:
    sub = subscribe(aws)
    codes = [enterprise(30 + i, STRONG) for i in range(3)]
    failing = {event_id(codes[1], P, 1)}
    flaky = FlakySns(fail_ids=failing, times=99)
    publisher = SnsPublisher(aws.whitelist_topic_arn, flaky, max_attempts=2, sleep=lambda _: None)  # type: ignore[arg-type]
    original = relay.relay_items
    monkeypatch.setattr(relay, "relay_items", lambda items: original(items, publisher))
    rescore([(c, P) for c in codes])
    monkeypatch.undo()
    assert sorted(e["credit_code"] for e in received(sub)) == sorted([codes[0], codes[2]])
    statuses = {o.id: o.status for o in OutboxItem.scan()}
    assert statuses[event_id(codes[1], P, 1)] == "pending"

    assert relay.drain_outbox() == 0  # too fresh: left to the invocation that wrote it
    assert relay.drain_outbox(min_age_seconds=0) == 1
    assert [e["credit_code"] for e in received(sub)] == [codes[1]]
    assert {o.status for o in OutboxItem.scan()} == {"sent"}


def test_a_successor_waits_while_its_predecessor_is_pending(aws: Resources) -> None:
    sub = subscribe(aws)
    first = _pending(1, sequence=1)
    second = _pending(2, sequence=2)

    assert relay.relay_items([second]) == 0  # seq 2 alone: seq 1 is still pending
    assert received(sub) == []

    assert relay.drain_outbox(min_age_seconds=0) == 2
    assert [m["sequence"] for m in received(sub)] == [1, 2]
    assert OutboxItem.get(first.id).status == "sent" and OutboxItem.get(second.id).status == "sent"


def test_in_order_puts_each_key_in_sequence_order_despite_clock_skew() -> None:
    a2 = outbox.record_of(outbox.new_item(_event(_body("A", 2)), created_at="2026-01-01T00:00:01.000000Z"))
    b1 = outbox.record_of(outbox.new_item(_event(_body("B", 1)), created_at="2026-01-01T00:00:02.000000Z"))
    a1 = outbox.record_of(  # a skewed clock
        outbox.new_item(_event(_body("A", 1)), created_at="2026-01-01T00:00:03.000000Z")
    )
    ordered = relay.in_order([a1, b1, a2])
    assert [(o.body["credit_code"], o.body["sequence"]) for o in ordered] == [("A", 1), ("B", 1), ("A", 2)]


def _body(code: str, sequence: int) -> dict[str, Any]:
    return {"id": event_id(code, P, sequence), "credit_code": code, "period": P, "sequence": sequence}


def test_relay_now_reads_back_and_skips_what_is_already_sent(aws: Resources) -> None:
    sub = subscribe(aws)
    item = _pending(1)
    assert relay.relay_now([item.id, item.id]) == 1
    assert relay.relay_now([item.id]) == 0
    assert len(received(sub)) == 1
