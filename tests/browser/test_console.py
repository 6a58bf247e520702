"""The console's pages that this API serves today, in a real browser: sign-in per role, whitelist,
enterprise portrait, upload with row errors, batch reports, and what a wrong key or role sees."""

from __future__ import annotations

import csv
import io
import re
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from chalicelib.domain.china import CHINA
from tests.browser.conftest import Console

pytestmark = [pytest.mark.browser, pytest.mark.slow]

BAD_CODE = "91310115MA1H8R7C6D"  # a check character that does not match: CREDIT_CODE_CHECKSUM


def _top_enterprise(console: Console) -> dict[str, Any]:
    status, page = console.api("/whitelist?limit=1", "bank")
    assert status == 200 and page["items"], page
    return dict(page["items"][0], period=page["period"])


def test_the_sign_in_page_loads_without_a_key_and_in_chinese(console: Console) -> None:
    started = time.monotonic()
    console.open()
    elapsed = time.monotonic() - started
    page = console.page
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.get_by_role("heading", name="登录").is_visible()
    assert page.get_by_label("API 密钥").get_attribute("type") == "password"
    assert not page.locator("nav#menu").is_visible()  # no menu before sign-in
    console.screenshot("sign-in")
    assert console.accessibility_faults() == []
    assert not console.errors, console.errors
    print(f"sign-in page ready in {elapsed:.2f} s")  # the figure; bench/bench_console.py measures it


def test_a_wrong_key_is_a_message_not_a_blank_page(console: Console) -> None:
    console.open()
    console.page.get_by_label("API 密钥").fill("ipk_this-key-does-not-exist")
    console.page.get_by_role("button", name="登录").click()
    alert = console.page.get_by_role("alert").filter(has_text="密钥无效")
    alert.wait_for()
    assert "重新登录" in alert.inner_text()
    assert console.page.evaluate("sessionStorage.length") == 0  # a bad key is not kept
    console.screenshot("sign-in-wrong-key")


@pytest.mark.parametrize(
    ("role", "shown", "hidden"),
    [
        # 数据上报: admin uploads zones' unit lists (contract 15)
        ("admin", {"白名单", "积分排名", "企业画像", "批次报告", "多源校核", "数据上报"}, set()),
        ("bank", {"白名单", "积分排名", "企业画像"}, {"多源校核", "省级看板"}),
        ("department:tax", {"数据上报", "批次报告"}, {"白名单", "积分排名", "企业画像", "多源校核"}),
    ],
)
def test_each_role_sees_the_menu_its_key_may_use(
    console: Console, role: str, shown: set[str], hidden: set[str]
) -> None:
    console.sign_in(role)
    menu = set(console.menu())
    assert shown <= menu and not hidden & menu, menu
    assert role.split(":")[-1] in console.page.locator("#role").inner_text() or "当前身份" in (
        console.page.locator("#role").inner_text()
    )
    # the key is kept for this tab only
    assert console.page.evaluate("sessionStorage.getItem('innovation-points.api-key')") == console.key(role)
    console.screenshot(f"menu-{role.replace(':', '-')}")
    assert not console.errors, console.errors


def test_the_menu_is_usable_with_the_keyboard(console: Console) -> None:
    console.sign_in("admin")
    page = console.page
    page.locator("nav#menu a").first.focus()
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == console.menu()[1]
    console.after(lambda: page.keyboard.press("Enter"))
    assert page.locator("nav#menu a[aria-current=page]").inner_text() == focused


def test_signing_out_forgets_the_key(console: Console) -> None:
    console.sign_in("bank")
    console.page.get_by_role("button", name="退出").click()
    console.page.get_by_label("API 密钥").wait_for()
    assert console.page.evaluate("sessionStorage.length") == 0


def test_a_page_the_role_may_not_use_says_so(console: Console) -> None:
    console.sign_in("department:tax")
    console.visit("#/whitelist")
    alert = console.page.get_by_role("alert")
    assert "无权" in alert.inner_text()


