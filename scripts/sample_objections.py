"""Sample objections (异议, contract 16) on the local stack: one in every status, one overdue.

The two signed-in enterprises (`scripts/sample_enterprises.py`) object through the API with their own
keys and the departments answer with theirs, as people would. The overdue one cannot be made through
the API (it would be opened today): it is filed through the service with a clock 30 days back.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from scripts.sample_enterprises import MIDDLING, WHITELISTED
from scripts.sample_support import _call


def _values(api_url: str, key: str, code: str) -> tuple[int, dict[str, Decimal | None]] | None:
    try:
        portrait = _call(api_url, key, "GET", f"/enterprises/{code}")
    except Exception:  # no card (a small sample): nothing to object to
        return None
    values = {
        i["id"]: (None if i["value"] is None else Decimal(str(i["value"]))) for i in portrait["indicators"]
    }
    return int(portrait["period"]), values


def _more(value: Decimal | None, factor: str, at_least: int) -> float:
    base = value if value is not None else Decimal(0)
    return float(max((base * Decimal(factor)).quantize(Decimal("0.01")), Decimal(at_least)))


def seed(api_url: str, keys: Mapping[str, str], enterprise_keys: Mapping[str, str]) -> dict[str, int]:
    """File and answer the sample objections; returns how many end in each status."""
    key_a, key_b = enterprise_keys[WHITELISTED], enterprise_keys[MIDDLING]
    found_a = _values(api_url, key_a, WHITELISTED)
    found_b = _values(api_url, key_b, MIDDLING)
    if found_a is None or found_b is None:
        return {}
    (period_a, a), (period_b, b) = found_a, found_b

    def file(key: str, code: str, period: int, field: str, claimed: Any, reason: str) -> str:
        body = {
            "credit_code": code,
            "period": period,
            "field": field,
            "claimed_value": claimed,
            "reason": reason,
        }
        return str(_call(api_url, key, "POST", "/objections", body)["objection_id"])

    corrected = file(
        key_a,
        WHITELISTED,
        period_a,
        "indicator.rd_expense",
        _more(a.get("rd_expense"), "1.12", 100),
        "税务数据未包含研发费用加计扣除备案中的委托研发支出，附备案表。",
    )
    _call(
        api_url,
        keys["department:tax"],
        "POST",
        f"/objections/{corrected}/resolve",
        {"decision": "corrected", "reason": "经核对备案表，研发费用少计，已更正。"},
    )
    rejected = file(
        key_b,
        MIDDLING,
        period_b,
        "indicator.employees",
        int(_more(b.get("employees"), "1.2", 10)),
        "参保人数未包含劳务派遣人员。",
    )
    _call(
        api_url,
        keys["department:hrss"],
        "POST",
        f"/objections/{rejected}/resolve",
        {"decision": "rejected", "reason": "劳务派遣人员不计入参保职工人数，原数据无误。"},
    )
    withdrawn = file(
        key_b,
        MIDDLING,
        period_b,
        "indicator.invention_patents",
        int(_more(b.get("invention_patents"), "1", 0)) + 1,
        "一项发明专利已授权，尚未计入。",
    )
    _call(api_url, key_b, "POST", f"/objections/{withdrawn}/withdraw", {})
    file(
        key_a,
        WHITELISTED,
        period_a,
        "indicator.other_ip",
        int(_more(a.get("other_ip"), "1", 0)) + 3,
        "新增三项软件著作权登记证书，附证书扫描件。",
    )
    _overdue(MIDDLING, period_b)
    return {"corrected": 1, "rejected": 1, "withdrawn": 1, "open": 2}


def _overdue(code: str, period: int) -> None:
    """An open objection filed 30 days ago: past its due date (10 working days)."""
    from chalicelib.services.objections import Filing, file_objection

    back = datetime.now(UTC) - timedelta(days=30)
    file_objection(
        Filing(
            code,
            period,
            "indicator.high_tech_revenue_ratio",
            "65%",
            "高新技术产品收入占比按专项审计报告应为65%。",
            opened_by=f"enterprise:{code}",
        ),
        clock=lambda: back,
    )
