"""Policy matching over moto: publish fan-out, re-matching on rescore, events on the policy topic."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from chalicelib.domain.policies.events import policy_event_id
from chalicelib.domain.policies.policy import PolicyStateError
from chalicelib.services import matching
from chalicelib.services import policies as service
from chalicelib.stores import jobs
from chalicelib.stores import policies as store
from chalicelib.stores.tables import ReportItem
from scripts.provision import Resources
from tests.aws.api_helpers import Call, build_report
from tests.aws.jobs_helpers import drain_jobs
from tests.aws.policy_helpers import WHITELISTED, drain, fields, policy_queue
from tests.aws.rescore_helpers import GROWTH_BASE, MID, STRONG, P, enterprise, rescore, write_facts

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def clock() -> datetime:
    return NOW


def publish(aws: Resources, policy_id: str) -> dict[str, Any]:
    """Publish, then run the matching job as the jobs Lambda would; the job's result."""
    published, job_id = service.publish(policy_id)
    assert published.status == "published"
    drain_jobs(aws)
    job = jobs.get(job_id)
    assert job is not None and job.status == "succeeded", job
    assert job.result is not None
    return job.result


def publish_again_is_refused(policy_id: str) -> bool:
    try:
        service.publish(policy_id)
    except PolicyStateError as exc:
        return exc.code == "POLICY_NOT_DRAFT"
    return False


@pytest.fixture
def scored(aws: Resources) -> dict[str, str]:
    """Two scored enterprises of P: one whitelisted (grade A), one under the line (grade C)."""
    strong = enterprise(1, STRONG, region="360111")
    mid = enterprise(2, MID, region="360702")
    rescore([(strong, P), (mid, P)])
    return {"strong": strong, "mid": mid}


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(matching, "_now", clock)
    monkeypatch.setattr(service, "_now", clock)


def test_publish_matches_every_scored_enterprise_once(aws: Resources, scored: dict[str, str]) -> None:
    queue = policy_queue(aws)
    policy = service.create(fields(WHITELISTED), "sci")
    result = publish(aws, policy.policy_id)
    assert (result["evaluated"], result["matched"], result["unmatched"]) == (2, 1, 0)
    assert publish_again_is_refused(policy.policy_id)
    drain_jobs(aws)  # nothing new

    events = drain(queue)
    assert [e["type"] for e in events] == ["policy.matched"]
    event = events[0]
    assert event["credit_code"] == scored["strong"]
    assert event["id"] == policy_event_id(policy.policy_id, scored["strong"], 1)
    assert event["sequence"] == 1 and event["policy_version"] == 1 and event["period"] == P
    assert event["reasons"] == [
        {
            "path": "criteria.all[0]",
            "field": "whitelisted",
            "op": "==",
            "value": True,
            "actual": True,
            "ok": True,
        }
    ]
    assert event["grade"] == "A" and event["region_code"] == "360111"

    match = store.match_of(policy.policy_id, scored["strong"])
    assert match is not None and match.matched and match.delivery.state == "pending"
    assert store.match_of(policy.policy_id, scored["mid"]) is None  # never matched: no item
    assert [m.policy_id for m in store.enterprise_matches(scored["strong"], P)] == [policy.policy_id]
    assert [(m.credit_code, m.policy_id) for m in store.current_matches(P, date(2026, 3, 1))] == [
        (scored["strong"], policy.policy_id)
    ]


def test_publishing_twice_and_editing_a_published_policy_are_refused(
    aws: Resources, scored: dict[str, str]
) -> None:
    policy = service.create(fields(WHITELISTED), "sci")
    publish(aws, policy.policy_id)
    with pytest.raises(PolicyStateError) as twice:
        service.publish(policy.policy_id)
    assert twice.value.code == "POLICY_NOT_DRAFT"
    with pytest.raises(PolicyStateError) as edit:
        service.edit(policy.policy_id, fields(WHITELISTED, title="改过的标题"))
    assert edit.value.code == "POLICY_NOT_DRAFT"
    assert service.get(policy.policy_id).title == "科技型中小企业积分贷贴息"


