"""The outbox relay and the SNS publisher over moto: batches, retries of failed entries, order, recovery."""

from __future__ import annotations

from collections import Counter
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient

from chalicelib.domain.events import event_id
from chalicelib.services import relay
from chalicelib.stores import outbox
from chalicelib.stores.outbox import OutboxRecord
from chalicelib.stores.publisher import OutgoingMessage, SnsPublisher
from chalicelib.stores.tables import OutboxItem
from scripts.provision import Resources
from scripts.synthetic import credit_code
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


def test_published_records_are_marked_sent_in_bulk(aws: Resources, monkeypatch: pytest.MonkeyPatch) -> None:
    sub = subscribe(aws)
    records = [_pending(i, code=credit_code(900 + i)) for i in range(30)]
    calls: Counter[str] = Counter()
    original = BaseClient._make_api_call  # type: ignore[attr-defined]

    def counting(self: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        calls[operation] += 1
        return original(self, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", counting)
    assert relay.relay_items(records) == 30
    monkeypatch.undo()

    assert calls["PublishBatch"] == 3
    assert calls["UpdateItem"] == 0 and calls["BatchWriteItem"] == 2  # 25 + 5 marks, not 30 UpdateItems
    assert len(received(sub)) == 30
    stored = {o.id: o for o in OutboxItem.scan()}
    for record in records:  # the Put keeps the whole record, only status and sent_at change
        item = stored[record.id]
        assert item.status == "sent" and item.sent_at is not None
        assert (item.body, item.attributes, item.created_at) == (
            record.body,
            record.attributes,
            record.created_at,
        )
        assert item.topic is None  # a whitelist record stays without a topic, as the transaction wrote it
    assert outbox.pending_ids("9999", 100) == []  # gone from the sparse by_pending index


def test_marking_a_record_another_relay_marked_first_changes_only_sent_at(aws: Resources) -> None:
    record = _pending(1)
    outbox.mark_sent([record], "2026-01-01T00:01:00.000000Z")
    outbox.mark_sent([record, record], "2026-01-01T00:02:00.000000Z")  # a second relay, a duplicate too
    item = OutboxItem.get(record.id)
    assert item.status == "sent" and item.sent_at == "2026-01-01T00:02:00.000000Z"
    assert item.body == record.body and item.created_at == record.created_at
    assert relay.relay_now([record.id]) == 0  # sent stays sent: nothing goes out again


def test_what_went_out_is_marked_even_when_a_later_publish_raises(aws: Resources) -> None:
    first = _pending(1, code=credit_code(950))
    rest = [_pending(2 + i, code=credit_code(951 + i)) for i in range(10)]

    class FailingSecondCall(FlakySns):
        def publish_batch(self, TopicArn: str, PublishBatchRequestEntries: list[dict[str, Any]]) -> Any:
            if self.calls:
                raise RuntimeError("SNS unreachable")
            return super().publish_batch(TopicArn, PublishBatchRequestEntries)

    publisher = SnsPublisher(aws.whitelist_topic_arn, FailingSecondCall(), sleep=lambda _: None)  # type: ignore[arg-type]
    with pytest.raises(RuntimeError):
        relay.relay_items([first, *rest], publisher)
    statuses = {o.id: o.status for o in OutboxItem.scan()}
    assert sum(s == "sent" for s in statuses.values()) == 10  # the first call's ten
    assert sum(s == "pending" for s in statuses.values()) == 1
