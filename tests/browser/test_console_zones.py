"""The console's zone pages (contract 19): zone filters, the 高新区通报 page, the coverage page, and a city or
zone user who sees its own area only — in a real browser against `make run`'s stack (issue 19)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.browser.conftest import Console, needs

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _sign_in_with(console: Console, key: str) -> None:
    console.open()
    console.page.get_by_label("API 密钥").fill(key)
    console.after(lambda: console.page.get_by_role("button", name="登录").click())


def _period(console: Console) -> int:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # the report builder runs within a minute of the scores
        status, body = console.api("/reports/zones")
        if status == 200:
            return int(body["period"])
        time.sleep(1)
    pytest.fail("no zone report within 120 s")


def _rows(console: Console, caption: str) -> list[str]:
    table = console.page.locator("main table", has=console.page.locator("caption", has_text=caption))
    return [t for t in table.locator("tbody tr").all_inner_texts()]


def test_the_zone_report_page_shows_the_hitech_league_table_and_its_chart(console: Console) -> None:
    needs(console, "GET /reports/zones")
    period = _period(console)
    console.sign_in("admin")
    assert {"高新区通报", "推广进度"} <= set(console.menu())
    console.visit(f"#/zones?period={period}")
    rows = _rows(console, "园区积分通报")
    report: dict[str, Any] = console.api(f"/reports/zones?period={period}&type=hitech")[1]
    assert len(rows) == len(report["items"]) >= 18  # 9 national and at least 9 provincial 高新区
    assert any("南昌高新技术产业开发区" in r for r in rows)
    chart = console.chart("#chart-zones")
    assert (
        chart["series"][0]["data"] == sorted((i["enterprises"] for i in report["items"]), reverse=True)[:20]
    )
    assert not console.accessibility_faults()
    assert console.page.get_by_role("button", name="导出 Excel").is_visible()
    console.screenshot("zones-report")
    assert not console.errors, console.errors


def test_the_coverage_page_shows_progress_and_missing_departments(console: Console) -> None:
    needs(console, "GET /coverage")
    period = _period(console)
    console.sign_in("admin")
    console.visit(f"#/coverage?period={period}&level=zone")
    rows = _rows(console, "推广进度")
    assert len(rows) >= 50 and any("南昌高新技术产业开发区" in r for r in rows)
    assert console.page.locator("main progress").count() == 2 * len(rows)
    assert not console.accessibility_faults()
    console.screenshot("coverage-zones")
    console.visit(f"#/coverage?period={period}&level=city")
    assert len(_rows(console, "推广进度")) == 11
    console.screenshot("coverage-cities")
    assert not console.errors, console.errors


def test_a_zone_user_sees_its_own_area_only(console: Console) -> None:
    needs(console, "GET /zones", "GET /coverage")
    period = _period(console)
    key = console.stack["zone_keys"]["NC-HTZ"]
    _sign_in_with(console, key)
    menu = console.menu()
    assert "高新区通报" in menu and "推广进度" in menu and "白名单" in menu
    assert "数据上报" in menu  # its unit list (名录)
    assert "产品管理" not in menu and "多源校核" not in menu  # banks' and departments' pages
    console.visit(f"#/coverage?period={period}")
    rows = _rows(console, "推广进度")
    assert len(rows) == 1 and "NC-HTZ" in rows[0]
    assert "按园区" in console.page.locator("main h1").inner_text()  # its own row is a zone's
    console.screenshot("zone-user-coverage")
    console.visit(f"#/whitelist?period={period}")
    listed = _rows(console, "白名单企业")
    assert listed and all("南昌高新技术产业开发区" in r for r in listed if "没有" not in r)
    assert console.page.locator("main select[name=zone]").count() == 0  # its own zone: nothing to choose
    console.screenshot("zone-user-whitelist")
    assert not console.errors, console.errors


def test_a_city_user_filters_by_the_zones_of_its_city(console: Console) -> None:
    needs(console, "GET /zones")
    period = _period(console)
    _sign_in_with(console, console.stack["city_keys"]["3601"])
    console.visit(f"#/rankings?period={period}")
    options = console.page.locator("main select[name=zone] option").all_inner_texts()
    assert any("南昌高新技术产业开发区" in o for o in options) and not any("赣州" in o for o in options)
    regions = console.page.locator("main select[name=region] option").all_inner_texts()
    assert regions == ["南昌市（3601）"]
    console.page.locator("main select[name=zone]").select_option("NC-HTZ")
    console.after(lambda: console.page.get_by_role("button", name="查询").click())
    rows = _rows(console, "积分排名")
    assert rows and all("南昌高新技术产业开发区" in r for r in rows if "没有" not in r)
    console.screenshot("city-user-rankings-zone")
    assert not console.errors, console.errors