def test_a_rescore_moving_an_enterprise_in_or_out_sends_exactly_one_event(
    aws: Resources, scored: dict[str, str]
) -> None:
    queue = policy_queue(aws)
    policy = service.create(fields(WHITELISTED), "sci")
    publish(aws, policy.policy_id)
    drain(queue)

    # the previous year's data gives the mid enterprise full growth points: it crosses the line
    write_facts(scored["mid"], P - 1, GROWTH_BASE)
    rescore([(scored["mid"], P)], batch_id="b-2")
    rescore([(scored["mid"], P)], batch_id="b-2", message_id="m-2")  # a duplicate changes nothing
    moved_in = drain(queue)
    assert [(e["type"], e["credit_code"], e["sequence"]) for e in moved_in] == [
        ("policy.matched", scored["mid"], 1)
    ]

    # a veto takes the strong enterprise off the whitelist: one policy.unmatched, sequence 2
    write_facts(scored["strong"], P, {"dishonest_debtor": 1}, batch_id="b-3")
    rescore([(scored["strong"], P)], batch_id="b-3")
    moved_out = drain(queue)
    assert [(e["type"], e["credit_code"], e["sequence"]) for e in moved_out] == [
        ("policy.unmatched", scored["strong"], 2)
    ]
    assert moved_out[0]["reasons"][0]["actual"] is False
    assert moved_out[0]["id"] == policy_event_id(policy.policy_id, scored["strong"], 2)
    gone = store.match_of(policy.policy_id, scored["strong"])
    assert gone is not None and not gone.matched and gone.delivery.state is None
    assert store.enterprise_matches(scored["strong"], P) == []


def test_withdrawing_stops_matching_without_unmatched_events(aws: Resources, scored: dict[str, str]) -> None:
    queue = policy_queue(aws)
    policy = service.create(fields(WHITELISTED), "sci")
    publish(aws, policy.policy_id)
    drain(queue)
    withdrawn = service.withdraw(policy.policy_id)
    assert withdrawn.status == "withdrawn"
    assert drain(queue) == []
    assert list(store.current_matches(P, date(2026, 3, 1))) == []

    write_facts(scored["mid"], P - 1, GROWTH_BASE)
    rescore([(scored["mid"], P)], batch_id="b-2")
    assert drain(queue) == []  # no further pushes
    assert matching.match_chunk(policy.policy_id, [scored["mid"]]).evaluated == 0  # a late chunk: no-op
    with pytest.raises(PolicyStateError) as again:
        service.withdraw(policy.policy_id)
    assert again.value.code == "POLICY_NOT_PUBLISHED"


def test_drafts_keep_every_version(aws: Resources) -> None:
    policy = service.create(fields(WHITELISTED), "sci")
    same = service.edit(policy.policy_id, fields(WHITELISTED))
    assert same.version == 1  # the same content again is no new version
    edited = service.edit(
        policy.policy_id,
        fields({"all": [{"field": "score", "op": ">=", "value": 450}]}, title="高企培育"),
    )
    assert edited.version == 2
    assert [(v.version, v.title) for v in store.versions(policy.policy_id)] == [
        (1, "科技型中小企业积分贷贴息"),
        (2, "高企培育"),
    ]


def test_a_policy_outside_its_validity_cannot_be_published(aws: Resources) -> None:
    policy = service.create(fields(WHITELISTED, valid_from="2025-01-01", valid_to="2025-12-31"), "sci")
    with pytest.raises(PolicyStateError) as late:
        service.publish(policy.policy_id)
    assert late.value.code == "POLICY_NOT_IN_FORCE"
    assert service.get(policy.policy_id).status == "draft"


