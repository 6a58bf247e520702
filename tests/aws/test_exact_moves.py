"""Report counters `entered`/`left` are the whitelist events themselves (contract 10, 13.1): each event's
move record is committed with its card, keyed by the event id, so neither a rescore that dies after its
commit, nor a redelivered message, nor a retried write can change a count."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import suppress
from typing import Any

import pytest
from botocore.client import BaseClient

from chalicelib.services.reports import ReportsListener
from chalicelib.services.rescore import Rescorer
from chalicelib.stores.reports import ReportsRepository
from chalicelib.wiring import handle_rescore_event as handle_sqs_event
from scripts.provision import Resources
from tests.aws.ingest_helpers import sqs_record
from tests.aws.rescore_helpers import MODEL, STRONG, P, enterprise, request_body, write_facts


def _moves() -> dict[str, tuple[int, int]]:
    return {m.region_code: (m.entered, m.left) for m in ReportsRepository().moves(P)}


def test_a_rescore_that_dies_after_its_commit_still_counts_its_moves_once(aws: Resources) -> None:
    codes = [enterprise(800 + i, STRONG) for i in range(2)]
    rescorer = Rescorer(MODEL, listeners=[ReportsListener()])
    rescorer.rescore_all(dict.fromkeys(codes, frozenset({P})), "b-1")
    # the Lambda dies here: no flush, no relay; SQS redelivers the message
    body = request_body([(c, P) for c in codes])
    assert handle_sqs_event({"Records": [sqs_record(body, "m-1")]}) == {"batchItemFailures": []}
    assert handle_sqs_event({"Records": [sqs_record(body, "m-1")]}) == {"batchItemFailures": []}
    assert _moves() == {"360111": (2, 0)}


@pytest.fixture
def every_write_twice(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every UpdateItem/PutItem/BatchWriteItem is sent twice, as botocore does when a response is lost."""
    original = BaseClient._make_api_call  # type: ignore[attr-defined]
    doubled: list[str] = []

    def twice(self: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        if operation in ("UpdateItem", "PutItem", "BatchWriteItem"):
            doubled.append(operation)
            with suppress(Exception):  # the first answer is lost
                original(self, operation, params)
        return original(self, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", twice)
    yield doubled


def test_retried_writes_and_a_left_count_each_event_once(
    aws: Resources, every_write_twice: list[str]
) -> None:
    code = enterprise(810, STRONG, region="360702")
    body = request_body([(code, P)])
    assert handle_sqs_event({"Records": [sqs_record(body, "m-1")]}) == {"batchItemFailures": []}
    write_facts(code, P, {"dishonest_debtor": 1}, batch_id="b-2")  # a veto: it leaves
    assert handle_sqs_event({"Records": [sqs_record(request_body([(code, P)], "b-2"), "m-2")]}) == {
        "batchItemFailures": []
    }
    assert handle_sqs_event({"Records": [sqs_record(request_body([(code, P)], "b-2"), "m-2")]}) == {
        "batchItemFailures": []
    }
    assert every_write_twice  # the writes were retried
    assert _moves() == {"360702": (1, 1)}
