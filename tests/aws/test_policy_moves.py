"""Policy matches across an enterprise's change of city (contract 13.1: the match, its sequence and its
delivery state survive the change of region; an ended match is retracted with `policy.unmatched`)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.domain.policies.events import policy_event_id
from chalicelib.services import matching
from chalicelib.services import policies as service
from chalicelib.stores import policies as store
from scripts.provision import Resources
from tests.aws.jobs_helpers import drain_jobs
from tests.aws.policy_helpers import WHITELISTED, drain, fields, policy_queue
from tests.aws.rescore_helpers import STRONG, P, enterprise, master, rescore, write_master

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
IN_NANCHANG = {
    "all": [
        {"field": "whitelisted", "op": "==", "value": True},
        {"field": "region_code", "op": "prefix", "value": ["3601"]},
    ]
}


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(matching, "_now", lambda: NOW)
    monkeypatch.setattr(service, "_now", lambda: NOW)


def _publish(aws: Resources, criteria: dict[str, object]) -> str:
    policy, _ = service.publish(service.create(fields(criteria), "sci").policy_id)
    drain_jobs(aws)
    return policy.policy_id


def _move(code: str, region: str) -> None:
    write_master(master(code, region))
    rescore([(code, None)], batch_id=f"b-move-{region}")


def test_a_city_move_keeps_matches_and_retracts_the_ended_one(aws: Resources) -> None:
    queue = policy_queue(aws)
    code = enterprise(1, STRONG, region="360111")
    rescore([(code, P)])
    anywhere = _publish(aws, WHITELISTED)
    nanchang = _publish(aws, IN_NANCHANG)
    assert sorted((e["policy_id"], e["sequence"]) for e in drain(queue)) == sorted(
        [(anywhere, 1), (nanchang, 1)]
    )
    assert store.record_delivery(anywhere, code, 1, state=store.DELIVERED, last_status=200, at="t")

    _move(code, "360702")  # to Ganzhou
    moved = drain(queue)
    assert [(e["type"], e["policy_id"], e["sequence"], e["region_code"]) for e in moved] == [
        ("policy.unmatched", nanchang, 2, "360702")
    ]
    assert moved[0]["id"] == policy_event_id(nanchang, code, 2)
    kept = store.match_of(anywhere, code)
    assert kept is not None and kept.matched and kept.sequence == 1
    assert kept.region_code == "360702" and kept.delivery.state == store.DELIVERED
    assert [m.credit_code for m in store.matches_of(anywhere, "3607", None, 10, None)[0]] == [code]
    assert store.matches_of(anywhere, "3601", None, 10, None)[0] == []
    assert [m.policy_id for m in store.enterprise_matches(code, P)] == [anywhere]

    _move(code, "360111")  # and back: matched afresh, the sequence goes on
    back = drain(queue)
    assert [(e["type"], e["policy_id"], e["sequence"]) for e in back] == [("policy.matched", nanchang, 3)]
    assert store.match_of(anywhere, code).sequence == 1  # type: ignore[union-attr]
    assert sorted(m.policy_id for m in store.enterprise_matches(code, P)) == sorted([anywhere, nanchang])
