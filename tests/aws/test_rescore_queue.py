"""The rescore queue sender and the full-rescore fan-out over moto."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from chalicelib.domain.scoring.rescore_request import Pair, RescoreRequest
from chalicelib.services.rescore import request_full_rescore
from chalicelib.settings import get_settings
from chalicelib.stores.rescore_queue import RescoreQueue, RescoreQueueError
from scripts.provision import Resources
from tests.aws.rescore_helpers import MID, STRONG, P, enterprise, rescore


def _drain(url: str) -> list[RescoreRequest]:
    sqs = boto3.client("sqs")
    out: list[RescoreRequest] = []
    while got := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for m in got:
            out.append(RescoreRequest.model_validate_json(m["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return out


def _requests(n: int) -> list[RescoreRequest]:
    return [RescoreRequest(batch_id=f"b-{i}", pairs=[Pair(credit_code=f"C{i}", period=P)]) for i in range(n)]


class FlakySqs:
    """A real (moto) SQS client that fails the first entry of its first call."""

    def __init__(self) -> None:
        self.real: Any = boto3.client("sqs")
        self.calls: list[int] = []

    def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, Any]]) -> Any:
        self.calls.append(len(Entries))
        if len(self.calls) > 1:
            return self.real.send_message_batch(QueueUrl=QueueUrl, Entries=Entries)
        response = dict(self.real.send_message_batch(QueueUrl=QueueUrl, Entries=Entries[1:]))
        response["Failed"] = [{"Id": Entries[0]["Id"], "Code": "InternalError", "SenderFault": False}]
        return response


def test_send_batches_10_and_resends_failed_entries(aws: Resources) -> None:
    flaky = FlakySqs()
    queue = RescoreQueue(aws.rescore_queue_url, flaky, sleep=lambda _: None)  # type: ignore[arg-type]

    assert queue.send(iter(_requests(23))) == 23

    assert flaky.calls == [10, 1, 10, 3]
    assert sorted(r.batch_id or "" for r in _drain(aws.rescore_queue_url)) == sorted(
        f"b-{i}" for i in range(23)
    )


def test_send_raises_when_entries_keep_failing(aws: Resources) -> None:
    class Broken:
        def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, Any]]) -> Any:
            return {
                "Successful": [],
                "Failed": [{"Id": e["Id"], "Code": "X", "SenderFault": False} for e in Entries],
            }

    queue = RescoreQueue(aws.rescore_queue_url, Broken(), max_attempts=2, sleep=lambda _: None)  # type: ignore[arg-type]
    with pytest.raises(RescoreQueueError) as raised:
        queue.send(_requests(3))
    assert raised.value.failed == 3


def test_full_rescore_fans_out_scored_enterprises_in_chunks(
    aws: Resources, monkeypatch: pytest.MonkeyPatch
) -> None:
    codes = [
        enterprise(40 + i, STRONG if i % 2 else MID, region=r) for i, r in enumerate(["360111", "360702"] * 3)
    ]
    rescore([(c, P) for c in codes])
    monkeypatch.setenv("RESCORE_CHUNK_SIZE", "4")
    get_settings.cache_clear()

    assert request_full_rescore(P) == 6

    messages = _drain(aws.rescore_queue_url)
    assert [len(m.pairs) for m in messages] == [4, 2]
    assert {m.reason for m in messages} == {"full_rescore"}
    assert sorted(p.credit_code for m in messages for p in m.pairs) == sorted(codes)
    assert {p.period for m in messages for p in m.pairs} == {P}


def test_full_rescore_of_every_period_names_each_enterprise_once(aws: Resources) -> None:
    code = enterprise(50, STRONG, previous={"operating_revenue": 9000, "rd_expense": 700})
    rescore([(code, None)])  # cards for P-1 and P

    assert request_full_rescore(None) == 1
    (message,) = _drain(aws.rescore_queue_url)
    assert [(p.credit_code, p.period) for p in message.pairs] == [(code, None)]
