"""The 梯次培育 page and the portrait's qualifications and gaps (contract 17, 19), in a browser."""

from __future__ import annotations

import time
from typing import Any

import pytest

from scripts.sample_qualifications import PERIOD, near_miss
from tests.browser.conftest import Console, needs

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _wait(check: Any, what: str, timeout: float = 180) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = check()
        if got:
            return got
        time.sleep(2)
    pytest.fail(f"{what} within {timeout} s")


def _candidates(console: Console, program: str, unmet: int) -> list[dict[str, Any]]:
    status, page = console.api(f"/cultivation/{program}?period={PERIOD}&max_unmet={unmet}&limit=500")
    return list(page["items"]) if status == 200 else []


def test_the_cultivation_page_lists_candidates_with_their_gaps_and_exports_them(console: Console) -> None:
    needs(console, "GET /cultivation", "GET /cultivation/{program}")
    demo = {d["code"] for d in near_miss()}
    # the sample's near-miss enterprises are candidates once the report builder has run (its minute)
    _wait(lambda: demo & {i["credit_code"] for i in _candidates(console, "hnte", 1)}, "hnte candidates built")
    for program in ("tech_sme", "hnte", "srdi"):
        unmet = {i["unmet"] for i in _candidates(console, program, 1) if i["credit_code"] in demo}
        assert unmet == {0, 1}, (program, unmet)
    console.sign_in("admin")
    assert "梯次培育" in console.menu()
    console.visit(f"#/cultivation?program=hnte&period={PERIOD}&max_unmet=1")
    page = console.page
    page.get_by_role("heading", name="梯次培育：高新技术企业候选企业（2025 年度）").wait_for()
    table = page.locator("main table")
    assert "研发费用占比" in table.locator("thead").inner_text()
    one_short = next(d for d in near_miss() if "差一项" in d["name"])
    row = table.locator("tbody tr", has_text=one_short["code"])
    assert "1 项" in row.inner_text() and "差 1" in row.inner_text()  # R&D 4 % against the ≥ 5 band
    with page.expect_download() as download:
        page.get_by_role("button", name="导出培育库 CSV").click()
    text = download.value.path().read_bytes().decode("utf-8")
    assert text.startswith("\ufeff统一社会信用代码") and "研发费用占比差距" in text.splitlines()[0]
    assert one_short["code"] in text
    console.screenshot("cultivation")
    assert console.accessibility_faults() == []


def test_the_portrait_shows_the_certificates_and_the_gaps(console: Console) -> None:
    needs(console, "GET /enterprises/{credit_code}/cultivation")
    status, holders = console.api(f"/rankings?period={PERIOD}&qualification=hnte&limit=1", "bank")
    assert status == 200 and holders["items"], holders
    holder = holders["items"][0]["credit_code"]
    console.sign_in("admin")
    console.visit(f"#/enterprise/{holder}?period={PERIOD}")
    panel = console.page.locator("#qualifications")
    panel.get_by_text("高新技术企业").first.wait_for()
    assert "有效" in panel.inner_text()
    gaps = console.page.locator("#cultivation-gaps")
    gaps.get_by_text("高新技术企业：已取得").wait_for()
    console.screenshot("portrait-qualifications")
    assert console.accessibility_faults() == []
