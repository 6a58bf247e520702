"""Banks' products and investors over the API (contract 18): bad input, offers, product_id, funnel."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from chalice.test import Client

from chalicelib.api.auth import department_ids, issue_key
from chalicelib.settings import get_settings
from scripts.provision import Resources
from scripts.synthetic import credit_code
from tests.aws.api_helpers import _WORKER, BANK_ORG, _body, get_json, post_json, put_card
from tests.aws.jobs_helpers import drain_jobs

P = 2023  # a period no other API test module seeds
TODAY = datetime.now(UTC).date()
TERMS = {
    "A": {"max_amount_wan": 500, "rate_pct": 3.45, "max_term_months": 24, "collateral": "credit"},
    "B": {"max_amount_wan": 200, "rate_pct": 3.85, "max_term_months": 12, "collateral": "credit"},
}


def _departments() -> frozenset[str]:
    return department_ids(get_settings().model_version)


@pytest.fixture(scope="module")
def other_bank(api_aws: Resources) -> str:
    return issue_key("bank", "other bank", departments=_departments(), org="jx-other-bank")


@pytest.fixture(scope="module")
def investor(api_aws: Resources) -> str:
    return issue_key("investor", "fund", departments=_departments(), org="jx-demo-fund")


@pytest.fixture(scope="module")
def cards(api_aws: Resources) -> dict[str, str]:
    a = put_card(credit_code(901, "360102"), P, "812.50", region_code="360102")  # grade A
    c = put_card(credit_code(902, "360702"), P, "500.00", region_code="360702")  # grade C: no terms
    return {"a": a.code, "c": c.code}


def put_json(client: Client, path: str, key: str, body: Any) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json", "X-API-Key": key}
    response = _WORKER.submit(client.http.put, path, headers=headers, body=json.dumps(body)).result()
    return response.status_code, _body(response)


def product(**extra: Any) -> dict[str, Any]:
    return {
        "title": "科创积分贷",
        "kind": "finance",
        "summary": "A 级、B 级企业纯信用贷款",
        "contact": "0791-88888888",
        "period": P,
        "valid_from": (TODAY - timedelta(days=30)).isoformat(),
        "valid_to": (TODAY + timedelta(days=300)).isoformat(),
        "criteria": {"all": [{"field": "score", "op": ">=", "value": 0}]},
        "product_type": "loan",
        "terms": TERMS,
        **extra,
    }


@pytest.mark.parametrize(
    ("terms", "path"),
    [
        ({"E": TERMS["A"]}, "terms.E"),
        ({"A": {**TERMS["A"], "max_amount_wan": -1}}, "terms.A.max_amount_wan"),
        ({"A": {**TERMS["A"], "rate_pct": 36.5}}, "terms.A.rate_pct"),
        ({"A": {**TERMS["A"], "max_term_months": 0}}, "terms.A.max_term_months"),
        ({"A": {**TERMS["A"], "max_term_months": 400}}, "terms.A.max_term_months"),
        ({}, "terms"),
    ],
)
def test_bad_terms_are_coded_and_name_their_path(
    client: Client, keys: dict[str, str], terms: Any, path: str
) -> None:
    status, problem = post_json(client, "/policies", keys["bank"], product(terms=terms))
    assert (status, problem["code"]) == (400, "INVALID_TERMS"), problem
    assert problem["detail"].startswith(f"{path}:")


def test_a_bank_writes_products_only_and_only_its_own(
    client: Client, keys: dict[str, str], other_bank: str, cards: dict[str, str]
) -> None:
    status, problem = post_json(client, "/policies", keys["bank"], product(kind="tech"))
    assert (status, problem["code"]) == (403, "FORBIDDEN")
    no_terms = {k: v for k, v in product().items() if k != "terms"}
    status, problem = post_json(client, "/policies", keys["bank"], no_terms)
    assert (status, problem["code"]) == (400, "INVALID_TERMS")
    status, problem = post_json(client, "/policies", keys["bank"], product(issuer="jx-other-bank"))
    assert status == 403

    status, draft = post_json(client, "/policies", keys["bank"], product())
    assert status == 201, draft
    assert (draft["issuer"], draft["product_type"], draft["terms"]) == (BANK_ORG, "loan", TERMS)
    pid = draft["policy_id"]
    assert put_json(client, f"/policies/{pid}", other_bank, product())[0] == 404
    assert post_json(client, f"/policies/{pid}/preview", other_bank, {})[0] == 404
    status, edited = put_json(client, f"/policies/{pid}", keys["bank"], product(title="科创积分贷（2026）"))
    assert status == 200 and edited["version"] == 2
    status, preview = post_json(client, f"/policies/{pid}/preview", keys["bank"], {})
    assert status == 200 and preview["sample"] == [cards["a"]]  # C has no terms


def test_publish_offers_product_id_and_the_funnel(
    api_aws: Resources, client: Client, keys: dict[str, str], other_bank: str, cards: dict[str, str]
) -> None:
    _, draft = post_json(client, "/policies", keys["bank"], product(title="科创信用贷"))
    pid = draft["policy_id"]
    # a draft cannot be named by a support record yet
    record = {
        "credit_code": cards["a"],
        "external_ref": "LN-P-1",
        "kind": "loan",
        "status": "applied",
        "occurred_on": (TODAY - timedelta(days=10)).isoformat(),
        "amount_wan": 300,
        "period": P,
        "product_id": pid,
    }
    status, problem = post_json(client, "/support", keys["bank"], record)
    assert (status, problem["code"]) == (400, "UNKNOWN_PRODUCT"), problem

    status, published = post_json(client, f"/policies/{pid}/publish", keys["bank"], {})
    assert status == 202, published
    drain_jobs(api_aws)
    status, matches = get_json(client, f"/policies/{pid}/matches", keys["bank"])
    assert status == 200, matches
    (item,) = matches["items"]
    assert (item["credit_code"], item["issuer"], item["terms"]) == (cards["a"], BANK_ORG, TERMS["A"])

    enterprise = issue_key("enterprise", "own", departments=_departments(), org=cards["a"])
    for key in (enterprise, keys["bank"], keys["admin"]):
        status, offers = get_json(client, f"/enterprises/{cards['a']}/offers?period={P}", key)
        assert status == 200, offers
        (offer,) = [o for o in offers["items"] if o["policy_id"] == pid]
        assert (offer["issuer"], offer["product_type"], offer["terms"]) == (BANK_ORG, "loan", TERMS["A"])
    status, none = get_json(client, f"/enterprises/{cards['c']}/offers?period={P}", keys["bank"])
    assert status == 200 and none["items"] == []
    assert get_json(client, f"/enterprises/{cards['c']}/offers", enterprise)[0] == 404  # not its own
    assert get_json(client, f"/enterprises/{cards['a']}/offers", keys["department:tax"])[0] == 403

    # support records naming the product: applied -> approved 4 days later -> disbursed above the rate
    status, first = post_json(client, "/support", keys["bank"], record)
    assert status == 201 and first["product_id"] == pid, first
    approved = {**record, "status": "approved", "occurred_on": (TODAY - timedelta(days=6)).isoformat()}
    assert post_json(client, "/support", keys["bank"], approved)[0] == 200
    paid = {**approved, "status": "disbursed", "rate_pct": 4.1, "term_months": 12}
    assert post_json(client, "/support", keys["bank"], paid)[0] == 200
    kept = {**paid, "external_ref": "LN-P-2", "amount_wan": 100, "rate_pct": 3.2}
    assert post_json(client, "/support", keys["bank"], kept)[0] == 201
    status, problem = post_json(client, "/support", other_bank, {**record, "external_ref": "X-1"})
    assert (status, problem["code"]) == (400, "UNKNOWN_PRODUCT")

    status, report = get_json(client, f"/reports/products?period={P}", keys["bank"])
    assert status == 200, report
    (row,) = [r for r in report["items"] if r["policy_id"] == pid]
    assert row["matched"] == 1 and row["issuer"] == BANK_ORG
    assert row["records"] == {
        "applied": 0,
        "approved": 0,
        "rejected": 0,
        "withdrawn": 0,
        "disbursed": 2,
        "repaid": 0,
    }
    assert row["disbursed_wan"] == 400
    assert row["mean_rate_pct"] == 3.88  # (300 * 4.1 + 100 * 3.2) / 400 = 3.875 -> 3.88
    assert row["terms_honoured"] == {"checked": 2, "honoured": 1, "share": 0.5}
    assert row["decision_days_median"] == 4
    status, theirs = get_json(client, f"/reports/products?period={P}", other_bank)
    assert status == 200 and pid not in [r["policy_id"] for r in theirs["items"]]
    assert get_json(client, f"/reports/products?period={P}", keys["department:tax"])[0] == 403

    # withdrawn: still nameable, no longer offered
    assert post_json(client, f"/policies/{pid}/withdraw", keys["bank"], {})[0] == 200
    assert post_json(client, "/support", keys["bank"], {**kept, "external_ref": "LN-P-3"})[0] == 201
    status, offers = get_json(client, f"/enterprises/{cards['a']}/offers?period={P}", keys["bank"])
    assert pid not in [o["policy_id"] for o in offers["items"]]


def test_an_investor_reads_as_a_bank_and_writes_equity_only(
    client: Client, investor: str, cards: dict[str, str]
) -> None:
    loan = {
        "credit_code": cards["a"],
        "external_ref": "EQ-1",
        "kind": "loan",
        "status": "disbursed",
        "occurred_on": (TODAY - timedelta(days=3)).isoformat(),
        "amount_wan": 1000,
        "period": P,
    }
    status, problem = post_json(client, "/support", investor, loan)
    assert (status, problem["code"]) == (403, "FORBIDDEN") and "kind" in problem["detail"]
    status, record = post_json(client, "/support", investor, {**loan, "kind": "equity"})
    assert status == 201, record
    assert (record["org"], record["org_type"], record["kind"]) == ("jx-demo-fund", "investor", "equity")
    status, theirs = get_json(client, f"/enterprises/{cards['a']}/support", investor)
    assert status == 200 and [r["external_ref"] for r in theirs["items"]] == ["EQ-1"]
    assert get_json(client, f"/enterprises/{cards['a']}?period={P}", investor)[0] == 200
    status, problem = post_json(client, "/policies", investor, product())
    assert status == 403
