"""End to end on `make run`'s stack (SEED=0): an enterprise signs in with its key from stack.json, objects
to a value, the department corrects it, the card follows with batch `objection:<id>` and 赣企通 hears
the answer (contract 16)."""

from __future__ import annotations

import json
import time
from typing import Any

from scripts.sample_enterprises import WHITELISTED
from tests.e2e.test_local_stack import _client, _ganqitong_lines, _get_key, _post, _wait_report, stack

__all__ = ["stack"]  # the module-scoped stack fixture of test_local_stack, started anew for this module

CODE = WHITELISTED


def _until(read: Any, ready: Any, timeout: float = 120) -> Any:
    deadline = time.monotonic() + timeout
    found = read()
    while not ready(found) and time.monotonic() < deadline:
        time.sleep(1)
        found = read()
    assert ready(found), found
    return found


def test_from_filing_to_the_corrected_card_and_the_notice(stack: dict[str, Any]) -> None:
    key = stack["enterprise_keys"][CODE]  # contract 19.1: there without sample data
    assert set(stack["enterprise_keys"]) >= {CODE}
    s3, bucket = _client(stack, "s3"), stack["upload_bucket"]
    registry = "credit_code,name,established_on,region_code,industry_code\n"
    registry += f"{CODE},南昌展昌科技有限公司,2018-05-02,360102,C39\n"
    s3.put_object(Bucket=bucket, Key="incoming/registry/名录.csv", Body=registry.encode())
    _wait_report(s3, bucket, "incoming/registry/名录.csv")
    tax = (
        f"credit_code,period,rd_expense,operating_revenue,net_profit,tax_paid\n{CODE},2025,300,8000,500,300\n"
    )
    s3.put_object(Bucket=bucket, Key="incoming/tax/2025.csv", Body=tax.encode())
    _wait_report(s3, bucket, "incoming/tax/2025.csv")
    before = _until(lambda: _get_key(stack, f"/enterprises/{CODE}?period=2025", key), lambda r: r[0] == 200)[
        1
    ]
    assert _get_key(stack, "/whitelist", key)[0] == 403

    status, filed = _post(
        stack,
        "/objections",
        key,
        {
            "credit_code": CODE,
            "period": 2025,
            "field": "indicator.rd_expense",
            "claimed_value": "1,200",
            "reason": "研发费用未含委托研发支出",
        },
    )
    assert status == 201, filed
    oid = filed["objection_id"]
    assert filed["department"] == "tax" and filed["current_value"] == 300 and filed["claimed_value"] == 1200
    portrait = _get_key(stack, f"/enterprises/{CODE}?period=2025", key)[1]
    (marked,) = [i for i in portrait["indicators"] if i["id"] == "rd_expense"]
    assert marked["objection"]["objection_id"] == oid

    tax_key = stack["api_keys"]["department:tax"]
    queue = _get_key(stack, "/objections?status=open", tax_key)[1]
    assert oid in [o["objection_id"] for o in queue["items"]]
    status, resolved = _post(stack, f"/objections/{oid}/resolve", tax_key, {"decision": "corrected"})
    assert status == 200 and resolved["status"] == "corrected", resolved

    def card() -> dict[str, Any]:
        return dict(_get_key(stack, f"/enterprises/{CODE}?period=2025", key)[1])

    after = _until(
        card, lambda p: any(i["id"] == "rd_expense" and i["value"] == 1200 for i in p["indicators"])
    )
    (value,) = [i for i in after["indicators"] if i["id"] == "rd_expense"]
    assert value["batch_id"] == f"objection:{oid}" and value["source_department"] == "tax"
    assert "objection" not in value
    assert after["score"] > before["score"]
    history = _get_key(stack, f"/enterprises/{CODE}/history", key)[1]
    assert history["items"][0]["batch_id"] == f"objection:{oid}"

    lines = _until(
        lambda: [ln for ln in _ganqitong_lines(stack) if ln["body"].get("objection_id") == oid],
        lambda found: len(found) >= 1,
    )
    assert [ln["body"]["type"] for ln in lines] == ["objection.resolved"]
    assert lines[0]["headers"]["Idempotency-Key"] == lines[0]["body"]["id"]
    assert json.dumps(lines[0]["body"], ensure_ascii=False).count(oid) == 1
