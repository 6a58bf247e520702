"""The console's pages of the v2 features (reports, policies, models, what-if, support), in a browser.

Each page shows only when GET /openapi.json lists the routes it needs; until a feature is merged its
test skips with that reason, and runs once it is.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Console, needs

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CITY_COUNT = 11
BAD_CODE = "91310115MA1H8R7C6D"  # a check character that does not match: CREDIT_CODE_CHECKSUM


def _top_enterprise(console: Console) -> dict[str, Any]:
    status, page = console.api("/whitelist?limit=1", "bank")
    assert status == 200 and page["items"], page
    return dict(page["items"][0], period=page["period"])


def _wait(check: Any, what: str, timeout: float = 120) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = check()
        if got:
            return got
        time.sleep(1)
    pytest.fail(f"{what} within {timeout} s")


def test_the_province_dashboard_shows_eleven_cities_and_the_distributions(console: Console) -> None:
    needs(console, "GET /reports/regions")
    period = _top_enterprise(console)["period"]
    # the report builder runs on a schedule (within a minute of the period's scores)
    _wait(lambda: console.api(f"/reports/regions?period={period}")[0] == 200, "the region report is built")
    console.sign_in("admin")
    assert "省级看板" in console.menu()
    console.visit(f"#/dashboard?period={period}")
    page = console.page
    table = page.locator("main table", has=page.locator("caption", has_text="各设区市积分通报"))
    assert table.locator("tbody tr").count() == CITY_COUNT
    assert "南昌市" in table.locator("tbody tr").first.inner_text()
    cities = console.chart("#chart-cities")
    assert len(cities["xAxis"][0]["data"]) == CITY_COUNT
    report = console.api(f"/reports/regions?period={period}")[1]
    assert cities["series"][0]["data"] == [item["enterprises"] for item in report["items"]]
    grades = console.chart("#chart-grades")["series"][0]["data"]
    assert [g["name"] for g in grades] == ["A 级", "B 级", "C 级", "D 级"]
    assert sum(g["value"] for g in grades) == report["province"]["enterprises"]
    stages = console.chart("#chart-stages")["series"][0]["data"]
    assert [s["name"] for s in stages] == ["初创期", "成长期", "稳定期"]
    assert len(console.chart("#chart-movement")["series"]) == 2  # entered and left, per city
    console.screenshot("dashboard")
    assert console.accessibility_faults() == []
    assert not console.errors, console.errors


def test_a_department_sees_the_dashboard_too(console: Console) -> None:
    needs(console, "GET /reports/regions")
    console.sign_in("department:sci")
    assert "省级看板" in console.menu()


def test_policies_are_edited_previewed_published_and_matched(console: Console) -> None:
    needs(console, "GET /policies", "POST /policies", "POST /policies/{id}/preview")
    needs(console, "POST /policies/{id}/publish", "GET /enterprises/{credit_code}/policies")
    top = _top_enterprise(console)
    title = f"浏览器测试贴息政策 {time.time_ns()}"
    console.sign_in("admin")
    assert "政策管理" in console.menu()
    console.visit("#/policies/new")
    page = console.page
    page.get_by_label("政策名称").fill(title)
    page.get_by_label("年度").fill(str(top["period"]))
    page.get_by_label("摘要").fill("白名单内的初创期、成长期和稳定期企业可申请积分贷贴息。")
    page.get_by_label("链接").fill("https://example.gov.cn/policy/1")
    page.get_by_label("联系方式").fill("0791-00000000")
    page.get_by_role("button", name="JSON 高级视图").click()  # the builder's advanced view
    page.get_by_label("匹配条件（JSON）").fill(
        '{"all": [{"field": "whitelisted", "op": "==", "value": true},'
        ' {"field": "stage", "op": "in", "value": ["startup", "growth", "mature"]}]}'
    )
    console.after(lambda: page.get_by_role("button", name="创建草稿").click())
    assert "已保存" in page.locator("main").inner_text()
    page.get_by_role("button", name="预览匹配").click()
    matched = page.locator("#preview-matched")
    matched.wait_for()
    whitelisted = len(console.api(f"/whitelist?period={top['period']}&limit=500", "bank")[1]["items"])
    assert matched.inner_text() == str(whitelisted)
    console.screenshot("policies")
    assert console.accessibility_faults() == []
    page.on("dialog", lambda dialog: dialog.accept())
    console.after(lambda: page.get_by_role("button", name="发布").click())
    assert "已发布" in page.locator("main").inner_text()

    def matched_on_portrait() -> bool:
        status, body = console.api(f"/enterprises/{top['credit_code']}/policies?period={top['period']}")
        return status == 200 and any(p["title"] == title for p in body.get("items", []))

    _wait(matched_on_portrait, "the published policy should match the top enterprise")
    console.sign_in("bank")
    console.visit(f"#/enterprise/{top['credit_code']}?period={top['period']}")
    panel = page.locator("#matched-policies")
    panel.get_by_text(title).wait_for()
    assert "✓" in panel.inner_text()  # the reasons, leaf by leaf
    console.screenshot("portrait-policies")

    # a department's invalid criteria are answered with the path of the fault, in Chinese
    console.sign_in("department:sci")
    console.visit("#/policies/new")
    page.get_by_label("政策名称").fill("条件有误的政策")
    wrong = '{"all": [{"field": "no_such_field", "op": "==", "value": 1}]}'
    page.get_by_role("button", name="JSON 高级视图").click()
    page.get_by_label("匹配条件（JSON）").fill(wrong)
    page.get_by_role("button", name="创建草稿").click()
    assert "criteria.all[0]" in page.get_by_role("alert").inner_text()


def test_what_if_shows_the_delta(console: Console) -> None:
    needs(console, "POST /what-if")
    top = _top_enterprise(console)
    # the top enterprise's R&D spend cut to 1 万元: its R&D points (and those derived from it) fall
    target = "1"
    expected = console.api(
        "/what-if",
        body={"credit_code": top["credit_code"], "period": top["period"], "changes": {"rd_expense": target}},
    )[1]
    assert expected["delta"]["score"] < 0 and expected["delta"]["indicators"], expected["delta"]
    console.sign_in("bank")
    console.visit(f"#/enterprise/{top['credit_code']}?period={top['period']}")
    form = console.page.locator("#what-if")
    form.get_by_label("研发费用总额（万元）").fill(target)
    form.get_by_role("button", name="测算").click()
    form.get_by_text("积分变化").wait_for()
    text = form.inner_text()
    assert str(expected["delta"]["score"]) in text and str(expected["score"]) in text
    changed = form.locator("table", has=console.page.locator("caption", has_text="得分变化的指标"))
    assert changed.locator("tbody tr").count() == len(expected["delta"]["indicators"])
    assert "研发费用总额" in changed.inner_text()
    assert "不写入任何数据" in text
    console.screenshot("what-if")
    assert console.accessibility_faults() == []


def test_the_portrait_shows_the_support_received(console: Console) -> None:
    needs(console, "POST /support", "GET /enterprises/{credit_code}/support")
    top = _top_enterprise(console)
    record = {
        "credit_code": top["credit_code"],
        "external_ref": f"LN-BROWSER-{time.time_ns()}",
        "kind": "loan",
        "product": "积分贷",
        "status": "disbursed",
        "amount_wan": 500,
        "rate_pct": 3.45,
        "term_months": 12,
        "collateral": "credit",
        "occurred_on": "2026-03-02",
    }
    status, body = console.api("/support", "bank", body=record)
    assert status in (200, 201), body
    console.sign_in("bank")
    console.visit(f"#/enterprise/{top['credit_code']}?period={top['period']}")
    panel = console.page.locator("#support")
    panel.get_by_text(record["external_ref"]).or_(panel.get_by_text("积分贷")).first.wait_for()
    summary = console.api(f"/enterprises/{top['credit_code']}/support", "bank")[1]["summary"]
    assert str(summary["disbursed_wan"]) in panel.inner_text()
    console.screenshot("portrait-support")
    assert console.accessibility_faults() == []


def test_models_list_and_a_candidates_backtest(console: Console) -> None:
    needs(console, "GET /models", "GET /models/{version}")
    console.sign_in("admin")
    assert "模型版本" in console.menu()
    console.visit("#/models")
    page = console.page
    rows = page.locator("main table tbody tr")
    assert "生效中" in rows.filter(has_text="jx-2025.1-provisional").inner_text()
    if not console.has_routes("POST /models", "POST /models/{version}/backtest", "GET /jobs/{job_id}"):
        console.screenshot("models")
        assert console.accessibility_faults() == []
        return
    version = f"jx-browser-{time.time_ns() % 10**8}"
    change = {
        "base": "jx-2025.1-provisional",
        "version": version,
        "indicators": {"rd_expense": {"full": {"startup": 100, "growth": 500, "mature": 2500}}},
    }
    status, body = console.api("/models", body=change)
    assert status in (200, 201), body
    console.visit(f"#/models/{version}")
    page.get_by_label("回测年度").fill(str(_top_enterprise(console)["period"]))
    page.get_by_role("button", name="回测（与生效模型对比）").click()
    page.locator("#backtest-result").wait_for(timeout=120000)
    assert "新进入白名单" in page.locator("#backtest-result").inner_text()
    console.screenshot("models")
    assert console.accessibility_faults() == []


def test_a_bank_uploads_a_support_file_and_sees_its_row_errors(console: Console, files: Path) -> None:
    needs(console, "POST /uploads", "GET /support/files", "GET /enterprises/{credit_code}/support")
    top = _top_enterprise(console)
    ref = f"LN-FILE-{time.time_ns()}"
    upload = files / "积分贷放款.csv"
    upload.write_text(
        "credit_code,external_ref,kind,product,status,amount_wan,rate_pct,term_months,collateral,occurred_on\n"
        f"{top['credit_code']},{ref},loan,积分贷,disbursed,300,3.2,12,credit,2026-03-02\n"
        f"{BAD_CODE},{ref}-2,loan,积分贷,disbursed,100,3.2,12,credit,2026-03-02\n",
        encoding="utf-8",
    )
    console.sign_in("bank")
    assert "数据上报" in console.menu()
    console.visit("#/upload")
    page = console.page
    page.get_by_label("数据文件").set_input_files(str(upload))
    page.get_by_role("button", name="上传").click()
    page.locator("#upload-status .message.ok, #upload-status .message.error").wait_for(timeout=90000)
    errors = page.locator("main table", has=page.locator("caption", has_text="行错误"))
    cells = errors.locator("tbody tr").first.locator("td").all_inner_texts()
    assert cells[0] == "3" and cells[3] == "CREDIT_CODE_CHECKSUM", cells
    console.screenshot("upload-support")
