"""Support records through the API (contract 8, 13): writes, the chain, versions, isolation, bad input."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from chalice.test import Client

from chalicelib.api.auth import department_ids, issue_key
from chalicelib.settings import get_settings
from chalicelib.stores.tables import SupportItem
from scripts.provision import Resources
from scripts.synthetic import credit_code
from tests.aws.api_helpers import Call, get_json, post_json, put_card

PERIOD = 2025
TODAY = datetime.now(UTC).date()


@pytest.fixture(scope="module")
def orgs(api_aws: Resources) -> dict[str, str]:
    """Keys of two banks, a department and admin."""
    departments = department_ids(get_settings().model_version)
    return {
        "bank-a": issue_key("bank", "A", departments=departments, org="jx-demo-bank-a"),
        "bank-b": issue_key("bank", "B", departments=departments, org="jx-demo-bank-b"),
        "sci": issue_key("department:sci", "科技厅", departments=departments),
        "tax": issue_key("department:tax", "税务", departments=departments),
        "admin": issue_key("admin", "admin", departments=departments),
    }


@pytest.fixture(scope="module")
def cards(api_aws: Resources) -> dict[str, str]:
    """Scored enterprises: a whitelisted grade-A one, a grade-C one (two periods), one never scored."""
    strong = put_card(credit_code(900_001), PERIOD, "812.5", region_code="360111").code
    weak = put_card(credit_code(900_002), PERIOD, "480", region_code="360702").code
    put_card(weak, PERIOD - 1, "455", region_code="360702")
    return {"strong": strong, "weak": weak, "unscored": credit_code(900_003)}


def loan(code: str, ref: str, **fields: Any) -> dict[str, Any]:
    body = {
        "credit_code": code,
        "external_ref": ref,
        "kind": "loan",
        "product": "积分贷",
        "status": "applied",
        "amount_wan": 500,
        "rate_pct": 3.45,
        "term_months": 12,
        "collateral": "credit",
        "occurred_on": "2026-03-02",
    }
    body.update(fields)
    return {k: v for k, v in body.items() if v is not None}


def post(client: Client, key: str, body: Any) -> tuple[int, Any]:
    return post_json(client, "/support", key, body)


def test_first_write_copies_the_card_and_answers_201(
    client: Client, orgs: dict[str, str], cards: dict[str, str]
) -> None:
    status, record = post(client, orgs["bank-a"], loan(cards["strong"], "LN-1"))
    assert status == 201, record
    assert record["org"] == "jx-demo-bank-a" and record["org_type"] == "bank"
    assert record["period"] == PERIOD and record["version"] == 1
    assert record["score_at_time"] == 812.5 and record["grade_at_time"] == "A"
    assert record["whitelisted_at_time"] is True
    assert record["model_version"] == get_settings().model_version
    assert record["amount_wan"] == 500 and record["rate_pct"] == 3.45
    status, again = get_json(client, f"/support/{record['record_id']}", orgs["bank-a"])
    assert status == 200 and again == record


def test_same_body_again_is_unchanged_and_moves_along_the_chain(
    client: Client, orgs: dict[str, str], cards: dict[str, str]
) -> None:
    key = orgs["bank-a"]
    status, first = post(client, key, loan(cards["strong"], "LN-2"))
    assert status == 201
    status, same = post(client, key, loan(cards["strong"], "LN-2"))
    assert status == 200 and same["version"] == 1 and same["recorded_at"] == first["recorded_at"]
    status, approved = post(client, key, loan(cards["strong"], "LN-2", status="approved"))
    assert status == 200 and approved["version"] == 2 and approved["record_id"] == first["record_id"]
    status, paid = post(client, key, loan(cards["strong"], "LN-2", status="disbursed", rate_pct=3.3))
    assert status == 200 and paid["version"] == 3 and paid["rate_pct"] == 3.3
    # the card fields never change, whatever the later writes
    assert paid["score_at_time"] == first["score_at_time"] and paid["period"] == first["period"]
    status, body = post(client, key, loan(cards["strong"], "LN-2", status="applied"))
    assert status == 409 and body["code"] == "INVALID_TRANSITION" and "status" in body["detail"]
    status, versions = get_json(client, f"/support/{first['record_id']}/versions", key)
    assert status == 200
    assert [v["status"] for v in versions["items"]] == ["applied", "approved", "disbursed"]
    assert [v["version"] for v in versions["items"]] == [1, 2, 3]


@pytest.mark.parametrize(
    ("current", "new", "ok"),
    [
        ("applied", "rejected", True),
        ("applied", "withdrawn", True),
        ("applied", "disbursed", False),
        ("approved", "rejected", False),
        ("rejected", "approved", False),
        ("withdrawn", "applied", False),
        ("disbursed", "repaid", True),
        ("repaid", "disbursed", False),
    ],
)
def test_status_moves_follow_the_chain(
    client: Client, orgs: dict[str, str], cards: dict[str, str], current: str, new: str, ok: bool
) -> None:
    ref = f"CHAIN-{current}-{new}"
    reason = {"reject_reason": "经营现金流不足"}
    start = loan(cards["weak"], ref, status=current, **(reason if current == "rejected" else {}))
    assert post(client, orgs["bank-b"], start)[0] == 201
    status, body = post(
        client, orgs["bank-b"], loan(cards["weak"], ref, status=new, **(reason if new == "rejected" else {}))
    )
    if ok:
        assert status == 200 and body["status"] == new and body["version"] == 2
    else:
        assert status == 409 and body["code"] == "INVALID_TRANSITION"


def test_period_picks_the_card_and_unscored_enterprises_are_refused(
    client: Client, orgs: dict[str, str], cards: dict[str, str]
) -> None:
    status, record = post(
        client, orgs["sci"], loan(cards["weak"], "SUB-1", kind="subsidy", collateral=None, period=PERIOD - 1)
    )
    assert status == 201, record
    assert record["org"] == "sci" and record["org_type"] == "department"
    assert (
        record["period"] == PERIOD - 1
        and record["score_at_time"] == 455
        and record["whitelisted_at_time"] is False
    )
    status, body = post(
        client, orgs["sci"], loan(cards["weak"], "SUB-1", kind="subsidy", collateral=None, period=PERIOD)
    )
    assert status == 400 and body["code"] == "INVALID_FIELD" and body["detail"].startswith("period")
    status, body = post(client, orgs["bank-a"], loan(cards["unscored"], "LN-X"))
    assert status == 409 and body["code"] == "ENTERPRISE_NOT_SCORED"
    status, body = post(client, orgs["bank-a"], loan(cards["weak"], "LN-Y", period=2019))
    assert status == 409 and body["code"] == "ENTERPRISE_NOT_SCORED"


BAD_FIELDS: list[tuple[dict[str, Any], int, str, str]] = [
    ({"amount_wan": -1}, 400, "INVALID_FIELD", "amount_wan"),
    ({"amount_wan": 1.234}, 400, "INVALID_FIELD", "amount_wan"),
    ({"rate_pct": 40}, 400, "INVALID_FIELD", "rate_pct"),
    ({"rate_pct": -0.5}, 400, "INVALID_FIELD", "rate_pct"),
    ({"term_months": 0}, 400, "INVALID_FIELD", "term_months"),
    ({"term_months": 361}, 400, "INVALID_FIELD", "term_months"),
    ({"kind": "gift"}, 400, "INVALID_FIELD", "kind"),
    ({"status": "paid"}, 400, "INVALID_FIELD", "status"),
    ({"collateral": "gold"}, 400, "INVALID_FIELD", "collateral"),
    ({"kind": "subsidy"}, 400, "INVALID_FIELD", "collateral"),  # collateral on a subsidy
    ({"status": "rejected"}, 400, "INVALID_FIELD", "reject_reason"),  # no reason
    ({"status": "rejected", "reject_reason": "x" * 501}, 400, "INVALID_FIELD", "reject_reason"),
    ({"reject_reason": "why"}, 400, "INVALID_FIELD", "reject_reason"),  # a reason without a rejection
    ({"occurred_on": "2026-02-30"}, 400, "INVALID_FIELD", "occurred_on"),
    ({"occurred_on": (TODAY + timedelta(days=30)).isoformat()}, 400, "INVALID_FIELD", "occurred_on"),
    ({"period": 1999}, 400, "INVALID_FIELD", "period"),
    ({"external_ref": ""}, 400, "INVALID_FIELD", "external_ref"),
    ({"external_ref": "x" * 101}, 400, "INVALID_FIELD", "external_ref"),
    ({"colour": "red"}, 400, "INVALID_FIELD", "colour"),
    ({"credit_code": "91360100MA35ABCD1X"}, 400, "CREDIT_CODE_CHECKSUM", "credit_code"),
    ({"credit_code": "123"}, 400, "INVALID_CREDIT_CODE", "credit_code"),
]


@pytest.mark.parametrize(("change", "status", "code", "field"), BAD_FIELDS)
def test_bad_fields_name_the_field_and_write_nothing(
    client: Client,
    orgs: dict[str, str],
    cards: dict[str, str],
    change: dict[str, Any],
    status: int,
    code: str,
    field: str,
) -> None:
    ref = "BAD-" + json.dumps(change, sort_keys=True)[:60]
    body = {**loan(cards["strong"], ref), **change}
    got, problem = post(client, orgs["bank-a"], body)
    assert (got, problem["code"]) == (status, code), problem
    assert problem["detail"].startswith(field) and problem["detail_zh"]
    listed = get_json(client, f"/support?credit_code={cards['strong']}&limit=500", orgs["bank-a"])[1]
    assert all(r["external_ref"] != ref for r in listed["items"])


def test_missing_fields_and_not_an_object(
    client: Client, orgs: dict[str, str], cards: dict[str, str]
) -> None:
    status, body = post(client, orgs["bank-a"], {"credit_code": cards["strong"], "external_ref": "M-1"})
    assert status == 400 and body["code"] == "INVALID_FIELD" and body["detail"].startswith("kind")
    status, body = post(client, orgs["bank-a"], [1, 2])
    assert status == 400 and body["code"] == "INVALID_BODY"


def test_batches_answer_per_item_in_order(
    client: Client, orgs: dict[str, str], cards: dict[str, str]
) -> None:
    items = [
        loan(cards["strong"], "B-1"),
        loan(cards["strong"], "B-2", rate_pct=40),
        loan(cards["unscored"], "B-3"),
        loan(cards["strong"], "B-1", status="approved"),  # the same identity again: applied in order
        {**loan(cards["strong"], "B-4"), "org": "jx-demo-bank-b"},  # another bank's name
        "not an object",
    ]
    status, body = post(client, orgs["bank-a"], {"items": items})
    assert status == 200, body
    results = body["items"]
    assert [r["status"] for r in results] == [201, 400, 409, 200, 403, 400]
    assert [r.get("code") for r in results] == [
        None,
        "INVALID_FIELD",
        "ENTERPRISE_NOT_SCORED",
        None,
        "FORBIDDEN",
        "INVALID_FIELD",
    ]
    assert results[0]["record_id"] == results[3]["record_id"]
    assert results[1]["detail"].startswith("rate_pct") and results[0]["external_ref"] == "B-1"
    status, record = get_json(client, f"/support/{results[0]['record_id']}", orgs["bank-a"])
    assert record["status"] == "approved" and record["version"] == 2
    # the same batch again: nothing new
    status, again = post(client, orgs["bank-a"], {"items": [loan(cards["strong"], "B-1", status="approved")]})
    assert again["items"] == [{"external_ref": "B-1", "status": 200, "record_id": results[0]["record_id"]}]


@pytest.mark.parametrize("items", [[], "x", None])
def test_empty_or_malformed_batches_are_refused(client: Client, orgs: dict[str, str], items: Any) -> None:
    status, body = post(client, orgs["bank-a"], {"items": items})
    assert status == 400 and body["code"] == "INVALID_FIELD" and body["detail"].startswith("items")


def test_501_items_and_5_mb_are_refused_whole(
    client: Client, orgs: dict[str, str], cards: dict[str, str]
) -> None:
    items = [loan(cards["strong"], f"BIG-{n}") for n in range(501)]
    status, body = post(client, orgs["bank-a"], {"items": items})
    assert status == 400 and body["code"] == "INVALID_FIELD" and "500" in body["detail"]
    huge = {"items": [loan(cards["strong"], "HUGE", product="贷" * (5 * 1024 * 1024 // 3))]}
    status, body = post(client, orgs["bank-a"], huge)
    assert status == 413 and body["code"] == "BODY_TOO_LARGE"
    listed = get_json(client, f"/support?credit_code={cards['strong']}&limit=500", orgs["bank-a"])[1]
    assert not any(r["external_ref"].startswith(("BIG-", "HUGE")) for r in listed["items"])


def test_org_isolation(client: Client, orgs: dict[str, str], cards: dict[str, str]) -> None:
    """Each reader against a record of bank A: the owner and admin see it, everyone else gets 404."""
    status, mine = post(client, orgs["bank-a"], loan(cards["weak"], "ISO-1", status="disbursed"))
    assert status == 201
    rid = mine["record_id"]
    for who, visible in [
        ("bank-a", True),
        ("admin", True),
        ("bank-b", False),
        ("sci", False),
        ("tax", False),
    ]:
        for path in (f"/support/{rid}", f"/support/{rid}/versions"):
            status, body = get_json(client, path, orgs[who])
            assert status == (200 if visible else 404), (who, path, body)
            if not visible:
                assert body["code"] == "SUPPORT_NOT_FOUND"
        listed = get_json(client, "/support?limit=500", orgs[who])[1]["items"]
        assert (rid in {r["record_id"] for r in listed}) is visible, who
        assert (
            all(
                r["org"] == {"bank-a": "jx-demo-bank-a", "bank-b": "jx-demo-bank-b"}.get(who, who)
                for r in listed
            )
            or who == "admin"
        )
    # bank B writing the same external_ref makes its own record, never touches A's
    status, theirs = post(client, orgs["bank-b"], loan(cards["weak"], "ISO-1"))
    assert status == 201 and theirs["record_id"] != rid
    assert get_json(client, f"/support/{rid}", orgs["bank-a"])[1]["status"] == "disbursed"
    # a bank naming another org in a filter sees nothing
    assert get_json(client, "/support?org=jx-demo-bank-a", orgs["bank-b"])[1]["items"] == []
    # a department may not read the enterprise summary route; a bank sees only its own records there
    assert get_json(client, f"/enterprises/{cards['weak']}/support", orgs["sci"])[0] == 403
    status, summary = get_json(client, f"/enterprises/{cards['weak']}/support", orgs["bank-b"])
    assert status == 200 and {r["org"] for r in summary["items"]} == {"jx-demo-bank-b"}
    assert summary["summary"]["institutions"] >= 3  # bank A, bank B, sci: totals only


def test_admin_writes_for_a_named_org(client: Client, orgs: dict[str, str], cards: dict[str, str]) -> None:
    status, body = post(client, orgs["admin"], loan(cards["strong"], "ADM-1"))
    assert status == 400 and body["code"] == "INVALID_FIELD" and body["detail"].startswith("org")
    status, record = post(client, orgs["admin"], {**loan(cards["strong"], "ADM-1"), "org": "jx-demo-bank-c"})
    assert status == 201 and record["org"] == "jx-demo-bank-c" and record["org_type"] == "bank"
    status, record = post(
        client,
        orgs["admin"],
        {**loan(cards["strong"], "ADM-2", kind="project", collateral=None), "org": "miit"},
    )
    assert status == 201 and record["org_type"] == "department"


def test_enterprise_summary_counts_every_institution(
    client: Client, orgs: dict[str, str], cards: dict[str, str]
) -> None:
    code = credit_code(900_010)
    put_card(code, PERIOD, "700", region_code="360402")
    post(
        client,
        orgs["bank-a"],
        loan(code, "S-1", status="disbursed", amount_wan=300, occurred_on="2026-01-05"),
    )
    post(
        client, orgs["bank-a"], loan(code, "S-2", status="repaid", amount_wan=100.5, occurred_on="2026-02-05")
    )
    post(
        client, orgs["bank-b"], loan(code, "S-3", status="approved", amount_wan=900, occurred_on="2026-04-01")
    )
    status, body = get_json(client, f"/enterprises/{code}/support", orgs["admin"])
    assert status == 200
    assert body["summary"] == {
        "records": 3,
        "institutions": 2,
        "disbursed_wan": 400.5,
        "latest_on": "2026-04-01",
    }
    assert len(body["items"]) == 3
    status, bank_b = get_json(client, f"/enterprises/{code}/support", orgs["bank-b"])
    assert bank_b["summary"] == body["summary"] and [r["external_ref"] for r in bank_b["items"]] == ["S-3"]
    # the portrait carries it: admin the totals, a bank its own records too
    status, portrait = get_json(client, f"/enterprises/{code}", orgs["admin"])
    assert status == 200 and portrait["support"]["summary"] == body["summary"]
    assert "items" not in portrait["support"]
    status, portrait = get_json(client, f"/enterprises/{code}", orgs["bank-a"])
    assert [r["external_ref"] for r in portrait["support"]["items"]] == ["S-2", "S-1"]


def test_overdue_lists_waiting_applications_of_whitelisted_enterprises(
    client: Client, orgs: dict[str, str], cards: dict[str, str]
) -> None:
    old = (TODAY - timedelta(days=30)).isoformat()
    recent = (TODAY - timedelta(days=3)).isoformat()
    waiting = post(client, orgs["bank-a"], loan(cards["strong"], "OD-1", occurred_on=old))[1]
    post(client, orgs["bank-a"], loan(cards["strong"], "OD-2", occurred_on=recent))  # not yet overdue
    post(client, orgs["bank-a"], loan(cards["weak"], "OD-3", occurred_on=old))  # not whitelisted
    decided = post(client, orgs["bank-a"], loan(cards["strong"], "OD-4", occurred_on=old))[1]
    post(client, orgs["bank-a"], loan(cards["strong"], "OD-4", occurred_on=old, status="approved"))
    other = post(client, orgs["bank-b"], loan(cards["strong"], "OD-5", occurred_on=old))[1]

    status, page = get_json(client, "/support/overdue?days=10", orgs["bank-a"])
    assert status == 200, page
    ids = [e["record"]["record_id"] for e in page["items"]]
    assert waiting["record_id"] in ids and decided["record_id"] not in ids and other["record_id"] not in ids
    assert all(e["record"]["org"] == "jx-demo-bank-a" for e in page["items"])
    entry = next(e for e in page["items"] if e["record"]["record_id"] == waiting["record_id"])
    assert entry["days_waiting"] == 30 and entry["region_code"] == "360111" and entry["grade_at_time"] == "A"
    refs = {e["record"]["external_ref"] for e in page["items"]}
    assert not refs & {"OD-2", "OD-3", "OD-4"}
    admin_ids = {
        e["record"]["record_id"] for e in get_json(client, "/support/overdue", orgs["admin"])[1]["items"]
    }
    assert {waiting["record_id"], other["record_id"]} <= admin_ids
    assert get_json(client, "/support/overdue", orgs["sci"])[0] == 403
    # a wider window includes the 3-day-old application
    wide = get_json(client, "/support/overdue?days=2", orgs["bank-a"])[1]
    assert "OD-2" in {e["record"]["external_ref"] for e in wide["items"]}


def test_lists_filter_and_page_newest_first(
    client: Client, orgs: dict[str, str], cards: dict[str, str]
) -> None:
    departments = department_ids(get_settings().model_version)
    key = issue_key("bank", "C", departments=departments, org="jx-list-bank")
    for n in range(7):
        kind = "loan" if n % 2 == 0 else "guarantee"
        body = loan(cards["strong"] if n < 5 else cards["weak"], f"P-{n}", kind=kind, collateral=None)
        assert post(client, key, body)[0] == 201
    seen, token, pages = [], None, 0
    while True:
        url = "/support?limit=3" + (f"&next_token={token}" if token else "")
        status, page = get_json(client, url, key)
        assert status == 200
        seen += page["items"]
        pages += 1
        token = page.get("next_token")
        if token is None:
            break
    assert pages == 3 and [r["external_ref"] for r in seen] == [f"P-{n}" for n in reversed(range(7))]
    loans = get_json(client, "/support?kind=loan", key)[1]["items"]
    assert {r["external_ref"] for r in loans} == {"P-0", "P-2", "P-4", "P-6"}
    by_region = get_json(client, "/support?region=3607", key)[1]["items"]
    assert {r["external_ref"] for r in by_region} == {"P-5", "P-6"}
    by_code = get_json(client, f"/support?credit_code={cards['weak']}", key)[1]["items"]
    assert {r["external_ref"] for r in by_code} == {"P-5", "P-6"}
    admin = get_json(client, "/support?org=jx-list-bank&status=applied&limit=500", orgs["admin"])[1]["items"]
    assert len(admin) == 7
    status, body = get_json(client, "/support?status=paid", key)
    assert status == 400
    status, body = get_json(client, "/support?next_token=abc.def", key)
    assert status == 400 and body["code"] == "INVALID_TOKEN"


def test_bank_key_without_org_cannot_be_issued() -> None:
    with pytest.raises(ValueError, match="org"):
        issue_key("bank", "no org", departments=())


def test_versions_are_kept_as_items(client: Client, orgs: dict[str, str], cards: dict[str, str]) -> None:
    record = post(client, orgs["bank-b"], loan(cards["strong"], "V-1"))[1]
    post(client, orgs["bank-b"], loan(cards["strong"], "V-1", status="withdrawn"))
    items = list(SupportItem.query(f"R#{record['record_id']}"))
    assert sorted(i.sk for i in items) == ["C", "V#000001", "V#000002"]


def test_explicit_nulls_are_not_given(client: Client, orgs: dict[str, str], cards: dict[str, str]) -> None:
    body = {**loan(cards["strong"], "NULLS"), "product": None, "reject_reason": None, "rate_pct": None}
    status, record = post(client, orgs["bank-a"], body)
    assert status == 201, record
    assert record["product"] is None and record["rate_pct"] is None


def test_support_files_are_presigned_into_the_callers_folder(client: Client, orgs: dict[str, str]) -> None:
    status, ticket = post_json(
        client, "/uploads", orgs["bank-a"], {"filename": "放款.csv", "kind": "support"}
    )
    assert status == 200 and ticket["key"] == "support/jx-demo-bank-a/放款.csv"
    status, ticket = post_json(client, "/uploads", orgs["sci"], {"filename": "补助.xlsx", "kind": "support"})
    assert status == 200 and ticket["key"] == "support/sci/补助.xlsx"
    status, ticket = post_json(client, "/uploads", orgs["sci"], {"filename": "data.csv"})
    assert status == 200 and ticket["key"] == "incoming/sci/data.csv"  # kind defaults to department data
    status, body = post_json(client, "/uploads", orgs["bank-a"], {"filename": "data.csv"})
    assert status == 403 and body["code"] == "FORBIDDEN"  # a bank sends no indicator data
    status, body = post_json(client, "/uploads", orgs["admin"], {"filename": "x.csv", "kind": "support"})
    assert status == 403
    status, body = post_json(client, "/uploads", orgs["bank-a"], {"filename": "x.csv", "kind": "gift"})
    assert status == 400


def test_admin_command_issues_bank_keys_with_their_institution(api_aws: Resources) -> None:
    from scripts import api_keys

    assert api_keys.main(["create", "--role", "bank", "--label", "无机构"]) == 2
    assert api_keys.main(["create", "--role", "bank", "--org", "Bad Org!"]) == 2
    assert api_keys.main(["create", "--role", "admin", "--org", "jx-demo-bank-a"]) == 2
    assert api_keys.main(["create", "--role", "department:tax", "--org", "sci"]) == 2
    assert api_keys.main(["create", "--role", "bank", "--org", "jx-cli-bank", "--label", "某银行"]) == 0
    from chalicelib.api.auth import list_keys

    assert any(k.role == "bank" and k.org == "jx-cli-bank" for k in list_keys())


def test_no_support_route_scans(
    client: Client, orgs: dict[str, str], cards: dict[str, str], aws_calls: list[Call]
) -> None:
    code, key = cards["strong"], orgs["bank-a"]
    aws_calls.clear()
    record = post(client, key, loan(code, "NS-1"))[1]
    post(client, key, {"items": [loan(code, "NS-1", status="approved"), loan(code, "NS-2")]})
    for who in ("bank-a", "admin", "sci"):
        for path in (
            "/support",
            "/support?period=2025&status=approved&kind=loan&region=3601",
            "/support?region=3607",
            f"/support?credit_code={code}",
            f"/support/{record['record_id']}",
            f"/support/{record['record_id']}/versions",
            "/support/overdue?days=5",
            f"/enterprises/{code}/support",
            f"/enterprises/{code}",
        ):
            assert get_json(client, path, orgs[who])[0] < 500, (who, path)
    operations = {operation for service, operation, _ in aws_calls if service == "dynamodb"}
    assert {"Query", "GetItem", "BatchGetItem", "TransactWriteItems"} <= operations
    assert "Scan" not in operations, operations


def test_a_record_changed_between_read_and_write_is_decided_again(
    client: Client, orgs: dict[str, str], cards: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.services import support as service
    from chalicelib.stores.support import SupportRepository

    key = orgs["bank-a"]
    record = post(client, key, loan(cards["strong"], "RACE-1"))[1]
    original = SupportRepository.write
    raced: list[int] = []

    def write_after_another(
        self: SupportRepository, rec: Any, placed: Any, previous: int | None, milestones: Any = None
    ) -> None:
        if not raced:  # another writer of the bank rejects the application first
            raced.append(1)
            stored = self.get(rec.record_id)
            assert stored is not None
            update = {"status": "rejected", "reject_reason": "额度不足", "version": 2, "recorded_at": "x"}
            original(self, stored.record.model_copy(update=update), stored.placed, 1)
        original(self, rec, placed, previous, milestones)

    monkeypatch.setattr(SupportRepository, "write", write_after_another)
    writer = service.Writer("jx-demo-bank-a", "bank")
    result = service.write_one(loan(cards["strong"], "RACE-1", status="approved"), writer)
    # decided again against the rejection, the approval is no longer a valid move: nothing overwritten
    assert result.problem is not None and result.problem.code == "INVALID_TRANSITION"
    versions = get_json(client, f"/support/{record['record_id']}/versions", key)[1]["items"]
    assert [v["status"] for v in versions] == ["applied", "rejected"]
    fresh = service.write_one(loan(cards["strong"], "RACE-2"), writer)
    assert fresh.record is not None and fresh.record.version == 1  # a fresh record writes once


def test_a_periods_current_records_for_reports(
    client: Client, orgs: dict[str, str], cards: dict[str, str]
) -> None:
    from chalicelib.stores.support import current_records_for_period

    post(client, orgs["bank-b"], loan(cards["weak"], "REP-1", status="disbursed"))
    post(client, orgs["bank-b"], loan(cards["weak"], "REP-1", status="repaid"))
    post(client, orgs["bank-b"], loan(cards["weak"], "REP-2", period=PERIOD - 1))
    current = {(r.org, r.external_ref): r for r in current_records_for_period(PERIOD)}
    assert current[("jx-demo-bank-b", "REP-1")].status == "repaid"  # the current version only
    assert ("jx-demo-bank-b", "REP-2") not in current
    assert all(r.period == PERIOD for r in current.values())
    earlier = {(r.org, r.external_ref) for r in current_records_for_period(PERIOD - 1)}
    assert ("jx-demo-bank-b", "REP-2") in earlier


def test_a_support_write_marks_its_period_for_the_report_builder(
    client: Client, orgs: dict[str, str], cards: dict[str, str]
) -> None:
    """Reports count support per period: a change is rebuilt on the builder's next run, not 15 minutes on."""
    from chalicelib.stores.reports import ReportsRepository

    reports = ReportsRepository()
    before = reports.mark(PERIOD)
    status, record = post(client, orgs["bank-b"], loan(cards["weak"], "LN-REPORT-MARK"))
    assert status == 201, record
    after = reports.mark(PERIOD)
    assert after is not None and after.marked_at is not None
    assert before is None or before.marked_at is None or after.marked_at > before.marked_at
    status, unchanged = post(client, orgs["bank-b"], loan(cards["weak"], "LN-REPORT-MARK"))
    assert status == 200 and unchanged["version"] == 1
    assert reports.mark(PERIOD) == after  # nothing changed, no new mark


