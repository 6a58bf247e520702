"""`GET /support` for city and zone keys and the zone filters (contracts 14, 15): every institution's records
on the area's enterprises only, `zone=`/`zone_type=`/`zone_level=` for every reader, a filter reaching
outside the area 403 `OUTSIDE_AREA`, the enterprise's zone taken as it is today, and a zone-filtered page
read within the list's budget (issue 23 item 6), with its DynamoDB requests counted."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from chalice.test import Client

from chalicelib.api.auth import department_ids, issue_key
from chalicelib.settings import get_settings
from scripts.provision import Resources
from scripts.synthetic import credit_code
from tests.aws.api_helpers import Call, get_json, post_json, put_card
from tests.aws.zone_helpers import place

PERIOD = 2025
# E1: 南昌 in 南昌高新区; E2: 南昌, no zone; E3: 赣州 in 赣州高新区; E4: 赣州 in 赣州经开区;
# E5: 南昌, no zone when its record was written, in 南昌高新区 since (a zone is current data)
E1, E2, E3, E4, E5 = (credit_code(n, "360100") for n in (951, 952, 953, 954, 955))
PLACES = {
    E1: ("360111", "NC-HTZ"),
    E2: ("360102", None),
    E3: ("360702", "GZ-HTZ"),
    E4: ("360703", "GZ-ETZ"),
    E5: ("360111", None),
}
ZONE = {E1: "NC-HTZ", E3: "GZ-HTZ", E4: "GZ-ETZ", E5: "NC-HTZ"}  # today
TYPE = {"NC-HTZ": "hitech", "GZ-HTZ": "hitech", "GZ-ETZ": "econ"}
CITY = {code: region[:4] for code, (region, _) in PLACES.items()}

KEYS = {
    "admin": ("admin", None),
    "bank": ("bank", "area-bank-a"),
    "sci": ("department:sci", None),
    "city-3601": ("city", "3601"),
    "zone-NC-HTZ": ("zone", "NC-HTZ"),
    "enterprise-E1": ("enterprise", E1),
}
MANY = 250  # records on E2 (南昌, no zone), newer than every other: a zone key's page passes them by
LIMIT = 5
BUDGET = (LIMIT + 1) * 20  # rows one page may examine in one partition (as the score index)

# ref -> (enterprise, writer)
RECORDS: dict[str, tuple[str, str]] = {
    **{f"A-{n}": (code, "bank") for n, code in enumerate((E1, E2, E3, E4, E5), start=1)},
    "S-1": (E1, "sci"),
    "S-3": (E3, "sci"),
    **{f"M-{n}": (E2, "bank") for n in range(MANY)},
}


def _body(code: str, ref: str, writer: str) -> dict[str, Any]:
    if writer == "sci":
        return {
            "credit_code": code,
            "external_ref": ref,
            "kind": "subsidy",
            "status": "disbursed",
            "amount_wan": 50,
            "occurred_on": "2026-03-02",
        }
    return {
        "credit_code": code,
        "external_ref": ref,
        "kind": "loan",
        "status": "applied",
        "amount_wan": 100,
        "rate_pct": 3.45,
        "term_months": 12,
        "collateral": "credit",
        "occurred_on": "2026-03-02",
    }


@pytest.fixture(scope="module")
def world(client: Client, api_aws: Resources) -> dict[str, str]:
    departments = department_ids(get_settings().model_version)
    keys = {
        name: issue_key(role, name, departments=departments, org=org) for name, (role, org) in KEYS.items()
    }
    for code, (region, zone) in PLACES.items():
        place(code, region, zone)
        put_card(code, PERIOD, "860", region_code=region, zone_id=zone)
    for writer in ("bank", "sci"):
        items = [
            _body(c, ref, w) for ref, (c, w) in RECORDS.items() if w == writer and not ref.startswith("M-")
        ]
        status, body = post_json(client, "/support", keys[writer], {"items": items})
        assert status == 200 and all(i["status"] == 201 for i in body["items"]), body
    many = [_body(c, ref, w) for ref, (c, w) in RECORDS.items() if ref.startswith("M-")]
    status, body = post_json(client, "/support", keys["bank"], {"items": many})
    assert status == 200 and all(i["status"] == 201 for i in body["items"]), body
    place(E5, "360111", "NC-HTZ")  # E5 joins 南昌高新区 after its record was written
    return keys


def walk(client: Client, path: str, key: str) -> list[str]:
    """The refs of every page of a list."""
    refs: list[str] = []
    token = None
    for _ in range(200):
        sep = "&" if "?" in path else "?"
        status, page = get_json(client, path + (f"{sep}next_token={token}" if token else ""), key)
        assert status == 200, (path, page)
        refs += [i["external_ref"] for i in page["items"]]
        token = page.get("next_token")
        if token is None:
            return refs
    raise AssertionError("no end of pages")


Wanted = Callable[[str, str], bool]  # (enterprise, writer) -> listed


def _in_zone(zone: str) -> Wanted:
    return lambda code, _writer: ZONE.get(code) == zone


def _of_type(kind: str) -> Wanted:
    return lambda code, _writer: TYPE.get(ZONE.get(code, ""), "") == kind


def _in_city(city: str) -> Wanted:
    return lambda code, _writer: CITY[code] == city


CASES: list[tuple[str, str, Wanted]] = [
    ("admin", "", lambda _c, _w: True),
    ("admin", "zone=NC-HTZ", _in_zone("NC-HTZ")),
    ("admin", "zone_type=hitech", _of_type("hitech")),
    ("admin", "zone_level=national", lambda c, _w: c in ZONE),
    ("admin", "zone_type=econ&zone_level=national", _in_zone("GZ-ETZ")),
    ("admin", "zone_type=park", lambda _c, _w: False),
    ("admin", "region=3607&zone_type=hitech", _in_zone("GZ-HTZ")),
    ("bank", "zone=GZ-HTZ", _in_zone("GZ-HTZ")),
    ("bank", "zone_type=hitech&kind=loan", _of_type("hitech")),
    ("sci", "zone_type=hitech", lambda c, w: w == "sci" and _of_type("hitech")(c, w)),
    ("sci", "", lambda _c, w: w == "sci"),
    ("city-3601", "", _in_city("3601")),
    ("city-3601", "zone=NC-HTZ", _in_zone("NC-HTZ")),
    ("city-3601", "zone_type=hitech", _in_zone("NC-HTZ")),
    ("city-3601", "zone_type=econ", lambda _c, _w: False),
    ("city-3601", "region=360102", lambda c, _w: c == E2),
    ("city-3601", "org=sci", lambda c, w: w == "sci" and CITY[c] == "3601"),
    ("city-3601", f"credit_code={E3}", lambda _c, _w: False),
    ("city-3601", f"credit_code={E1}", lambda c, _w: c == E1),
    ("zone-NC-HTZ", "", _in_zone("NC-HTZ")),
    ("zone-NC-HTZ", "zone=NC-HTZ", _in_zone("NC-HTZ")),
    ("zone-NC-HTZ", "zone_level=national&kind=subsidy", lambda c, w: w == "sci" and c == E1),
    ("zone-NC-HTZ", "zone_type=econ", lambda _c, _w: False),
    ("zone-NC-HTZ", "region=3607", lambda _c, _w: False),  # a zone key's region narrows within its zone
    ("zone-NC-HTZ", f"credit_code={E2}", lambda _c, _w: False),
]


@pytest.mark.parametrize(("who", "query", "wanted"), CASES, ids=[f"{w}?{q}" for w, q, _ in CASES])
def test_support_lists_answer_the_area_s_records_and_the_zone_filters(
    client: Client, world: dict[str, str], who: str, query: str, wanted: Wanted
) -> None:
    refs = walk(client, f"/support?limit=50&{query}", world[who])
    expected = {ref for ref, (code, writer) in RECORDS.items() if wanted(code, writer)}
    if who == "bank":
        expected = {ref for ref in expected if RECORDS[ref][1] == "bank"}
    assert sorted(refs) == sorted(expected)
    assert len(refs) == len(set(refs))


OUTSIDE = [
    ("city-3601", "region=3607"),
    ("city-3601", "region=36"),
    ("city-3601", "zone=GZ-HTZ"),
    ("zone-NC-HTZ", "zone=GZ-HTZ"),
    ("zone-NC-HTZ", "zone=NC-ETZ"),
]


@pytest.mark.parametrize(("who", "query"), OUTSIDE)
def test_a_filter_reaching_outside_the_area_is_403(
    client: Client, world: dict[str, str], who: str, query: str
) -> None:
    status, body = get_json(client, f"/support?{query}", world[who])
    assert (status, body["code"]) == (403, "OUTSIDE_AREA"), body
    assert body["detail"] and body["detail_zh"]


def test_routes_the_contract_does_not_open_to_city_and_zone_keys_stay_closed(
    client: Client, world: dict[str, str]
) -> None:
    """/support/overdue (bank, admin: contract 8) and one record by id (bank, department, admin)."""
    record_id = get_json(client, "/support?limit=1", world["bank"])[1]["items"][0]["record_id"]
    for who in ("city-3601", "zone-NC-HTZ"):
        for path in ("/support/overdue", f"/support/{record_id}", f"/support/{record_id}/versions"):
            status, body = get_json(client, path, world[who])
            assert (status, body["code"]) == (403, "FORBIDDEN"), (who, path)
    status, body = get_json(client, "/support", world["enterprise-E1"])
    assert (status, body["code"]) == (403, "FORBIDDEN")


def test_bad_zone_filters_are_400(client: Client, world: dict[str, str]) -> None:
    for query in ("zone=bad", "zone_type=zoo", "zone_level=county"):
        status, body = get_json(client, f"/support?{query}", world["admin"])
        assert (status, body["code"]) == (400, "INVALID_PARAMETER"), body


def test_a_token_is_bound_to_its_zone_filters(client: Client, world: dict[str, str]) -> None:
    status, page = get_json(client, "/support?limit=1&zone_type=hitech", world["admin"])
    assert status == 200 and page.get("next_token")
    status, body = get_json(
        client, f"/support?limit=1&zone_type=econ&next_token={page['next_token']}", world["admin"]
    )
    assert (status, body["code"]) == (400, "INVALID_TOKEN"), body


@pytest.fixture
def examined(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Rows each DynamoDB Query examined (ScannedCount), in order."""
    from botocore.client import BaseClient

    counts: list[int] = []
    original = BaseClient._make_api_call  # type: ignore[attr-defined]

    def recording(self: BaseClient, operation_name: str, api_params: dict[str, Any]) -> Any:
        result = original(self, operation_name, api_params)
        if operation_name == "Query":
            counts.append(int(result.get("ScannedCount", 0)))
        return result

    monkeypatch.setattr(BaseClient, "_make_api_call", recording)
    yield counts


