"""Re-matching after committed cards is never fire-and-forget: its failure fails the rescore's message,
and the redelivery (its cards now unchanged) repairs the matches from the stored cards."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.domain.policies.policy import PolicyStateError
from chalicelib.services import matching
from chalicelib.services import policies as service
from chalicelib.stores import jobs
from chalicelib.stores import policies as store
from chalicelib.wiring import handle_rescore_event as handle_sqs_event
from scripts.provision import Resources
from tests.aws.ingest_helpers import sqs_record
from tests.aws.jobs_helpers import drain_jobs
from tests.aws.policy_helpers import WHITELISTED, drain, fields, policy_queue
from tests.aws.rescore_helpers import (
    GROWTH_BASE,
    MID,
    STRONG,
    P,
    enterprise,
    request_body,
    rescore,
    write_facts,
)

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(matching, "_now", lambda: NOW)
    monkeypatch.setattr(service, "_now", lambda: NOW)


def _delivery(body: str, receive_count: int) -> dict[str, Any]:
    record = sqs_record(body, "m-7")
    record["attributes"]["ApproximateReceiveCount"] = str(receive_count)
    return {"Records": [record]}


def test_a_failed_rematch_fails_the_message_and_its_redelivery_repairs_it(
    aws: Resources, monkeypatch: pytest.MonkeyPatch
) -> None:
    queue = policy_queue(aws)
    strong, mid = enterprise(1, STRONG), enterprise(2, MID, region="360702")
    rescore([(strong, P), (mid, P)])
    policy, _ = service.publish(service.create(fields(WHITELISTED), "sci").policy_id)
    drain_jobs(aws)
    assert [e["credit_code"] for e in drain(queue)] == [strong]

    write_facts(mid, P - 1, GROWTH_BASE)  # mid crosses the line
    write_facts(strong, P, {"dishonest_debtor": 1}, batch_id="b-2")  # strong leaves it
    save_change = store.save_change

    def unavailable(change: store.MatchChange) -> Any:
        raise RuntimeError("ProvisionedThroughputExceeded")

    monkeypatch.setattr(store, "save_change", unavailable)
    body = request_body([(mid, P), (strong, P)], "b-2")
    assert handle_sqs_event(_delivery(body, 1)) == {"batchItemFailures": [{"itemIdentifier": "m-7"}]}
    assert drain(queue) == []
    monkeypatch.setattr(store, "save_change", save_change)

    assert handle_sqs_event(_delivery(body, 2)) == {"batchItemFailures": []}  # SQS redelivers it
    assert sorted((e["type"], e["credit_code"], e["sequence"]) for e in drain(queue)) == sorted(
        [("policy.matched", mid, 1), ("policy.unmatched", strong, 2)]
    )
    assert handle_sqs_event(_delivery(body, 3)) == {"batchItemFailures": []}  # repaired once: no more
    assert drain(queue) == []
    assert [m.credit_code for m in store.matches_of(policy.policy_id, None, None, 10, None)[0]] == [mid]


class Crash(BaseException):
    """The process dies here (a Lambda timeout or kill: no `except Exception` runs)."""


def test_a_crash_between_publish_and_its_job_leaves_a_policy_that_publishing_again_matches(
    aws: Resources, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.services import jobs as jobs_service

    queue = policy_queue(aws)
    strong = enterprise(1, STRONG)
    rescore([(strong, P)])
    policy_id = service.create(fields(WHITELISTED), "sci").policy_id

    def crash(messages: Any) -> int:
        raise Crash

    monkeypatch.setattr(jobs_service, "send_job_messages", crash)
    with pytest.raises(Crash):
        service.publish(policy_id)
    monkeypatch.undo()
    monkeypatch.setattr(matching, "_now", lambda: NOW)
    monkeypatch.setattr(service, "_now", lambda: NOW)
    assert service.get(policy_id).status == "published"
    drain_jobs(aws)
    assert drain(queue) == []  # published, matched no one yet

    monkeypatch.setattr(jobs_service, "PLAN_GRACE_S", 0.0, raising=False)  # its plan step is overdue
    _, job_id = service.publish(policy_id)  # publishing again queues the job it committed
    drain_jobs(aws)
    job = jobs.get(job_id)
    assert job is not None and job.status == "succeeded" and job.total == 1
    assert [(e["type"], e["credit_code"]) for e in drain(queue)] == [("policy.matched", strong)]
    with pytest.raises(PolicyStateError):
        service.publish(policy_id)  # planned now: publishing twice is refused again
