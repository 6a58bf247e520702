"""Peers (contract 16) under moto: cohorts the report builder keeps, read in at most 3 requests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from chalice.test import Client

from chalicelib.api.auth import department_ids, issue_key
from chalicelib.settings import get_settings
from scripts.provision import Resources
from scripts.synthetic import credit_code
from tests.aws.api_helpers import Call, api_app, build_report, get_json, put_card
from tests.aws.rescore_helpers import master, write_master

P = 2025


@pytest.fixture
def client(aws: Resources) -> Iterator[Client]:
    with Client(api_app()) as c:
        yield c


def _key(role: str, org: str | None = None) -> str:
    return issue_key(role, "t", departments=department_ids(get_settings().model_version), org=org)


def test_cohorts_percentiles_and_figures(aws: Resources, client: Client, aws_calls: list[Call]) -> None:
    # growth, C3911, Nanchang: 500, 600, 700, 700; another industry in Nanchang: 800; Ganzhou: 650
    me = credit_code(1, "360111")
    cards = [
        (me, "600", "growth", "360111", "C3911"),
        (credit_code(2, "360111"), "500", "growth", "360111", "C3911"),
        (credit_code(3, "360102"), "700", "growth", "360102", "C3911"),
        (credit_code(4, "360103"), "700", "growth", "360103", "C3911"),
        (credit_code(5, "360104"), "800", "mature", "360104", "I6513"),
        (credit_code(6, "360702"), "650", "growth", "360702", "C3911"),
    ]
    for code, score, stage, region, industry in cards:
        put_card(code, P, score, stage, region_code=region, industry_code=industry)
    status, problem = get_json(client, f"/enterprises/{me}/peers", _key("admin"))
    assert status == 404 and problem["code"] == "REPORT_NOT_READY"
    build_report(P)
    key = _key("enterprise", me)
    aws_calls.clear()
    status, body = get_json(client, f"/enterprises/{me}/peers?period={P}", key)
    assert status == 200, body
    dynamodb = [c for c in aws_calls if c[0] == "dynamodb"]
    # the key lookup (GetItem of api_keys, cached afterwards) + the card/mark BatchGetItem + the cohorts
    assert len([c for c in dynamodb if c[1] == "BatchGetItem"]) == 2
    assert len(dynamodb) <= 3, [c[1] for c in dynamodb]
    assert body["period"] == P and body["score"] == 600
    cohorts = {c["kind"]: c for c in body["cohorts"]}
    assert set(cohorts) == {"stage", "industry", "city"}  # no zone yet
    stage = cohorts["stage"]  # growth: 500 600 650 700 700
    assert (stage["key"], stage["size"], stage["percentile"]) == ("growth", 5, 0.2)
    assert stage["score"] == {"mean": 630, "median": 650, "p90": 700}
    industry = cohorts["industry"]  # C3911: the same five
    assert (industry["key"], industry["size"], industry["percentile"]) == ("C3911", 5, 0.2)
    city = cohorts["city"]  # 3601: 500 600 700 700 800
    assert (city["key"], city["size"], city["percentile"]) == ("3601", 5, 0.2)
    assert city["score"] == {"mean": 660, "median": 700, "p90": 800}
    assert set(city["categories"]) == {
        "tech_innovation",
        "growth_operations",
        "auxiliary",
        "characteristic",
        "negative",
    }
    assert all(set(v) == {"mine", "mean"} for v in city["categories"].values())
    # the lowest of its cohort stands at 0, the highest below 1
    low = get_json(client, f"/enterprises/{credit_code(2, '360111')}/peers", _key("admin"))[1]
    assert {c["kind"]: c["percentile"] for c in low["cohorts"]}["stage"] == 0
    top = get_json(client, f"/enterprises/{credit_code(3, '360102')}/peers", _key("admin"))[1]
    assert {c["kind"]: c["percentile"] for c in top["cohorts"]}["stage"] == 0.6  # two at 700


def test_only_in_the_area(aws: Resources, client: Client) -> None:
    me, other = credit_code(1, "360111"), credit_code(2, "360702")
    put_card(me, P, "600", region_code="360111")
    write_master(master(me, "360111"))  # a city's area is read from the master record
    put_card(other, P, "600", region_code="360702")
    build_report(P)
    assert get_json(client, f"/enterprises/{other}/peers", _key("enterprise", me))[0] == 404
    assert get_json(client, f"/enterprises/{me}/peers", _key("city", "3607"))[0] == 404
    assert get_json(client, f"/enterprises/{me}/peers", _key("city", "3601"))[0] == 200
    assert get_json(client, f"/enterprises/{me}/peers", _key("department:tax"))[0] == 403
    assert (
        get_json(client, f"/enterprises/{me}/peers?period=2024", _key("admin"))[1]["code"]
        == "PERIOD_NOT_SCORED"
    )
