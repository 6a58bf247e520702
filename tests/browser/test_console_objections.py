"""The enterprise's own page and a department's objection queue (contract 16, 19) in a browser."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest

from scripts.sample_enterprises import MIDDLING, WHITELISTED
from tests.browser.conftest import Console, needs

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _as(console: Console, key: str, path: str, body: Any = None) -> tuple[int, Any]:
    request = urllib.request.Request(
        console.stack["api_url"] + path,
        data=None if body is None else json.dumps(body).encode(),
        method="GET" if body is None else "POST",
        headers={"X-API-Key": key, "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"null")


def _sign_in_with(console: Console, key: str) -> None:
    console.open()
    console.page.get_by_label("API 密钥").fill(key)
    console.after(lambda: console.page.get_by_role("button", name="登录").click())


def test_an_enterprise_sees_its_peers_and_files_an_objection_from_an_indicator_row(console: Console) -> None:
    needs(console, "GET /enterprises/{credit_code}/peers", "POST /objections")
    key = console.stack["enterprise_keys"][WHITELISTED]
    _sign_in_with(console, key)
    page = console.page
    assert console.menu()[0] == "本企业"
    assert "白名单" not in console.menu()  # lists are not an enterprise's
    page.locator("#peers").wait_for()
    option = console.chart("#peers-chart")
    kinds = [x for x in option["xAxis"][0]["data"]]
    assert any(k.startswith("同阶段") for k in kinds) and any(k.startswith("同城市") for k in kinds)
    assert "已入选" in page.locator(".cards").inner_text()
    # the sample data's open objection on other_ip shows on its row; tax_paid has none yet
    rows = page.locator("#mine-indicators tbody tr")
    other_ip = rows.filter(has_text="其他有效知识产权数")
    assert "待答复" in other_ip.inner_text()
    tax_row = rows.filter(has_text="实缴税费总额")
    tax_row.get_by_role("button", name="提出异议").click()
    tax_row.get_by_label("实缴税费总额应为").fill("12,345")
    tax_row.get_by_label("异议理由").fill("2025 年补缴税款未计入，附完税证明。")
    console.after(lambda: tax_row.get_by_role("button", name="提交异议").click())
    tax_row = page.locator("#mine-indicators tbody tr").filter(has_text="实缴税费总额")
    assert "待答复" in tax_row.inner_text()
    mine = page.locator("#my-objections")
    assert "实缴税费总额" in mine.inner_text() and "12345" in mine.inner_text()
    assert "已更正" in mine.inner_text()  # the sample's corrected one
    console.screenshot("enterprise-own-page")
    assert console.accessibility_faults() == []
    assert console.errors == []


def test_a_department_answers_its_queue_overdue_first(console: Console) -> None:
    needs(console, "GET /objections", "POST /objections/{objection_id}/resolve")
    key = console.stack["enterprise_keys"][MIDDLING]
    status, portrait = _as(console, key, f"/enterprises/{MIDDLING}")
    assert status == 200, portrait
    status, filed = _as(
        console,
        key,
        "/objections",
        {
            "credit_code": MIDDLING,
            "period": portrait["period"],
            "field": "indicator.net_profit",
            "claimed_value": 321,
            "reason": "净利润按审计报告应为 321 万元",
        },
    )
    assert status == 201, filed
    # admin sees every queue: the sample's overdue objection comes first
    console.sign_in("admin")
    console.visit("#/objections")
    first = console.page.locator("#objection-queue tbody tr").first
    assert "已逾期" in first.inner_text()
    # the tax department answers its own: a corrected value
    console.sign_in("department:tax")
    console.visit("#/objections")
    form = console.page.locator(f"form.resolve-form[data-objection='{filed['objection_id']}']")
    form.get_by_label("更正值").fill("320.5")
    form.get_by_label("答复说明").fill("经核对审计报告，已更正。")
    console.after(lambda: form.get_by_role("button", name="提交答复").click())
    answered = console.page.locator("#objection-answered")
    answered.get_by_text("更正为 320.5").wait_for()
    console.screenshot("objection-queue")
    status, after = _as(console, console.key("admin"), f"/objections/{filed['objection_id']}")
    assert after["status"] == "corrected" and after["value"] == 320.5
    assert console.accessibility_faults() == []
    assert console.errors == []