def test_whitelist_filters_pages_and_exports(console: Console) -> None:
    console.sign_in("bank")
    console.visit("#/whitelist")
    page = console.page
    status, api_page = console.api("/whitelist?limit=500", "bank")
    assert status == 200
    everyone = api_page["items"]
    assert len(everyone) >= 4, "the seeded province should whitelist a few enterprises"
    rows = page.locator("main table tbody tr")
    assert rows.count() == len(everyone)
    assert rows.first.locator("td").nth(1).inner_text() == everyone[0]["credit_code"]
    headers = page.locator("main table thead th").all_inner_texts()
    assert headers[:3] == ["序号", "统一社会信用代码", "企业名称"]
    console.screenshot("whitelist")
    assert console.accessibility_faults() == []

    # filters: a city from the select, then the form
    city = everyone[0]["region_code"][:4]
    page.get_by_label("地区").select_option(city)
    console.after(lambda: page.get_by_role("button", name="查询").click())
    expected = [e for e in everyone if e["region_code"].startswith(city)]
    assert page.locator("main table tbody tr").count() == len(expected)
    assert all(city in cell for cell in page.locator("main table tbody tr td:nth-child(4)").all_inner_texts())

    # paging with next_token, two at a time
    console.visit("#/whitelist?limit=2")
    first = page.locator("main table tbody tr td:nth-child(2)").all_inner_texts()
    console.after(lambda: page.get_by_role("button", name="下一页").click())
    second = page.locator("main table tbody tr td:nth-child(2)").all_inner_texts()
    assert first == [e["credit_code"] for e in everyone[:2]]
    assert second == [e["credit_code"] for e in everyone[2:4]]
    console.after(lambda: page.get_by_role("button", name="上一页").click())
    assert page.locator("main table tbody tr td:nth-child(2)").all_inner_texts() == first

    # CSV export: every page, Chinese headers, UTF-8 with BOM
    console.visit("#/whitelist")
    with page.expect_download() as download:
        page.get_by_role("button", name="导出 CSV").click()
    raw = Path(download.value.path()).read_bytes()
    assert raw.startswith("\ufeff".encode())
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert table[0][:3] == ["年度", "统一社会信用代码", "企业名称"]
    assert [r[1] for r in table[1:]] == [e["credit_code"] for e in everyone]
    assert download.value.suggested_filename.startswith("白名单_")


def test_the_portrait_shows_radar_indicators_sources_and_history(console: Console) -> None:
    top = _top_enterprise(console)
    console.sign_in("admin")
    console.visit("#/whitelist")
    console.after(lambda: console.page.get_by_role("link", name=top["credit_code"]).click())
    page = console.page
    assert top["name"] in page.locator("main h1").inner_text()
    assert page.locator("#score").inner_text() == str(top["score"])
    # the radar: five axes, one per category, each against its maximum
    axes = console.chart("#radar")["radar"][0]["indicator"]
    assert [a["name"] for a in axes] == ["技术创新", "成长经营", "辅助", "特色加分", "逆向扣分"]
    # the indicator table: value, points, explanation, source department and batch
    portrait = console.api(f"/enterprises/{top['credit_code']}?period={top['period']}")[1]
    table = page.locator("main table", has=page.locator("caption", has_text="指标明细"))
    assert table.locator("tbody tr").count() == len(portrait["indicators"])
    rd = table.locator("tbody tr", has_text="研发费用总额").first
    first = next(i for i in portrait["indicators"] if i["id"] == "rd_expense")
    cells = rd.locator("td").all_inner_texts()
    assert cells[3] == str(first["points"]) and cells[5] == first["explanation"] and cells[6] == "税务局"
    # the rank, and the report build it is as of (none when counted before the period's first build)
    facts = page.locator("dl.facts").inner_text()
    assert f"{portrait['rank']} / {portrait['cohort_size']}（同阶段全省" in facts
    as_of = portrait["rank_as_of"]
    assert (f"排名截至 {china_time(as_of)}" in facts) if as_of else ("截至" not in facts)
    # times for people are China time (issue 23, item 17): never the API's ISO UTC
    assert china_time(portrait["computed_at"]) in facts
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:", facts)
    # history: one line per period, the points of every score change
    series = [s["name"] for s in console.chart("#history-chart")["series"]]
    assert f"{top['period']} 年度" in series
    console.screenshot("portrait")
    assert console.accessibility_faults() == []
    # every point traced to its batch: the link opens the batch report
    console.after(lambda: rd.get_by_role("link").click())
    assert page.locator("#batch-status").inner_text() in ("已完成", "处理中")
    assert "税务局" in page.locator("main").inner_text()
    console.screenshot("batch")
    assert console.accessibility_faults() == []
    assert not console.errors, console.errors


def test_the_chart_library_is_loaded_once_and_nothing_from_another_host(console: Console) -> None:
    top = _top_enterprise(console)
    requested: list[str] = []
    console.page.on("request", lambda r: requested.append(r.url))
    library = lambda: [u for u in requested if "echarts.min.js" in u]  # noqa: E731
    console.sign_in("bank")  # a bank lands on the whitelist: no chart, so no library yet
    assert library() == []
    for _ in range(2):
        console.visit(f"#/enterprise/{top['credit_code']}")
        console.visit("#/whitelist")
    console.visit("#/rankings")
    assert len(library()) == 1 and library()[0].endswith("?v=6.1.0")
    origin = str(console.stack["api_url"]) + "/"
    assert [u for u in requested if not u.startswith(origin) and not u.startswith("data:")] == []


