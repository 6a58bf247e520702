"""scripts/replay_dlq.py against moto's SQS."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import moto
import pytest

from scripts.replay_dlq import main, queue_names, replay


@pytest.fixture
def sqs() -> Iterator[Any]:
    with moto.mock_aws():
        yield boto3.client("sqs", region_name="cn-northwest-1")


def _queues(sqs: Any, stage: str = "dev", queue: str = "rescore") -> tuple[str, str]:
    dlq_name, source_name = queue_names(stage, queue)
    dlq = sqs.create_queue(QueueName=dlq_name)["QueueUrl"]
    source = sqs.create_queue(QueueName=source_name)["QueueUrl"]
    return dlq, source


def _fill(sqs: Any, url: str, count: int) -> list[str]:
    bodies = [json.dumps({"n": n}) for n in range(count)]
    for start in range(0, count, 10):
        sqs.send_message_batch(
            QueueUrl=url,
            Entries=[
                {
                    "Id": str(i),
                    "MessageBody": body,
                    "MessageAttributes": {"reason": {"DataType": "String", "StringValue": f"r{start + i}"}},
                }
                for i, body in enumerate(bodies[start : start + 10])
            ],
        )
    return bodies


def _drain(sqs: Any, url: str) -> list[dict[str, Any]]:
    got: list[dict[str, Any]] = []
    while batch := sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"], WaitTimeSeconds=0
    ).get("Messages", []):
        got.extend(batch)
        sqs.delete_message_batch(
            QueueUrl=url,
            Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)],
        )
    return got


def test_moves_every_message_with_its_attributes(sqs: Any) -> None:
    dlq, source = _queues(sqs)
    bodies = _fill(sqs, dlq, 23)

    assert replay(sqs, dlq, source, None, wait_seconds=0) == 23

    moved = _drain(sqs, source)
    assert sorted(m["Body"] for m in moved) == sorted(bodies)
    reasons = {json.loads(m["Body"])["n"]: m["MessageAttributes"]["reason"]["StringValue"] for m in moved}
    assert reasons == {n: f"r{n}" for n in range(23)}
    assert _drain(sqs, dlq) == []


def test_stops_at_max_messages(sqs: Any) -> None:
    dlq, source = _queues(sqs)
    _fill(sqs, dlq, 15)

    assert replay(sqs, dlq, source, 7, wait_seconds=0) == 7

    assert len(_drain(sqs, source)) == 7
    assert len(_drain(sqs, dlq)) == 8


def test_an_empty_dlq_moves_nothing(sqs: Any) -> None:
    dlq, source = _queues(sqs)
    assert replay(sqs, dlq, source, None, wait_seconds=0) == 0
    assert replay(sqs, dlq, source, 0, wait_seconds=0) == 0


class _RefusesOne:
    """An SQS client whose batch sends fail for one message body, as SQS reports partial failures."""

    def __init__(self, sqs: Any, refused: str) -> None:
        self._sqs, self._refused = sqs, refused

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sqs, name)

    def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        keep = [e for e in Entries if e["MessageBody"] != self._refused]
        refused = [e for e in Entries if e["MessageBody"] == self._refused]
        answer = self._sqs.send_message_batch(QueueUrl=QueueUrl, Entries=keep) if keep else {}
        failed = [{"Id": e["Id"], "Code": "InternalError", "SenderFault": False} for e in refused]
        return {"Successful": answer.get("Successful", []), "Failed": failed}


def test_a_message_that_cannot_be_sent_stays_in_the_dlq(sqs: Any) -> None:
    dlq, source = _queues(sqs)
    bodies = _fill(sqs, dlq, 12)
    refused = bodies[3]

    # visibility 0: the refused message shows again at once, so the replay must stop on its own
    refusing: Any = _RefusesOne(sqs, refused)
    moved = replay(refusing, dlq, source, None, wait_seconds=0, visibility_timeout=0)

    assert moved == 11
    assert sorted(m["Body"] for m in _drain(sqs, source)) == sorted(set(bodies) - {refused})
    assert [m["Body"] for m in _drain(sqs, dlq)] == [refused]


def test_rejects_a_negative_maximum(sqs: Any) -> None:
    dlq, source = _queues(sqs)
    with pytest.raises(ValueError):
        replay(sqs, dlq, source, -1)


def test_command_line_finds_the_stage_queues(sqs: Any, capsys: pytest.CaptureFixture[str]) -> None:
    dlq, source = _queues(sqs, stage="prod", queue="uploads")
    _fill(sqs, dlq, 3)

    assert main(["--queue", "uploads", "--stage", "prod"], client=sqs) == 0

    assert "moved 3 to innovation-points-prod-uploads" in capsys.readouterr().out
    assert len(_drain(sqs, source)) == 3
