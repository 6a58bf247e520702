"""Zones over the API (contracts 14, 15): the catalogue, membership records, zone filters, and the area
matrix — every role × every enterprise-level route × an enterprise inside and outside its area."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from chalice.test import Client

from chalicelib.api.auth import department_ids, issue_key
from chalicelib.settings import get_settings
from chalicelib.stores.scores import history_item
from scripts.provision import Resources
from scripts.synthetic import build_card, card_write, credit_code
from tests.aws.api_helpers import _WORKER, get_json, post_json, put_card
from tests.aws.zone_helpers import place

PERIOD = 2025
# E1: 南昌 (3601) in 南昌高新区; E2: 南昌, no zone; E3: 赣州 (3607) in 赣州高新区; E4: 赣州 in 赣州经开区
E1, E2, E3, E4 = (credit_code(n, "360100") for n in (901, 902, 903, 904))
PLACES = {E1: ("360111", "NC-HTZ"), E2: ("360102", None), E3: ("360702", "GZ-HTZ"), E4: ("360703", "GZ-ETZ")}
SCORES = {E1: "910", E2: "880", E3: "860", E4: "840"}

# who: (role, org)
KEYS = {
    "admin": ("admin", None),
    "bank": ("bank", "test-bank-z"),
    "department": ("department:tax", None),
    "investor": ("investor", "test-fund-z"),
    "city-3601": ("city", "3601"),
    "zone-NC-HTZ": ("zone", "NC-HTZ"),
    "enterprise-E1": ("enterprise", E1),
}
# which enterprises each key's area holds
AREA = {
    "admin": {E1, E2, E3, E4},
    "bank": {E1, E2, E3, E4},
    "department": {E1, E2, E3, E4},
    "investor": {E1, E2, E3, E4},
    "city-3601": {E1, E2},
    "zone-NC-HTZ": {E1},
    "enterprise-E1": {E1},
}
# every enterprise-level route (a {credit_code} in its path) and the keys it admits
ROUTES = {
    "/enterprises/{c}": {"admin", "bank", "investor", "city-3601", "zone-NC-HTZ", "enterprise-E1"},
    "/enterprises/{c}/history": {"admin", "bank", "investor", "city-3601", "zone-NC-HTZ", "enterprise-E1"},
    "/enterprises/{c}/zones": {
        *("admin", "bank", "investor", "department", "city-3601", "zone-NC-HTZ", "enterprise-E1")
    },
    "/enterprises/{c}/support": {"admin", "bank", "investor", "city-3601", "zone-NC-HTZ", "enterprise-E1"},
    "/enterprises/{c}/policies": {
        "admin",
        "bank",
        "investor",
        "department",
        "city-3601",
        "zone-NC-HTZ",
        "enterprise-E1",
    },
    "/enterprises/{c}/offers": {"admin", "bank", "investor", "city-3601", "zone-NC-HTZ", "enterprise-E1"},
    "/enterprises/{c}/cultivation": {"admin", "city-3601", "zone-NC-HTZ", "enterprise-E1"},
}


@pytest.fixture(scope="module")
def zone_keys(api_aws: Resources) -> dict[str, str]:
    departments = department_ids(get_settings().model_version)
    return {
        name: issue_key(role, name, departments=departments, org=org) for name, (role, org) in KEYS.items()
    }


@pytest.fixture(scope="module")
def placed(zone_keys: dict[str, str]) -> dict[str, str]:
    for code, (region, zone) in PLACES.items():
        place(code, region, zone)
        seeded = put_card(code, PERIOD, SCORES[code], region_code=region, zone_id=zone)
        card = build_card(code, PERIOD, seeded.score, seeded.stage)
        write = card_write(card, name="江西某科技有限公司", region_code=region, industry_code="C3911")
        history_item(write).save()
    return zone_keys


def put_json(client: Client, path: str, key: str, body: Any) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json", "X-API-Key": key}
    response = _WORKER.submit(client.http.put, path, headers=headers, body=json.dumps(body).encode()).result()
    return response.status_code, json.loads(response.body)


def _matrix() -> Iterator[tuple[str, str, str]]:
    for route in ROUTES:
        for who in KEYS:
            for code in (E1, E3):
                yield route, who, code


@pytest.mark.parametrize(("route", "who", "code"), list(_matrix()))
def test_the_area_matrix(client: Client, placed: dict[str, str], route: str, who: str, code: str) -> None:
    status, body = get_json(client, route.replace("{c}", code), placed[who])
    if who not in ROUTES[route]:
        assert (status, body["code"]) == (403, "FORBIDDEN"), body
    elif code in AREA[who]:
        assert status == 200, body
    else:  # outside the area: as if it did not exist, never 403
        assert (status, body["code"]) == (404, "ENTERPRISE_NOT_FOUND"), body


# the support list (contract 15): its readers, and per key the filters reaching outside its area (403)
SUPPORT_READERS = {"admin", "bank", "investor", "department", "city-3601", "zone-NC-HTZ"}
SEES_ALL_ORGS = {"admin", "city-3601", "zone-NC-HTZ"}  # a bank its own org's; others' records: none
OUTSIDE_FILTERS = {
    "city-3601": ("region=3607", "zone=GZ-HTZ", "region=360702&zone_type=hitech"),
    "zone-NC-HTZ": ("zone=GZ-HTZ", "zone=GZ-HTZ&zone_type=hitech"),
}


@pytest.fixture(scope="module")
def supported(client: Client, placed: dict[str, str]) -> dict[str, str]:
    """One loan of the bank on each enterprise."""
    items = [
        {
            "credit_code": code,
            "external_ref": f"Z-{code}",
            "kind": "loan",
            "status": "applied",
            "amount_wan": 100,
            "rate_pct": 3.45,
            "term_months": 12,
            "collateral": "credit",
            "occurred_on": "2026-03-02",
        }
        for code in PLACES
    ]
    status, body = post_json(client, "/support", placed["bank"], {"items": items})
    assert status == 200 and all(i["status"] == 201 for i in body["items"]), body
    return placed


@pytest.mark.parametrize(("who", "code"), [(who, code) for who in KEYS for code in (E1, E3)])
def test_the_area_matrix_of_the_support_list(
    client: Client, supported: dict[str, str], who: str, code: str
) -> None:
    """Every key × an enterprise inside and outside its area: a list answers the area's records only
    (never 404 or 403 for the enterprise), and a filter reaching outside the area is 403 OUTSIDE_AREA."""
    key = supported[who]
    status, body = get_json(client, f"/support?credit_code={code}", key)
    if who not in SUPPORT_READERS:
        assert (status, body["code"]) == (403, "FORBIDDEN"), body
        return
    assert status == 200, body
    visible = who in ("bank", *SEES_ALL_ORGS) and code in AREA[who]
    assert [i["external_ref"] for i in body["items"]] == ([f"Z-{code}"] if visible else []), who
    zone = PLACES[code][1]
    status, body = get_json(client, f"/support?zone={zone}", key)
    if who in OUTSIDE_FILTERS and code not in AREA[who]:
        assert (status, body["code"]) == (403, "OUTSIDE_AREA"), body
    else:
        assert status == 200, body
    for query in OUTSIDE_FILTERS.get(who, ()):
        status, body = get_json(client, f"/support?{query}", key)
        assert (status, body["code"]) == (403, "OUTSIDE_AREA"), (who, query)


def test_the_catalogue_is_read_by_any_key_and_edited_by_admin(client: Client, placed: dict[str, str]) -> None:
    for who in KEYS:
        status, body = get_json(client, "/zones", placed[who])
        assert status == 200 and len(body["items"]) >= 40, who
    item = next(z for z in body["items"] if z["zone_id"] == "NC-HTZ")
    assert item == {
        "zone_id": "NC-HTZ",
        "name_zh": "南昌高新技术产业开发区",
        "level": "national",
        "type": "hitech",
        "city_codes": ["3601"],
        "former_names": [],
        "status": "active",
        "merged_into": None,
        "pilot": True,
        "rollout_due": "2025-12-31",
    }
    new = {"name_zh": "江西测试工业园区", "level": "provincial", "type": "park", "city_codes": ["3609"]}
    assert put_json(client, "/zones/TEST-IP", placed["city-3601"], new)[0] == 403
    status, body = put_json(client, "/zones/TEST-IP", placed["admin"], new)
    assert status == 200 and body["rollout_due"] == "2026-12-31" and not body["pilot"]
    status, body = put_json(
        client,
        "/zones/TEST-IP",
        placed["admin"],
        new | {"name_zh": "江西测试高新技术产业园区", "type": "hitech"},
    )
    assert body["former_names"] == ["江西测试工业园区"] and body["pilot"]
    bad = [
        ("/zones/bad%20id", new, "zone_id"),
        ("/zones/TEST-IP", new | {"colour": "red"}, "colour"),
        ("/zones/TEST-IP", new | {"status": "merged", "merged_into": "TEST-IP"}, "itself"),
        ("/zones/TEST-IP", new | {"status": "merged", "merged_into": "NOPE-9"}, "NOPE-9"),
        ("/zones/TEST-IP", new | {"city_codes": ["4401"]}, "city_codes"),
        ("/zones/TEST-IP", new | {"status": "merged"}, "merged_into"),
    ]
    for path, body_, says in bad:
        status, problem = put_json(client, path, placed["admin"], body_)
        assert status == 400 and says in problem["detail"], (path, problem)


def test_membership_records_and_the_portrait_zone(client: Client, placed: dict[str, str]) -> None:
    status, body = get_json(client, f"/enterprises/{E1}/zones", placed["zone-NC-HTZ"])
    assert status == 200 and [m["zone_id"] for m in body["items"]] == ["NC-HTZ"]
    assert body["items"][0]["basis"] == "registration_authority" and body["items"][0]["valid_to"] is None
    status, body = get_json(client, f"/enterprises/{E1}", placed["city-3601"])
    assert body["zone"] == {
        "zone_id": "NC-HTZ",
        "name_zh": "南昌高新技术产业开发区",
        "level": "national",
        "type": "hitech",
    }
    assert get_json(client, f"/enterprises/{E2}", placed["admin"])[1]["zone"] is None


def _codes(client: Client, path: str, key: str) -> list[str]:
    status, body = get_json(client, path, key)
    assert status == 200, body
    return [item["credit_code"] for item in body["items"]]


def test_zone_filters_and_area_only_lists(client: Client, placed: dict[str, str]) -> None:
    admin, city, zone = placed["admin"], placed["city-3601"], placed["zone-NC-HTZ"]
    mine = set(PLACES)
    ranked = f"/rankings?period={PERIOD}"
    assert set(_codes(client, ranked, admin)) >= mine
    assert _codes(client, f"{ranked}&zone=NC-HTZ", admin) == [E1]
    assert set(_codes(client, f"{ranked}&zone_type=hitech", admin)) & mine == {E1, E3}
    assert set(_codes(client, f"{ranked}&zone_level=national", admin)) & mine == {E1, E3, E4}
    assert set(_codes(client, f"{ranked}&zone_type=econ&zone_level=national", admin)) & mine == {E4}
    assert _codes(client, ranked, zone) == [E1]
    assert set(_codes(client, ranked, city)) & mine == {E1, E2}
    assert all(c.startswith("91360100") or True for c in _codes(client, ranked, city))
    assert _codes(client, f"{ranked}&zone=NC-HTZ", city) == [E1]
    _, body = get_json(client, f"/whitelist?period={PERIOD}", zone)
    assert [(i["credit_code"], i["zone_id"]) for i in body["items"]] == [(E1, "NC-HTZ")]
    outside = [
        (city, f"{ranked}&region=3607"),
        (city, f"{ranked}&zone=GZ-HTZ"),
        (zone, f"{ranked}&zone=GZ-HTZ"),
        (city, f"/whitelist?period={PERIOD}&region=360702"),
    ]
    for key, path in outside:
        status, body = get_json(client, path, key)
        assert (status, body["code"]) == (403, "OUTSIDE_AREA"), path
    assert get_json(client, f"{ranked}&zone=bad", admin)[0] == 400


def test_zone_unit_list_uploads_are_confined_to_the_key_s_own_zone(
    client: Client, placed: dict[str, str]
) -> None:
    status, body = post_json(
        client, "/uploads", placed["zone-NC-HTZ"], {"filename": "名录.csv", "kind": "zone_members"}
    )
    assert status == 200 and body["key"] == "zones/NC-HTZ/名录.csv"
    status, body = post_json(
        client,
        "/uploads",
        placed["zone-NC-HTZ"],
        {"filename": "a.csv", "kind": "zone_members", "zone_id": "GZ-HTZ"},
    )
    assert (status, body["code"]) == (403, "OUTSIDE_AREA")
    assert post_json(client, "/uploads", placed["zone-NC-HTZ"], {"filename": "a.csv"})[0] == 403
    assert (
        post_json(client, "/uploads", placed["city-3601"], {"filename": "a.csv", "kind": "zone_members"})[0]
        == 403
    )
    status, body = post_json(
        client, "/uploads", placed["admin"], {"filename": "a.csv", "kind": "zone_members"}
    )
    assert status == 400
    status, body = post_json(
        client,
        "/uploads",
        placed["admin"],
        {"filename": "a.csv", "kind": "zone_members", "zone_id": "GZ-HTZ"},
    )
    assert status == 200 and body["key"] == "zones/GZ-HTZ/a.csv"
    status, body = get_json(client, "/batches?key=zones/GZ-HTZ/a.csv", placed["zone-NC-HTZ"])
    assert status == 403
    assert get_json(client, "/batches?key=zones/NC-HTZ/a.csv", placed["zone-NC-HTZ"])[0] == 200


def _policy(criteria: dict[str, Any]) -> dict[str, Any]:
    today = datetime.now(UTC).date()
    return {
        "title": "园区企业研发补助",
        "kind": "tech",
        "summary": "对园区内积分达标企业给予研发补助",
        "url": "https://kjt.jiangxi.gov.cn/art/2026/1/1/zone.html",
        "contact": "0791-86000000",
        "period": PERIOD,
        "valid_from": (today - timedelta(days=30)).isoformat(),
        "valid_to": (today + timedelta(days=300)).isoformat(),
        "criteria": criteria,
    }


def test_zone_criteria_and_local_policies_confined_to_the_issuer_s_area(
    client: Client, placed: dict[str, str]
) -> None:
    hitech = {"all": [{"field": "zone_type", "op": "==", "value": "hitech"}]}
    status, draft = post_json(client, "/policies", placed["admin"], _policy(hitech))
    assert status == 201, draft
    _, preview = post_json(client, f"/policies/{draft['policy_id']}/preview", placed["admin"], {})
    assert preview["matched"] == 2 and sorted(preview["sample"]) == sorted([E1, E3])
    anyone = {"all": [{"field": "score", "op": ">=", "value": 0}]}
    for who, expected in (("city-3601", {E1, E2}), ("zone-NC-HTZ", {E1})):
        status, draft = post_json(client, "/policies", placed[who], _policy(anyone))
        assert status == 201 and draft["issuer"] == KEYS[who][1], draft
        _, preview = post_json(client, f"/policies/{draft['policy_id']}/preview", placed[who], {})
        assert set(preview["sample"]) == expected, who  # whatever its criteria say
    status, _ = post_json(client, "/policies", placed["city-3601"], _policy(anyone) | {"issuer": "3607"})
    assert status == 403
    status, _ = post_json(client, "/policies", placed["city-3601"], _policy(anyone) | {"issuer": "3601"})
    assert status == 201
    no_zone = {"all": [{"field": "zone_id", "op": "exists", "value": False}]}
    _, draft = post_json(client, "/policies", placed["admin"], _policy(no_zone))
    _, preview = post_json(client, f"/policies/{draft['policy_id']}/preview", placed["admin"], {})
    assert E2 in preview["sample"] and E1 not in preview["sample"]


def test_what_if_on_an_enterprise_is_inside_the_area_only(client: Client, placed: dict[str, str]) -> None:
    body = {"period": PERIOD, "credit_code": E3, "changes": {"rd_expense": 900}}
    for who in ("city-3601", "zone-NC-HTZ"):
        status, problem = post_json(client, "/what-if", placed[who], body)
        assert (status, problem["code"]) == (404, "ENTERPRISE_NOT_FOUND"), (who, problem)
    status, _ = post_json(client, "/what-if", placed["city-3601"], body | {"credit_code": E1})
    assert status != 404


def test_a_city_user_s_whitelist_page_costs_no_more_requests_than_the_admin_s(
    client: Client, placed: dict[str, str], aws_calls: list[Any]
) -> None:
    counts = {}
    for who in ("admin", "city-3601", "zone-NC-HTZ"):
        get_json(client, "/zones", placed[who])  # the catalogue's edits read (cached for 30 s)
        aws_calls.clear()
        assert get_json(client, f"/whitelist?period={PERIOD}", placed[who])[0] == 200
        counts[who] = sum(1 for service, _, _ in aws_calls if service == "dynamodb")
    # the key's check, then one Query per city shard for admin; the city's shard alone for a city key
    assert counts["city-3601"] <= counts["admin"], counts
    assert counts["zone-NC-HTZ"] <= counts["admin"], counts
    print("DynamoDB requests of a whitelist page:", counts)