def test_preview_counts_without_writing(aws: Resources, scored: dict[str, str]) -> None:
    queue = policy_queue(aws)
    criteria = {
        "any": [{"field": "grade", "op": "in", "value": ["A", "C"]}, {"field": "age", "op": "<", "value": 3}]
    }
    policy = service.create(fields(criteria), "sci")
    preview = service.preview(policy.policy_id)
    assert preview.matched == 2
    assert (
        preview.by_region["3601"] == 1 and preview.by_region["3607"] == 1 and preview.by_region["3602"] == 0
    )
    assert sum(preview.by_stage.values()) == 2
    assert sorted(preview.sample) == sorted(scored.values())
    assert drain(queue) == []
    assert store.match_of(policy.policy_id, scored["strong"]) is None


def test_age_and_rank_are_read_when_a_tree_names_them(aws: Resources, scored: dict[str, str]) -> None:
    # both were established in 2019: age 6 in 2025; the strong one ranks first of its stage
    criteria = {"all": [{"field": "age", "op": "==", "value": 6}, {"field": "rank", "op": "<=", "value": 1}]}
    policy = service.create(fields(criteria), "sci")
    assert publish(aws, policy.policy_id)["matched"] == 1
    match = store.match_of(policy.policy_id, scored["strong"])
    assert match is not None and match.matched
    assert [r["actual"] for r in match.reasons] == [6, 1]


def test_the_rank_criterion_reads_the_builds_rank_chunk(
    aws: Resources, scored: dict[str, str], aws_calls: list[Call]
) -> None:
    build_report(P)
    aws_calls.clear()
    policy = service.create(fields({"all": [{"field": "rank", "op": "<=", "value": 1}]}), "sci")
    assert publish(aws, policy.policy_id)["matched"] == 1
    queries = [params for service_name, op, params in aws_calls if op == "Query"]
    assert not [q for q in queries if q.get("IndexName") == "by_stage"]  # no COUNT of the cohort
    assert [q for q in queries if q["TableName"] == ReportItem.Meta.table_name]  # the build's rank chunk
    before = store.match_of(policy.policy_id, scored["mid"])
    assert before is None or not before.matched  # second of its stage
    # mid is rescored past strong: the rescore's re-match places its new score among the build's keys
    write_facts(scored["mid"], P, {**STRONG, "rd_expense": 3000})
    write_facts(scored["mid"], P - 1, GROWTH_BASE)
    rescore([(scored["mid"], P)])
    match = store.match_of(policy.policy_id, scored["mid"])
    assert match is not None and match.matched and match.reasons[0]["actual"] == 1
    assert match.score > store.match_of(policy.policy_id, scored["strong"]).score  # type: ignore[union-attr]


def test_a_redelivered_chunk_or_a_stale_read_publishes_nothing_twice(
    aws: Resources, scored: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    queue = policy_queue(aws)
    policy = service.create(fields(WHITELISTED), "sci")
    publish(aws, policy.policy_id)
    assert len(drain(queue)) == 1
    codes = [scored["strong"], scored["mid"]]
    assert matching.match_chunk(policy.policy_id, codes).matched == 0  # SQS delivered the chunk again
    # a matcher that read before the first one wrote: its conditional write fails, it reads again
    monkeypatch.setattr(store, "load_matches", lambda keys: {})
    assert matching.match_chunk(policy.policy_id, codes).matched == 0
    assert drain(queue) == []
    match = store.match_of(policy.policy_id, scored["strong"])
    assert match is not None and match.sequence == 1


def test_a_failing_rematch_keeps_the_card_and_fails_the_message_for_a_repair(
    aws: Resources, scored: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = service.create(fields(WHITELISTED), "sci")
    publish(aws, policy.policy_id)

    def broken(period: int) -> list[Any]:
        raise RuntimeError("policies table unavailable")

    monkeypatch.setattr(store, "published", broken)
    write_facts(scored["mid"], P - 1, GROWTH_BASE)
    result = rescore([(scored["mid"], P)], batch_id="b-2")
    # the card is committed; the message is retried, and its redelivery repairs (test_policy_repair.py)
    assert result["batchItemFailures"] == [{"itemIdentifier": "m-1"}]
    assert store.match_of(policy.policy_id, scored["mid"]) is None