def test_a_zone_key_s_pages_examine_a_bounded_number_of_rows(
    client: Client, world: dict[str, str], examined: list[int]
) -> None:
    """250 newer records of a 南昌 enterprise outside the zone: the zone key's short pages pass them by
    within the budget, and still reach every record of its zone."""
    refs: list[str] = []
    token, most, pages = None, 0, 0
    while True:
        examined.clear()
        path = f"/support?limit={LIMIT}" + (f"&next_token={token}" if token else "")
        status, page = get_json(client, path, world["zone-NC-HTZ"])
        assert status == 200, page
        most = max(most, sum(examined))
        refs += [i["external_ref"] for i in page["items"]]
        token, pages = page.get("next_token"), pages + 1
        if token is None:
            break
    assert sorted(refs) == ["A-1", "A-5", "S-1"]
    assert most <= BUDGET, most
    print(f"zone key, limit {LIMIT}: {pages} pages, at most {most} rows examined by one page")


def test_requests_per_page(client: Client, world: dict[str, str], aws_calls: list[Call]) -> None:
    """DynamoDB requests of one page of 5 (the key's check and the catalogue are cached after a first
    call)."""
    counts: dict[str, dict[str, int]] = {}
    for who, query in (
        ("admin", ""),
        ("admin", "zone=NC-HTZ"),
        ("city-3601", ""),
        ("zone-NC-HTZ", ""),
        ("bank", "zone=NC-HTZ"),
    ):
        path = f"/support?limit={LIMIT}&{query}"
        assert get_json(client, path, world[who])[0] == 200  # warm the key and catalogue caches
        aws_calls.clear()
        assert get_json(client, path, world[who])[0] == 200
        ops: dict[str, int] = {}
        for service, operation, _ in aws_calls:
            if service == "dynamodb":
                ops[operation] = ops.get(operation, 0) + 1
        counts[f"{who}?{query}"] = ops
    print("DynamoDB requests of one /support page:", counts)
    total = {name: sum(ops.values()) for name, ops in counts.items()}
    assert total["city-3601?"] <= total["admin?"], counts  # one city's partition, not twelve
    assert total["zone-NC-HTZ?"] <= total["admin?"], counts
    assert not any("Scan" in ops for ops in counts.values()), counts


def test_an_enterprise_s_support_lists_to_city_and_zone_keys_what_their_support_list_does(
    client: Client, world: dict[str, str]
) -> None:
    """`/enterprises/{code}/support` answers "the caller's visible records": for a city or zone key, every
    institution's records on an enterprise of its area, as `/support?credit_code=` lists them."""
    for who in ("city-3601", "zone-NC-HTZ"):
        status, body = get_json(client, f"/enterprises/{E1}/support", world[who])
        assert status == 200, body
        refs = sorted(i["external_ref"] for i in body["items"])
        assert refs == ["A-1", "S-1"] == sorted(walk(client, f"/support?credit_code={E1}", world[who]))
        assert body["summary"]["records"] == 2 and body["summary"]["institutions"] == 2
    status, body = get_json(client, f"/enterprises/{E1}/support", world["bank"])
    assert [i["external_ref"] for i in body["items"]] == ["A-1"]  # a bank: its own org's
