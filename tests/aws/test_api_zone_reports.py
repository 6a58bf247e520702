"""Zone reports and coverage over the API (contract 14, 15): built by the report builder from the cards'
digests, read whole by every reader, coverage rows by area; CSV, XLSX and published snapshots."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import pytest
from chalice.test import Client
from openpyxl import load_workbook

from chalicelib.api.auth import department_ids, issue_key
from chalicelib.services.ingest import handle_sqs_event
from chalicelib.services.reports import ReportBuilder
from chalicelib.settings import get_settings
from chalicelib.stores.reports import ReportsRepository
from scripts.provision import Resources
from scripts.synthetic import credit_code
from tests.aws.api_helpers import _WORKER, get_json, post_json, put_card
from tests.aws.ingest_helpers import put, receive_event, rescore_messages

P = 2025
A, B, C, D, E = (credit_code(n, "360100") for n in (81, 82, 83, 84, 85))
REGISTRY = (
    "credit_code,name,established_on,region_code,industry_code,zone\n"
    f"{A},南昌甲科技有限公司,2015-03-05,360111,C39,NC-HTZ\n"
    f"{B},南昌乙科技有限公司,2016-03-05,360111,C39,南昌高新技术产业开发区\n"
    f"{C},南昌丙科技有限公司,2017-03-05,360121,C39,XL-ETZ\n"
    f"{D},南昌丁科技有限公司,2018-03-05,360102,C39,\n"
    f"{E},赣州戊科技有限公司,2018-03-05,360702,C39,GZ-HTZ\n"
)
CARDS = {
    A: ("360111", "NC-HTZ", "900"),
    B: ("360111", "NC-HTZ", "700"),
    C: ("360121", "XL-ETZ", "800"),
    D: ("360102", None, "650"),
}


@pytest.fixture(scope="module")
def zone_keys(api_aws: Resources) -> dict[str, str]:
    departments = department_ids(get_settings().model_version)
    keys = {
        "admin": ("admin", None),
        "tax": ("department:tax", None),
        "city": ("city", "3601"),
        "zone": ("zone", "NC-HTZ"),
        "bank": ("bank", "test-bank-r"),
    }
    return {
        name: issue_key(role, name, departments=departments, org=org) for name, (role, org) in keys.items()
    }


@pytest.fixture(scope="module")
def built(api_aws: Resources, zone_keys: dict[str, str]) -> dict[str, str]:
    put(api_aws, "incoming/registry/名录.csv", REGISTRY.encode())
    assert handle_sqs_event(receive_event(api_aws)) == {"batchItemFailures": []}
    rescore_messages(api_aws)
    for code, (region, zone, score) in CARDS.items():
        put_card(code, P, score, region_code=region, zone_id=zone)
    ReportBuilder().rebuild(P, ReportsRepository().mark(P))
    return zone_keys


def test_the_zone_report_lists_every_active_zone_with_every_block(
    client: Client, built: dict[str, str]
) -> None:
    for who in ("admin", "tax", "city", "zone"):
        status, report = get_json(client, f"/reports/zones?period={P}", built[who])
        assert status == 200, (who, report)
    assert get_json(client, f"/reports/zones?period={P}", built["bank"])[0] == 403
    by_id = {item["zone_id"]: item for item in report["items"]}
    assert len(by_id) >= 50 and list(by_id) == sorted(by_id)
    nc = by_id["NC-HTZ"]
    assert (nc["name_zh"], nc["level"], nc["type"], nc["city_codes"]) == (
        "南昌高新技术产业开发区",
        "national",
        "hitech",
        ["3601"],
    )
    assert nc["enterprises"] == 2 and nc["score"]["mean"] == 800 and nc["whitelist"] == 2
    assert set(nc) >= {
        "by_stage",
        "by_grade",
        "categories",
        "completeness_mean",
        "whitelist_share",
        "entered",
        "left",
        "support",
        "policy_matches",
    }
    assert by_id["XL-ETZ"]["enterprises"] == 1
    empty = by_id["GZ-HTZ"]  # its enterprise has no card: zeros and nulls
    assert empty["enterprises"] == 0 and empty["score"]["mean"] is None and empty["whitelist_share"] is None
    status, hitech = get_json(client, f"/reports/zones?period={P}&type=hitech&level=national", built["admin"])
    assert len(hitech["items"]) == 9 and {i["type"] for i in hitech["items"]} == {"hitech"}
    assert get_json(client, f"/reports/zones?period={P}&type=city", built["admin"])[0] == 400


def test_a_merged_zone_leaves_the_report_and_its_members_count_in_the_heir(
    client: Client, built: dict[str, str]
) -> None:
    headers = {"Content-Type": "application/json", "X-API-Key": built["admin"]}
    zone = {"name_zh": "南昌小蓝经济技术开发区", "level": "national", "type": "econ", "city_codes": ["3601"]}
    merge = json.dumps(zone | {"status": "merged", "merged_into": "NC-ETZ"}).encode()
    response = _WORKER.submit(client.http.put, "/zones/XL-ETZ", headers=headers, body=merge).result()
    assert response.status_code == 200, response.body
    ReportBuilder().rebuild(P, ReportsRepository().mark(P))
    _, report = get_json(client, f"/reports/zones?period={P}", built["admin"])
    by_id = {item["zone_id"]: item for item in report["items"]}
    assert "XL-ETZ" not in by_id and by_id["NC-ETZ"]["enterprises"] == 1
    _, ranked = get_json(client, f"/rankings?period={P}&zone=NC-ETZ", built["admin"])
    assert [(i["credit_code"], i["zone_id"]) for i in ranked["items"]] == [(C, "NC-ETZ")]
    _, coverage = get_json(client, f"/coverage?period={P}&level=zone", built["admin"])
    rows = {row["key"]: row for row in coverage["items"]}
    assert "XL-ETZ" not in rows and rows["NC-ETZ"]["registered"] == 1 and rows["NC-ETZ"]["scored"] == 1


def test_csv_xlsx_and_the_published_snapshot_hold_the_zones(client: Client, built: dict[str, str]) -> None:
    response = _WORKER.submit(
        client.http.get, f"/reports/zones.csv?period={P}", headers={"X-API-Key": built["city"]}
    ).result()
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
    text = response.body.decode("utf-8-sig")
    assert "南昌高新技术产业开发区" in text and "全部园区合计" in text
    response = _WORKER.submit(
        client.http.get,
        f"/reports/zones.xlsx?period={P}",
        headers={"X-API-Key": built["zone"], "Accept": "*/*"},
    ).result()
    assert response.status_code == 200, response.body[:300]
    sheet = load_workbook(io.BytesIO(response.body)).active
    assert any(row[1] == "南昌高新技术产业开发区" for row in sheet.iter_rows(values_only=True))
    status, snapshot = post_json(client, "/reports/regions/publish", built["admin"], {"period": P})
    assert status == 201, snapshot
    assert {z["zone_id"] for z in snapshot["zones"]} >= {"NC-HTZ", "GZ-HTZ"}
    status, again = get_json(client, f"/reports/snapshots/{snapshot['snapshot_id']}", built["zone"])
    assert status == 200 and again["zones"] == snapshot["zones"]


def test_coverage_rows_by_area(client: Client, built: dict[str, str]) -> None:
    status, body = get_json(client, f"/coverage?period={P}&level=city", built["admin"])
    assert status == 200 and len(body["items"]) == 11
    nanchang = next(row for row in body["items"] if row["key"] == "3601")
    assert nanchang["registered"] == 4 and nanchang["scored"] == 4 and nanchang["complete"] == 0
    assert nanchang["coverage"] == 1 and nanchang["complete_share"] == 0
    assert nanchang["departments"]["tax"] == 4 and "tax" not in nanchang["missing_departments"]
    assert "registry" not in nanchang["departments"] and "stats" not in nanchang["departments"]
    assert (
        nanchang["missing_departments"] == sorted(nanchang["missing_departments"])
        and nanchang["missing_departments"]
    )
    assert (nanchang["due"], nanchang["pilot"]) == ("2027-12-31", False)
    ganzhou = next(row for row in body["items"] if row["key"] == "3607")
    assert ganzhou["registered"] == 1 and ganzhou["scored"] == 0 and ganzhou["coverage"] == 0
    empty = next(row for row in body["items"] if row["key"] == "3602")
    assert empty["registered"] == 0 and empty["coverage"] is None
    status, own = get_json(client, f"/coverage?period={P}&level=city", built["city"])
    assert [row["key"] for row in own["items"]] == ["3601"]
    status, zones = get_json(client, f"/coverage?period={P}&level=zone", built["city"])
    assert {row["key"] for row in zones["items"]} >= {"NC-HTZ", "NC-ETZ", "GJXQ"} and "GZ-HTZ" not in {
        r["key"] for r in zones["items"]
    }
    for level in ("city", "zone"):
        _, mine = get_json(client, f"/coverage?period={P}&level={level}", built["zone"])
        [row] = mine["items"]
        assert row["key"] == "NC-HTZ" and row["registered"] == 2 and row["scored"] == 2
        assert (row["due"], row["pilot"]) == ("2025-12-31", True) and row["coverage"] == Decimal(1)
    assert get_json(client, f"/coverage?period={P}", built["tax"])[0] == 403


def test_indicator_statistics_of_a_zone(client: Client, built: dict[str, str]) -> None:
    status, body = get_json(client, f"/statistics/indicators?period={P}&zone=NC-HTZ", built["admin"])
    assert status == 200 and body["indicators"]["rd_expense"]["present"] == 2
    status, mine = get_json(client, f"/statistics/indicators?period={P}", built["zone"])
    assert status == 200 and mine["indicators"] == body["indicators"]
    status, city = get_json(client, f"/statistics/indicators?period={P}", built["city"])
    assert city["region"] == "3601" and city["indicators"]["rd_expense"]["present"] == 4
    status, problem = get_json(client, f"/statistics/indicators?period={P}&region=3607", built["city"])
    assert (status, problem["code"]) == (403, "OUTSIDE_AREA")


STATISTICS_BY_KIND = [  # (who, query, rd_expense present, region answered)
    ("admin", "zone_type=hitech", 2, "36"),  # A and B in 南昌高新区 (E has no card)
    ("admin", "zone_type=econ", 1, "36"),  # C in 小蓝经开区
    ("admin", "zone_level=national", 3, "36"),
    ("admin", "zone_type=econ&zone_level=national&region=3601", 1, "3601"),
    ("admin", "zone_type=park", 0, "36"),
    ("admin", "zone=NC-HTZ&zone_type=econ", 0, "36"),  # a 高新区 is no 经开区
    ("tax", "zone_level=provincial", 0, "36"),
    ("city", "zone_type=hitech", 2, "3601"),
    ("city", "zone_level=national", 3, "3601"),
    ("zone", "zone_type=hitech", 2, "36"),
    ("zone", "zone_type=econ", 0, "36"),
]


@pytest.mark.parametrize(("who", "query", "present", "region"), STATISTICS_BY_KIND)
def test_indicator_statistics_by_zone_type_and_level(
    client: Client, built: dict[str, str], who: str, query: str, present: int, region: str
) -> None:
    status, body = get_json(client, f"/statistics/indicators?period={P}&{query}", built[who])
    assert status == 200, body
    assert body["region"] == region and body["indicators"]["rd_expense"]["present"] == present


def test_indicator_statistics_by_zone_type_refuse_bad_and_outside_filters(
    client: Client, built: dict[str, str]
) -> None:
    path = f"/statistics/indicators?period={P}"
    status, problem = get_json(client, f"{path}&zone_type=hitech&region=3607", built["city"])
    assert (status, problem["code"]) == (403, "OUTSIDE_AREA")
    status, problem = get_json(client, f"{path}&zone_type=hitech&zone=GZ-HTZ", built["zone"])
    assert (status, problem["code"]) == (403, "OUTSIDE_AREA")
    status, problem = get_json(client, f"{path}&zone_level=national&region=360111", built["admin"])
    assert (status, problem["code"]) == (400, "INVALID_PARAMETER") and "region" in problem["detail"]
    assert problem["detail_zh"]
    for bad in ("zone_type=zoo", "zone_level=county"):
        status, problem = get_json(client, f"{path}&{bad}", built["admin"])
        assert (status, problem["code"]) == (400, "INVALID_PARAMETER"), bad
