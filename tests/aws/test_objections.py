"""Objections (contract 16) in process under moto: filing, routing, reading by role, resolving in one
transaction (and its crash points), withdrawing, the events and the rescore they lead to."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from chalicelib.services import objections as service
from chalicelib.services.relay import drain_outbox
from chalicelib.stores import objections as store
from chalicelib.stores.facts import FactsRepository
from chalicelib.stores.tables import OutboxItem
from scripts.provision import Resources
from tests.aws.objection_helpers import World, run_rescores, world
from tests.aws.policy_helpers import drain, policy_queue
from tests.aws.rescore_helpers import P


@pytest.fixture
def w(aws: Resources) -> Iterator[World]:
    yield from world(aws)


def _fact(code: str, indicator: str) -> Any:
    return FactsRepository().read(code).facts[P].get(indicator)


def test_an_enterprise_files_an_objection_routed_to_the_source_department(aws: Resources, w: World) -> None:
    events = policy_queue(aws)
    status, body = w.file()
    assert status == 201, body
    assert body["department"] == "tax"  # the source of the current rd_expense
    assert body["status"] == "open" and body["version"] == 1
    assert body["current_value"] == 1000 and body["claimed_value"] == 1500
    assert datetime.fromisoformat(body["due_on"]).weekday() < 5
    opened = drain(events)
    assert [e["type"] for e in opened] == ["objection.opened"]
    assert opened[0]["objection_id"] == body["objection_id"] and opened[0]["claimed_value"] == 1500
    # the same value again while open
    again, problem = w.file()
    assert again == 409 and problem["code"] == "OBJECTION_OPEN"
    # read back by who may read it, 404 for who may not
    oid = body["objection_id"]
    for who in ("enterprise", "admin", "tax", "city"):
        assert w.get(f"/objections/{oid}", who)[0] == 200, who
    for who in ("other", "sci", "city4"):
        assert w.get(f"/objections/{oid}", who)[0] == 404, who
    assert w.get(f"/objections/{oid}", "bank")[0] == 403


def test_master_fields_go_to_the_registry_and_unsent_values_to_who_may_send_them(w: World) -> None:
    status, body = w.file(field="master.name", claimed_value="江西更正科技有限公司")
    assert status == 201 and body["department"] == "registry", body
    status, body = w.file(field="indicator.high_tech_enterprise", claimed_value="是")
    assert status == 201 and body["department"] == "sci" and body["current_value"] is None, body
    assert body["claimed_value"] == 1


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"field": "indicator.rd_intensity"}, 400, "NOT_OBJECTABLE"),
        ({"field": "indicator.nonexistent"}, 400, "INVALID_FIELD"),
        ({"field": "master.zone"}, 400, "INVALID_FIELD"),
        ({"reason": ""}, 400, "INVALID_BODY"),
        ({"reason": "   "}, 400, "INVALID_BODY"),
        ({"reason": "理" * 5000}, 400, "INVALID_BODY"),
        ({"claimed_value": "一千"}, 400, "INVALID_VALUE"),
        ({"claimed_value": -5}, 400, "INVALID_VALUE"),
        ({"field": "master.region_code", "claimed_value": "440100"}, 400, "INVALID_VALUE"),
        ({"credit_code": "91360100MA35XXXXXX"}, 400, "CREDIT_CODE_CHECKSUM"),
    ],
)
def test_bad_filings_are_coded_and_write_nothing(
    w: World, change: dict[str, Any], status: int, code: str
) -> None:
    got, problem = w.file(**change)
    assert (got, problem["code"]) == (status, code), problem
    if code == "NOT_OBJECTABLE":
        assert (
            "indicator.rd_expense" in problem["detail"] and "indicator.operating_revenue" in problem["detail"]
        )
    if code == "INVALID_VALUE":
        assert problem["detail"].startswith("claimed_value")
    assert w.get("/objections", "admin")[1]["items"] == []
    assert OutboxItem.count() == 0 or all(i.topic != "objection" for i in OutboxItem.scan())


def test_another_enterprise_is_404_and_its_lists_are_403(w: World) -> None:
    status, problem = w.file(credit_code=w.other)
    assert status == 404 and problem["code"] == "ENTERPRISE_NOT_FOUND"
    assert w.get("/whitelist", "enterprise")[0] == 403
    assert w.get("/objections", "enterprise")[0] == 200


def test_a_correction_writes_the_fact_requests_the_rescore_and_publishes_once(
    aws: Resources, w: World
) -> None:
    events = policy_queue(aws)
    _, filed = w.file()
    oid = filed["objection_id"]
    drain(events)
    # only the answering department (or admin) resolves; another gets 404
    status, problem = w.post(f"/objections/{oid}/resolve", "sci", {"decision": "corrected"})
    assert status == 404 and problem["code"] == "OBJECTION_NOT_FOUND"
    status, body = w.post(
        f"/objections/{oid}/resolve", "tax", {"decision": "corrected", "reason": "核实属实"}
    )
    assert status == 200, body
    assert body["status"] == "corrected" and body["value"] == 1500 and body["version"] == 2
    fact = _fact(w.code, "rd_expense")
    assert fact.value.value == Decimal(1500)
    assert fact.value.batch_id == f"objection:{oid}" and fact.value.department == "tax"
    history = [
        i
        for i in FactsRepository().history(w.code)
        if (i.kind, i.period, i.indicator) == ("fact", 2025, "rd_expense")
    ]
    assert [i.batch_id for i in history] == [f"objection:{oid}"]
    resolved = drain(events)
    assert [e["type"] for e in resolved] == ["objection.resolved"]
    assert resolved[0]["decision"] == "corrected" and resolved[0]["value"] == 1500
    # the API relayed the event only; the scheduled drain sends the rescore request (the API may not
    # send to the rescore queue), with the objection's batch; the card follows it
    assert run_rescores(aws) == []
    assert drain_outbox(min_age_seconds=0) == 1
    requests = run_rescores(aws)
    assert [r["batch_id"] for r in requests] == [f"objection:{oid}"]
    assert {p["credit_code"] for r in requests for p in r["pairs"]} == {w.code}
    _, history_page = w.get(f"/enterprises/{w.code}/history", "enterprise")
    assert history_page["items"][0]["batch_id"] == f"objection:{oid}"
    # twice: 409
    status, problem = w.post(f"/objections/{oid}/resolve", "tax", {"decision": "rejected", "reason": "x"})
    assert status == 409 and problem["code"] == "INVALID_TRANSITION"
    _, versions = w.get(f"/objections/{oid}/versions", "enterprise")
    assert [(v["version"], v["status"]) for v in versions["items"]] == [(1, "open"), (2, "corrected")]


def test_a_correction_with_its_own_value_is_checked_as_an_upload_would(w: World) -> None:
    _, filed = w.file()
    oid = filed["objection_id"]
    status, problem = w.post(f"/objections/{oid}/resolve", "tax", {"decision": "corrected", "value": "abc"})
    assert status == 400 and problem["code"] == "INVALID_VALUE" and problem["detail"].startswith("value")
    assert _fact(w.code, "rd_expense").value.value == Decimal(1000)
    assert w.get(f"/objections/{oid}", "tax")[1]["status"] == "open"
    status, body = w.post(f"/objections/{oid}/resolve", "admin", {"decision": "corrected", "value": "1,200"})
    assert status == 200 and body["value"] == 1200
    assert _fact(w.code, "rd_expense").value.value == Decimal(1200)


def test_a_master_correction_and_an_absent_value(aws: Resources, w: World) -> None:
    _, filed = w.file(field="master.name", claimed_value="江西更正科技有限公司")
    status, _ = w.post(f"/objections/{filed['objection_id']}/resolve", "registry", {"decision": "corrected"})
    assert status == 200
    current = FactsRepository().read(w.code)
    assert current.master is not None and current.master.master.name == "江西更正科技有限公司"
    assert current.master.master.batch_id == f"objection:{filed['objection_id']}"
    _, filed = w.file(field="indicator.net_profit", claimed_value=None)
    status, body = w.post(f"/objections/{filed['objection_id']}/resolve", "tax", {"decision": "corrected"})
    assert status == 200 and body["value"] is None
    assert _fact(w.code, "net_profit") is None
    drain_outbox(min_age_seconds=0)  # the rescore requests leave through the scheduled drain
    requests = run_rescores(aws)
    # each correction rescores every period of the enterprise (so an upload's message it supersedes
    # loses nothing, domain/scoring/coalesce.py)
    assert [p.get("period") for r in requests for p in r["pairs"]] == [None, None]


def test_rejecting_needs_a_reason_and_changes_nothing(aws: Resources, w: World) -> None:
    _, filed = w.file()
    oid = filed["objection_id"]
    status, problem = w.post(f"/objections/{oid}/resolve", "tax", {"decision": "rejected"})
    assert status == 400 and problem["code"] == "INVALID_FIELD" and "reason" in problem["detail"]
    status, body = w.post(
        f"/objections/{oid}/resolve", "tax", {"decision": "rejected", "reason": "经核对原值无误"}
    )
    assert status == 200 and body["status"] == "rejected" and body["resolve_reason"] == "经核对原值无误"
    assert _fact(w.code, "rd_expense").value.value == Decimal(1000)
    assert run_rescores(aws) == []


def test_withdrawing_releases_the_value_and_publishes_nothing(aws: Resources, w: World) -> None:
    events = policy_queue(aws)
    _, filed = w.file()
    oid = filed["objection_id"]
    drain(events)
    assert w.post(f"/objections/{oid}/withdraw", "other", {})[0] == 404
    assert w.post(f"/objections/{oid}/withdraw", "tax", {})[0] == 403
    status, body = w.post(f"/objections/{oid}/withdraw", "enterprise", {})
    assert status == 200 and body["status"] == "withdrawn"
    assert w.post(f"/objections/{oid}/withdraw", "enterprise", {})[1]["code"] == "INVALID_TRANSITION"
    assert drain(events) == []
    assert w.file()[0] == 201  # the value may be contested again


def test_lists_by_role_and_overdue(w: World) -> None:
    long_ago = datetime(2025, 1, 6, 2, tzinfo=UTC)
    old = service.file_objection(
        service.Filing(w.code, P, "indicator.employees", 120, "人数有误"), clock=lambda: long_ago
    )
    assert old.due_on == "2025-01-20" and old.department == "hrss"
    _, fresh = w.file()
    _, other = w.post(
        "/objections",
        "other",
        {
            "credit_code": w.other,
            "period": P,
            "field": "indicator.rd_expense",
            "claimed_value": 1,
            "reason": "r",
        },
    )
    ids = lambda body: [i["objection_id"] for i in body["items"]]  # noqa: E731
    assert ids(w.get("/objections", "admin")[1]) == [
        other["objection_id"],
        fresh["objection_id"],
        old.objection_id,
    ]
    assert ids(w.get("/objections", "tax")[1]) == [other["objection_id"], fresh["objection_id"]]
    assert ids(w.get("/objections", "enterprise")[1]) == [fresh["objection_id"], old.objection_id]
    assert ids(w.get("/objections", "city")[1]) == [fresh["objection_id"], old.objection_id]
    assert ids(w.get("/objections?overdue=true", "admin")[1]) == [old.objection_id]
    assert w.get("/objections?overdue=true", "admin")[1]["items"][0]["overdue"] is True
    assert w.get("/objections?department=hrss", "tax")[0] == 403
    assert ids(w.get("/objections?department=hrss", "admin")[1]) == [old.objection_id]
    assert w.get("/objections", "bank")[0] == 403
    page, token = w.get("/objections?limit=1", "admin")[1], None
    token = page["next_token"]
    second = w.get(f"/objections?limit=1&next_token={token}", "admin")[1]
    assert ids(second) == [fresh["objection_id"]]


# --- the resolve transaction's crash points ---------------------------------------------------------


def test_a_facts_item_changed_meanwhile_writes_nothing_then_retries(
    aws: Resources, w: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, filed = w.file()
    oid = filed["objection_id"]
    real_read = FactsRepository.read
    stale = real_read(FactsRepository(), w.code)
    stale.version = (stale.version or 0) - 1  # another writer moved the item on since this read
    reads: list[str] = []

    def racing_read(self: FactsRepository, code: str) -> Any:
        reads.append(code)
        return stale if len(reads) == 1 else real_read(self, code)

    monkeypatch.setattr(FactsRepository, "read", racing_read)
    result = service.resolve_objection(oid, "corrected", reason=None, resolved_by="tax")
    assert result.status == "corrected" and len(reads) == 2  # the first transaction was refused whole
    assert [v.version for v in store.versions(oid)] == [1, 2]


def test_nothing_is_half_written_when_the_transaction_fails(
    aws: Resources, w: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, filed = w.file()
    oid = filed["objection_id"]
    real_read = FactsRepository.read

    def always_stale(self: FactsRepository, code: str) -> Any:
        current = real_read(self, code)
        current.version = (current.version or 0) + 7
        return current

    monkeypatch.setattr(FactsRepository, "read", always_stale)
    with pytest.raises(service.ObjectionConflictError):
        service.resolve_objection(oid, "corrected", reason=None, resolved_by="tax")
    monkeypatch.undo()
    assert _fact(w.code, "rd_expense").value.value == Decimal(1000)
    assert [v.version for v in store.versions(oid)] == [1]
    assert store.get(oid) is not None and store.get(oid).status == "open"  # type: ignore[union-attr]
    assert store.open_on(w.code, P, "indicator.rd_expense") == oid
    assert not [
        i for i in OutboxItem.scan() if i.topic in ("rescore",) or i.body.get("type") == "objection.resolved"
    ]
    assert run_rescores(aws) == []


def test_a_crash_after_the_commit_is_recovered_by_the_drain(aws: Resources, w: World) -> None:
    events = policy_queue(aws)
    _, filed = w.file()
    oid = filed["objection_id"]
    drain(events)

    def crash(_ids: list[str]) -> None:
        raise SystemExit("the Lambda died after the commit")

    with pytest.raises(SystemExit):
        service.resolve_objection(oid, "corrected", reason=None, resolved_by="tax", relay=crash)
    assert run_rescores(aws) == [] and drain(events) == []  # nothing sent yet, everything committed
    assert _fact(w.code, "rd_expense").value.value == Decimal(1500)
    assert drain_outbox(min_age_seconds=0) == 2
    assert [e["type"] for e in drain(events)] == ["objection.resolved"]
    assert [r["batch_id"] for r in run_rescores(aws)] == [f"objection:{oid}"]
    assert drain_outbox(min_age_seconds=0) == 0  # once


def test_the_portrait_shows_open_objections_and_the_enterprise_reads_its_own_file(
    w: World, aws_calls: list[Any]
) -> None:
    _, on_value = w.file()
    _, on_name = w.file(field="master.name", claimed_value="江西更正科技有限公司")
    w.get(f"/enterprises/{w.code}", "enterprise")  # the key remembered: a warm container
    aws_calls.clear()
    status, portrait = w.get(f"/enterprises/{w.code}", "enterprise")
    objection_reads = [c for c in aws_calls if "objections" in str(c[2].get("TableName", ""))]
    assert objection_reads == []  # the open objections come with the portrait's one BatchGetItem
    assert status == 200, portrait
    marks = {i["id"]: i.get("objection") for i in portrait["indicators"]}
    assert marks["rd_expense"] == {
        "objection_id": on_value["objection_id"],
        "status": "open",
        "due_on": on_value["due_on"],
    }
    assert marks["operating_revenue"] is None
    assert [o["objection_id"] for o in portrait["objections"]] == [on_name["objection_id"]]
    assert portrait["objections"][0]["field"] == "master.name"
    for path in ("", "/history", "/support", "/policies"):
        assert w.get(f"/enterprises/{w.code}{path}", "enterprise")[0] == 200, path
        assert w.get(f"/enterprises/{w.other}{path}", "enterprise")[0] == 404, path
    what_if = {"credit_code": w.code, "period": P, "changes": {"rd_expense": 2000}}
    assert w.post("/what-if", "enterprise", what_if)[0] == 200
    assert w.post("/what-if", "enterprise", {**what_if, "credit_code": w.other})[0] == 404
    w.post(f"/objections/{on_value['objection_id']}/withdraw", "enterprise", {})
    _, portrait = w.get(f"/enterprises/{w.code}", "admin")
    assert all("objection" not in i for i in portrait["indicators"])


def test_the_answer_is_forwarded_to_ganqitong_once_with_its_idempotency_key(
    aws: Resources, w: World, tmp_path: Any
) -> None:
    import os

    from chalicelib.settings import get_settings
    from scripts.ganqitong_standin import StandIn
    from tests.aws.test_delivery import run

    receiver = StandIn(tmp_path / "ganqitong.jsonl").start()
    os.environ |= {"GANQITONG_URL": receiver.url, "GANQITONG_RETRY_BASE_S": "0"}
    get_settings.cache_clear()
    try:
        _, filed = w.file()
        oid = filed["objection_id"]
        assert run(aws) == (0, 0)  # objection.opened is not forwarded (the queue's filter)
        receiver.fail_next(1, status=503)
        w.post(f"/objections/{oid}/resolve", "tax", {"decision": "rejected", "reason": "原值无误"})
        assert run(aws) == (1, 1)
        assert w.get(f"/objections/{oid}", "enterprise")[1]["delivery"] == {
            "state": "pending",
            "attempts": 1,
            "last_status": 503,
        }
        assert run(aws) == (1, 0)
        (line,) = receiver.lines()
        assert line["body"]["type"] == "objection.resolved" and line["body"]["objection_id"] == oid
        assert line["headers"]["Idempotency-Key"] == line["body"]["id"]
        assert w.get(f"/objections/{oid}", "enterprise")[1]["delivery"]["state"] == "delivered"
    finally:
        receiver.stop()
        del os.environ["GANQITONG_URL"], os.environ["GANQITONG_RETRY_BASE_S"]
        get_settings.cache_clear()
