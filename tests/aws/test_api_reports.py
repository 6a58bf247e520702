"""The report routes (contract 10): JSON, CSV, XLSX, publish and snapshots, indicator statistics."""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from chalice.test import Client
from openpyxl import load_workbook

from chalicelib.domain.regions import CITIES
from chalicelib.services.reports import SETTLE_S, ReportBuilder
from chalicelib.stores.reports import ReportsRepository
from scripts.synthetic import Seeded, credit_code, seed_many
from tests.aws.api_helpers import get_json, post_json, put_card

P = 2024  # a period of its own: other modules' fixtures seed 2025
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_WORKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="reports-test")


def get_raw(client: Client, path: str, key: str, accept: str = "*/*") -> Any:
    headers = {"X-API-Key": key, "Accept": accept}
    return _WORKER.submit(client.http.get, path, headers=headers).result()


_builds = itertools.count(1)


def build() -> None:
    """Mark the period as the listener would, then run the builder past the settle time (each call a
    minute later than the one before, so the mark is always newer than the last build)."""
    marked = datetime.now(UTC) + timedelta(minutes=next(_builds))
    ReportsRepository().mark_dirty(P, marked.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
    (built,) = ReportBuilder(clock=lambda: marked + timedelta(seconds=SETTLE_S + 1)).build_dirty()
    assert built.period == P


@pytest.fixture(scope="module")
def seeded(client: Client, keys: dict[str, str]) -> list[Seeded]:
    cards = seed_many(240, P, seed=11)
    build()
    return cards


def test_access_and_not_ready(client: Client, keys: dict[str, str]) -> None:
    assert get_json(client, "/reports/regions?period=2003", None)[0] == 401
    assert get_json(client, "/reports/regions?period=2003", keys["bank"])[0] == 403
    status, body = get_json(client, "/reports/regions?period=2003", keys["department:tax"])
    assert status == 404 and body["code"] == "REPORT_NOT_READY" and "2003" in body["detail_zh"]
    status, body = get_json(client, "/reports/regions?period=2024&level=county", keys["admin"])
    assert status == 400
    status, body = post_json(client, "/reports/regions/publish", keys["department:tax"], {"period": P})
    assert status == 403


def test_city_report_matches_the_cards(client: Client, keys: dict[str, str], seeded: list[Seeded]) -> None:
    status, body = get_json(client, f"/reports/regions?period={P}", keys["department:tax"])
    assert status == 200, body
    assert body["period"] == P and body["level"] == "city" and body["as_of"]
    assert [i["region_code"] for i in body["items"]] == list(CITIES)
    assert [i["name_zh"] for i in body["items"]] == list(CITIES.values())
    province = body["province"]
    assert province["enterprises"] == len(seeded)
    assert province["whitelist"] == sum(s.whitelisted for s in seeded)
    assert province["by_grade"] == dict(
        Counter({"A": 0, "B": 0, "C": 0, "D": 0}) + Counter(s.grade for s in seeded)
    )
    nanchang = [s for s in seeded if s.region_code.startswith("3601")]
    item = body["items"][0]
    scores = sorted(s.score for s in nanchang)
    assert item["enterprises"] == len(nanchang)
    assert Decimal(str(item["score"]["p90"])) == scores[-(-9 * len(scores) // 10) - 1]
    mean = (sum(scores) / len(scores)).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
    assert Decimal(str(item["score"]["mean"])) == mean
    assert isinstance(item["whitelist_share"], float) and 0 <= item["whitelist_share"] <= 1
    assert set(item["categories"]) == {
        "tech_innovation",
        "growth_operations",
        "auxiliary",
        "characteristic",
        "negative",
    }
    assert item["support"] == {
        "records": 0,
        "enterprises_disbursed": 0,
        "disbursed_wan": 0,
        "mean_rate_pct": None,
        "equity": {"records": 0, "enterprises": 0, "amount_wan": 0},  # contract 18
    }
    # cards outside the eleven cities count for the province only
    assert sum(i["enterprises"] for i in body["items"]) == len(
        [s for s in seeded if s.region_code[:4] in CITIES]
    )


def test_district_level(client: Client, keys: dict[str, str], seeded: list[Seeded]) -> None:
    status, body = get_json(client, f"/reports/regions?period={P}&level=district", keys["admin"])
    assert status == 200
    codes = [i["region_code"] for i in body["items"]]
    assert codes == sorted({s.region_code for s in seeded})
    assert sum(i["enterprises"] for i in body["items"]) == body["province"]["enterprises"]
    names = {i["region_code"]: i["name_zh"] for i in body["items"]}
    assert names["360111"] == "青山湖区" and names["360102"] == "东湖区"


def test_csv_opens_with_chinese_headers(client: Client, keys: dict[str, str], seeded: list[Seeded]) -> None:
    response = get_raw(client, f"/reports/regions.csv?period={P}", keys["admin"])
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    raw = response.body
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM: Excel and WPS then read UTF-8
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:3] == ["地区代码", "地区名称", "评价企业数"]
    assert "成长期企业数" in rows[0] and "白名单占比" in rows[0]
    assert [r[1] for r in rows[1:12]] == list(CITIES.values()) and rows[-1][1] == "江西省合计"
    assert int(rows[-1][2]) == len(seeded)


def test_xlsx_is_a_workbook_with_the_same_rows(
    client: Client, keys: dict[str, str], seeded: list[Seeded]
) -> None:
    refused = get_raw(client, f"/reports/regions.xlsx?period={P}", keys["admin"], accept="application/json")
    assert refused.status_code == 400  # a binary answer needs a client that accepts it
    response = get_raw(client, f"/reports/regions.xlsx?period={P}", keys["admin"])
    assert response.status_code == 200 and response.headers["Content-Type"] == XLSX
    sheet = load_workbook(io.BytesIO(response.body)).active
    values = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    assert values[0][0].startswith("江西省企业创新积分制试点成效通报（2024年度")
    header = next(i for i, row in enumerate(values) if row[0] == "地区代码")
    assert [r[1] for r in values[header + 1 : header + 12]] == list(CITIES.values())
    total = values[header + 12]
    assert total[1] == "江西省合计" and total[2] == len(seeded)


def test_statistics_filters(client: Client, keys: dict[str, str], seeded: list[Seeded]) -> None:
    status, body = get_json(client, f"/statistics/indicators?period={P}", keys["department:registry"])
    assert status == 200, body
    assert body["region"] == "36" and body["stage"] == "all" and len(body["indicators"]) == 18
    rd = body["indicators"]["rd_expense"]  # every seeded card carries rd_expense = 800
    assert (rd["present"], rd["missing"], rd["min"], rd["median"], rd["max"]) == (
        len(seeded),
        0,
        800,
        800,
        800,
    )
    growth_3601 = [s for s in seeded if s.region_code.startswith("3601") and s.stage == "growth"]
    status, body = get_json(
        client, f"/statistics/indicators?period={P}&region=3601&stage=growth", keys["admin"]
    )
    assert status == 200 and body["indicators"]["rd_expense"]["present"] == len(growth_3601)
    assert body["indicators"]["revenue_growth"]["present"] == 0  # not on the seeded cards
    assert get_json(client, f"/statistics/indicators?period={P}&region=360", keys["admin"])[0] == 400
    assert get_json(client, f"/statistics/indicators?period={P}&stage=young", keys["admin"])[0] == 400
    assert get_json(client, f"/statistics/indicators?period={P}", keys["bank"])[0] == 403


def test_a_snapshot_never_changes(client: Client, keys: dict[str, str], seeded: list[Seeded]) -> None:
    status, published = post_json(client, "/reports/regions/publish", keys["admin"], {"period": P})
    assert status == 201, published
    snapshot_id = published["snapshot_id"]
    status, first = get_json(client, f"/reports/snapshots/{snapshot_id}", keys["department:tax"])
    assert status == 200 and first == published
    assert first["province"]["enterprises"] == len(seeded)

    for n in range(12):  # more cards: the live report moves on, the snapshot does not
        put_card(credit_code(90_000 + n), P, "880", region_code="360111")
    build()
    status, live = get_json(client, f"/reports/regions?period={P}", keys["admin"])
    assert live["province"]["enterprises"] > len(seeded)
    status, again = get_json(client, f"/reports/snapshots/{snapshot_id}", keys["admin"])
    assert json.dumps(again, sort_keys=True) == json.dumps(first, sort_keys=True)

    sheet_response = get_raw(client, f"/reports/snapshots/{snapshot_id}.xlsx", keys["admin"])
    assert sheet_response.status_code == 200
    sheet = load_workbook(io.BytesIO(sheet_response.body)).active
    lines = [row[0] for row in sheet.iter_rows(values_only=True) if row and row[0]]
    assert any(str(line).startswith("发布日期") and snapshot_id in str(line) for line in lines)
    header = next(i for i, row in enumerate(sheet.iter_rows(values_only=True)) if row[0] == "地区代码")
    total_row = list(sheet.iter_rows(values_only=True))[header + 12]
    assert total_row[2] == len(seeded)  # the frozen figures, not the live ones
    assert get_json(client, "/reports/snapshots/nope", keys["admin"])[0] == 404


def test_bad_publish_bodies(client: Client, keys: dict[str, str]) -> None:
    assert post_json(client, "/reports/regions/publish", keys["admin"], {})[0] == 400
    assert post_json(client, "/reports/regions/publish", keys["admin"], {"period": 1999})[0] == 400
    status, body = post_json(client, "/reports/regions/publish", keys["admin"], {"period": 2004})
    assert status == 404 and body["code"] == "REPORT_NOT_READY"


def test_requests_read_built_items_only(
    client: Client, keys: dict[str, str], seeded: list[Seeded], aws_calls: list[Any]
) -> None:
    for path in (f"/reports/regions?period={P}", f"/statistics/indicators?period={P}&region=3601"):
        aws_calls.clear()
        assert get_json(client, path, keys["admin"])[0] == 200
        operations = [op for service, op, _ in aws_calls if service == "dynamodb"]
        assert "Scan" not in operations
        reads = [op for op in operations if op in ("Query", "GetItem")]
        # the key check, the mark, then the blocks of the province and one level (or one statistics item)
        assert len(reads) <= 4, operations
        tables = {params.get("TableName") for _, op, params in aws_calls if op in ("Query", "GetItem")}
        assert not any(str(t).endswith("-scores") for t in tables)  # never the score cards


def test_a_periods_snapshots_are_listed_newest_first(
    client: Client, keys: dict[str, str], seeded: list[Seeded]
) -> None:
    published = []
    for level in ("city", "district", "city"):
        status, body = post_json(
            client, "/reports/regions/publish", keys["admin"], {"period": P, "level": level}
        )
        assert status == 201, body
        published.append(body["snapshot_id"])
    status, first = get_json(client, f"/reports/snapshots?period={P}&limit=2", keys["department:tax"])
    assert status == 200 and len(first["items"]) == 2 and first["next_token"]
    status, rest = get_json(
        client, f"/reports/snapshots?period={P}&limit=2&next_token={first['next_token']}", keys["admin"]
    )
    assert status == 200
    listed = [i["snapshot_id"] for i in first["items"] + rest["items"]]
    assert listed[:3] == published[::-1]  # newest first (earlier tests may have published more)
    line = first["items"][1]
    assert line["level"] == "district" and line["published_by"] and line["enterprises"] >= len(seeded)
    other = get_json(
        client, f"/reports/snapshots?period={P - 1}&next_token={first['next_token']}", keys["admin"]
    )
    assert other[0] == 400 and other[1]["code"] == "INVALID_TOKEN"  # a token serves its own query only
    assert get_json(client, "/reports/snapshots", keys["admin"])[0] == 400  # the period is required