def test_the_documented_body_describes_what_the_route_takes(
    client: Client, orgs: dict[str, str], cards: dict[str, str]
) -> None:
    """OpenAPI's request body of POST /support accepts the bodies the route accepts, and not others."""
    from chalicelib.api.support import SupportWriteBody

    document = get_json(client, "/openapi.json", orgs["admin"])[1]
    body_ref = document["paths"]["/support"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body_ref["$ref"].endswith("/SupportWriteBody")
    one = loan(cards["strong"], "LN-DOC-1")
    many = {"items": [loan(cards["strong"], "LN-DOC-2"), loan(cards["weak"], "LN-DOC-3")]}
    as_admin = {**loan(cards["weak"], "LN-DOC-4"), "org": "jx-demo-bank-b", "org_type": "bank"}
    assert post(client, orgs["bank-a"], one)[0] == 201
    assert post(client, orgs["bank-a"], many)[0] == 200
    assert post(client, orgs["admin"], as_admin)[0] == 201
    for body in (one, many, as_admin):
        SupportWriteBody.model_validate(body)  # raises if the document disagreed with the route
    with pytest.raises(ValueError):
        SupportWriteBody.model_validate({**one, "colour": "red"})
    assert post(client, orgs["bank-a"], {**one, "colour": "red"})[0] == 400