def test_an_unknown_enterprise_is_a_message(console: Console) -> None:
    console.sign_in("bank")
    console.visit(f"#/enterprise/{BAD_CODE}")
    alert = console.page.get_by_role("alert")
    assert "第 18 位" in alert.inner_text()  # the API's own Chinese detail, shown as it is


def test_an_upload_with_a_bad_row_shows_that_rows_chinese_message(console: Console, files: Path) -> None:
    top = _top_enterprise(console)
    upload = files / "2025年 研发费用补报.csv"
    upload.write_text(
        f"统一社会信用代码,年度,研发费用总额\n{top['credit_code']},2025,1200\n{BAD_CODE},2025,15\n",
        encoding="utf-8",
    )
    console.sign_in("department:tax")
    console.visit("#/upload")
    page = console.page
    assert "rd_expense" in page.locator("main").inner_text()  # what the department may send
    page.get_by_label("数据文件").set_input_files(str(upload))
    page.get_by_role("button", name="上传").click()
    page.locator("#upload-status .message.ok, #upload-status .message.error").wait_for(timeout=90000)
    assert "处理完成" in page.locator("#upload-status").inner_text()
    assert "接收 1 行，拒收 1 行" in page.locator("#batch-rows").inner_text()
    errors = page.locator("main table", has=page.locator("caption", has_text="行错误"))
    row = errors.locator("tbody tr")
    assert row.count() == 1
    cells = row.first.locator("td").all_inner_texts()
    assert cells[0] == "3" and cells[1] == "credit_code" and cells[2] == BAD_CODE
    assert cells[3] == "CREDIT_CODE_CHECKSUM" and "校验位" in cells[4]
    console.screenshot("upload")
    assert console.accessibility_faults() == []

    # another department's key may not read that batch: the 403 is a message
    batch_id = page.locator(".batch-report").get_attribute("data-batch-id")
    console.sign_in("department:sci")
    console.visit(f"#/batch/{batch_id}")
    assert "无权" in page.get_by_role("alert").inner_text()
    assert not [e for e in console.errors if "403" not in e], console.errors


def test_rankings_rank_within_the_filtered_set(console: Console) -> None:
    status, expected = console.api("/rankings?stage=growth&limit=500", "bank")
    assert status == 200 and expected["items"]
    console.sign_in("bank")
    assert "积分排名" in console.menu()
    console.visit("#/rankings?stage=growth")
    rows = console.page.locator("main table tbody tr")
    assert rows.count() == min(len(expected["items"]), 50)
    first = rows.first.locator("td").all_inner_texts()
    assert first[0] == "1" and first[1] == expected["items"][0]["credit_code"] and first[6] == "成长期"
    assert set(console.page.locator("main table tbody tr td:nth-child(7)").all_inner_texts()) == {"成长期"}
    console.screenshot("rankings")
    assert console.accessibility_faults() == []


def test_verifications_list_every_discrepancy(console: Console) -> None:
    status, expected = console.api("/verifications?limit=200")
    assert status == 200
    gaps = [d for e in expected["items"] for d in e["discrepancies"]]
    console.sign_in("admin")
    console.visit("#/verifications")
    rows = console.page.locator("main table tbody tr")
    if gaps:
        assert rows.count() == len(gaps)
        assert rows.first.locator("td").nth(8).inner_text() == f"{gaps[0]['gap_pct']}%"
    else:
        assert "没有超过 20% 的差异" in rows.first.inner_text()
    console.screenshot("verifications")
    assert console.accessibility_faults() == []


def test_names_read_as_chinese(console: Console) -> None:
    console.open()
    got = console.page.evaluate(
        """async () => {
          const n = await import("./names.js");
          return [n.criteriaValue("stage", ["startup", "growth"]), n.criteriaValue("whitelisted", true),
                  n.criteriaField("indicator.rd_expense", {rd_expense: "研发费用总额"}),
                  n.criteriaField("category.tech_innovation"), n.departmentName("admin"),
                  n.departmentName("derived"), n.regionLabel("360702")];
        }"""
    )
    assert got == [
        *("初创期、成长期", "是", "研发费用总额", "技术创新得分"),
        *("省级管理员", "系统计算", "赣州市（360702）"),
    ]


def china_time(stamp: str) -> str:
    """An API time (ISO UTC) as the console shows it: Beijing time to the minute."""
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
