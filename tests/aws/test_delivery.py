"""The push to 赣企通 over moto and the stand-in receiver: once each, retries, backoff, DLQ, timeouts."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from chalicelib.services import delivery
from chalicelib.services import policies as service
from chalicelib.settings import get_settings
from chalicelib.stores import policies as store
from scripts.ganqitong_standin import StandIn
from scripts.provision import Resources
from scripts.sqs_events import record_of
from tests.aws.ingest_helpers import sqs_record
from tests.aws.jobs_helpers import drain_jobs
from tests.aws.policy_helpers import WHITELISTED, fields
from tests.aws.rescore_helpers import MID, STRONG, P, enterprise, rescore, write_facts

QUEUE_ARN = "arn:aws-cn:sqs:cn-northwest-1:123456789012:innovation-points-dev-policy-delivery"


@pytest.fixture
def standin(aws: Resources, tmp_path: Path) -> Iterator[StandIn]:
    receiver = StandIn(tmp_path / "ganqitong.jsonl").start()
    os.environ |= {"GANQITONG_URL": receiver.url, "GANQITONG_RETRY_BASE_S": "0", "GANQITONG_TIMEOUT_S": "0.5"}
    os.environ["GANQITONG_TOKEN"] = "local-token"
    get_settings.cache_clear()
    yield receiver
    receiver.stop()
    for name in ("GANQITONG_URL", "GANQITONG_RETRY_BASE_S", "GANQITONG_TIMEOUT_S", "GANQITONG_TOKEN"):
        del os.environ[name]
    get_settings.cache_clear()


def receive(url: str) -> list[dict[str, Any]]:
    """What Lambda's poller would take from the delivery queue, as SQS event records."""
    got = (
        boto3.client("sqs")
        .receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"], VisibilityTimeout=0)
        .get("Messages", [])
    )
    return [record_of(m, QUEUE_ARN, "cn-northwest-1") for m in got]


def run(aws: Resources) -> tuple[int, int]:
    """One delivery invocation over what is on the queue, deleting what succeeded: (handled, failed)."""
    records = receive(aws.policy_delivery_queue_url)
    if not records:
        return 0, 0
    result = delivery.handle_sqs_event({"Records": records})
    failed = {f["itemIdentifier"] for f in result["batchItemFailures"]}
    sqs = boto3.client("sqs")
    for r in records:
        if r["messageId"] not in failed:
            sqs.delete_message(QueueUrl=aws.policy_delivery_queue_url, ReceiptHandle=r["receiptHandle"])
    return len(records), len(failed)


@pytest.fixture
def published(aws: Resources) -> dict[str, str]:
    strong = enterprise(11, STRONG, region="360111")
    mid = enterprise(12, MID, region="360702")
    rescore([(strong, P), (mid, P)])
    policy = service.create(fields(WHITELISTED), "sci")
    service.publish(policy.policy_id)
    drain_jobs(aws)
    return {"policy_id": policy.policy_id, "strong": strong, "mid": mid}


def test_each_match_is_pushed_once_with_its_idempotency_key(
    aws: Resources, standin: StandIn, published: dict[str, str]
) -> None:
    assert run(aws) == (1, 0)
    (line,) = standin.lines()
    assert line["body"]["type"] == "policy.matched"
    assert line["body"]["credit_code"] == published["strong"]
    assert line["headers"]["Idempotency-Key"] == line["body"]["id"]
    match = store.match_of(published["policy_id"], published["strong"])
    assert match is not None
    assert (match.delivery.state, match.delivery.attempts, match.delivery.last_status) == (
        "delivered",
        1,
        200,
    )

    # the same message again (SQS is at least once): no second POST
    body = line["body"]
    again = sqs_record(json.dumps(body), "again")
    assert delivery.handle_sqs_event({"Records": [again]})["batchItemFailures"] == []
    assert len(standin.lines()) == 1


def test_a_failing_receiver_is_retried_with_backoff_then_delivered(
    aws: Resources, standin: StandIn, published: dict[str, str]
) -> None:
    standin.fail_next(2, status=503)
    assert run(aws) == (1, 1)
    match = store.match_of(published["policy_id"], published["strong"])
    assert match is not None and (match.delivery.state, match.delivery.last_status) == ("pending", 503)
    assert run(aws) == (1, 1)
    assert run(aws) == (1, 0)
    match = store.match_of(published["policy_id"], published["strong"])
    assert match is not None
    assert (match.delivery.state, match.delivery.attempts, match.delivery.last_status) == (
        "delivered",
        3,
        200,
    )
    assert len(standin.lines()) == 1


def test_a_timeout_counts_as_a_failure_without_a_status(
    aws: Resources, standin: StandIn, published: dict[str, str]
) -> None:
    standin.stall_next(1, seconds=2)
    assert run(aws) == (1, 1)
    match = store.match_of(published["policy_id"], published["strong"])
    assert match is not None and (match.delivery.state, match.delivery.last_status) == ("pending", None)


def test_five_failures_dead_letter_the_message_and_record_failed(
    aws: Resources, standin: StandIn, published: dict[str, str]
) -> None:
    standin.fail_next(5)
    for _ in range(5):
        assert run(aws) == (1, 1)
    assert run(aws) == (0, 0)  # SQS moved it to the DLQ on the next receive
    dead = boto3.client("sqs").receive_message(QueueUrl=aws.policy_delivery_dlq_url).get("Messages", [])
    assert len(dead) == 1 and json.loads(dead[0]["Body"])["credit_code"] == published["strong"]
    match = store.match_of(published["policy_id"], published["strong"])
    assert match is not None
    assert (match.delivery.state, match.delivery.attempts, match.delivery.last_status) == ("failed", 5, 500)
    assert standin.lines() == []


def test_a_down_receiver_loses_nothing(aws: Resources, standin: StandIn, published: dict[str, str]) -> None:
    standin.stop()
    os.environ["GANQITONG_URL"] = "http://127.0.0.1:9/down"  # nothing listens: connection refused
    get_settings.cache_clear()
    assert run(aws) == (1, 1)
    match = store.match_of(published["policy_id"], published["strong"])
    assert match is not None and match.delivery.state == "pending" and match.delivery.last_status is None


def test_a_stale_or_withdrawn_match_is_not_pushed(
    aws: Resources, standin: StandIn, published: dict[str, str]
) -> None:
    # the strong enterprise leaves the whitelist before its policy.matched is delivered
    write_facts(published["strong"], P, {"dishonest_debtor": 1}, batch_id="b-veto")
    rescore([(published["strong"], P)], batch_id="b-veto")
    assert run(aws) == (1, 0)  # only policy.matched reaches the queue (filter policy); it is stale now
    assert standin.lines() == []

    service.withdraw(published["policy_id"])
    write_facts(published["mid"], P, {"high_level_talent": 5}, batch_id="b-x")
    rescore([(published["mid"], P)], batch_id="b-x")
    assert run(aws) == (0, 0)
    assert standin.lines() == []


def test_sns_envelopes_are_read_as_well() -> None:
    inner = {"id": "e-1", "type": "policy.unmatched"}
    envelope = {"Type": "Notification", "MessageId": "m", "Message": json.dumps(inner)}
    assert delivery.event_of(json.dumps(envelope)) == inner
    assert delivery.event_of(json.dumps(inner)) == inner
    assert [delivery.backoff_s(n, 30) for n in (1, 2, 3, 4, 5, 10)] == [30, 60, 120, 240, 480, 900]
