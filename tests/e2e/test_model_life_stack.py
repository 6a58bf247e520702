"""End to end on the local stack (contract 11): what-if, backtest and activation of the shipped draft.

An enterprise that the draft model lists and the active one does not comes in through S3 as
departments send it; the backtest names it, activation lists it with an event under the new version.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any

import pytest

from chalicelib.domain.creditcode import check_character
from tests.e2e.test_local_stack import _client, _get, _wait_report, stack

__all__ = ["stack"]  # fixture

pytestmark = pytest.mark.slow
DRAFT = "jx-2026.1-draft"
CODE = "91360111MA35L0001" + check_character("91360111MA35L0001")


def _post(stack: dict[str, Any], path: str, role: str, body: Any) -> tuple[int, Any]:
    request = urllib.request.Request(
        stack["api_url"] + path,
        data=json.dumps(body).encode(),
        headers={"X-API-Key": stack["api_keys"][role], "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"null")


def _job(stack: dict[str, Any], job_id: str, timeout: float = 180) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, job = _get(stack, f"/jobs/{job_id}", "admin")
        assert status == 200, job
        if job["status"] != "running":
            return dict(job)
        time.sleep(1)
    pytest.fail(f"job {job_id} still running after {timeout} s")


def _upload(stack: dict[str, Any], files: dict[str, str]) -> None:
    s3 = _client(stack, "s3")
    for key, text in files.items():
        s3.put_object(Bucket=stack["upload_bucket"], Key=key, Body=text.encode())
        assert _wait_report(s3, stack["upload_bucket"], key)["status"] == "completed"


def test_what_if_backtest_and_activation_of_the_draft(stack: dict[str, Any]) -> None:
    _upload(
        stack,
        {
            "incoming/registry/m.csv": f"credit_code,name,established_on,region_code,industry_code\n"
            f"{CODE},南昌发明示例有限公司,2019-03-05,360111,C39\n",
            "incoming/tax/m.csv": "credit_code,period,operating_revenue,rd_expense,net_profit,tax_paid\n"
            f"{CODE},2024,9000,700,,\n{CODE},2025,6000,600,50,200\n",
            "incoming/amr/m.csv": "credit_code,period,invention_patents,other_ip,standards_led\n"
            f"{CODE},2025,10,20,3\n",
            "incoming/sci/m.csv": "credit_code,period,rd_staff,tech_contract_turnover,rd_platforms,"
            f"high_tech_revenue_ratio\n{CODE},2025,20,500,1,40%\n",
            "incoming/hrss/m.csv": f"credit_code,period,employees\n{CODE},2025,60\n",
        },
    )
    deadline = time.monotonic() + 90
    status, portrait = _get(stack, f"/enterprises/{CODE}?period=2025", "bank")
    while (status != 200 or portrait.get("completeness", 0) < 0.8) and time.monotonic() < deadline:
        time.sleep(1)
        status, portrait = _get(stack, f"/enterprises/{CODE}?period=2025", "bank")
    assert status == 200 and portrait["whitelisted"] is False, portrait

    # a bank asks what the draft would make of it, and what two more patents would do today
    status, card = _post(
        stack, "/what-if", "bank", {"credit_code": CODE, "period": 2025, "model_version": DRAFT}
    )
    assert status == 200 and card["whitelisted"] is True and card["delta"]["whitelisted_from"] is False
    status, card = _post(
        stack, "/what-if", "bank", {"credit_code": CODE, "period": 2025, "changes": {"x": 1}}
    )
    assert (status, card["code"]) == (400, "UNKNOWN_INDICATOR")

    status, accepted = _post(stack, f"/models/{DRAFT}/backtest", "admin", {"period": 2025})
    assert status == 202
    job = _job(stack, accepted["job_id"])
    assert job["status"] == "succeeded" and CODE in job["result"]["entered"]

    status, accepted = _post(stack, f"/models/{DRAFT}/activate", "admin", {})
    assert status == 202
    job = _job(stack, accepted["job_id"])
    assert (job["status"], job["kind"]) == ("succeeded", "activate")
    status, portrait = _get(stack, f"/enterprises/{CODE}?period=2025", "bank")
    assert portrait["model_version"] == DRAFT and portrait["whitelisted"] is True
    models = {m["version"]: m["status"] for m in _get(stack, "/models", "bank")[1]["items"]}
    assert models[DRAFT] == "active" and models["jx-2025.1-provisional"] == "retired"

    sqs = _client(stack, "sqs")
    events: list[dict[str, Any]] = []
    deadline = time.monotonic() + 60
    while not any(e.get("model_version") == DRAFT for e in events) and time.monotonic() < deadline:
        got = sqs.receive_message(QueueUrl=stack["whitelist_subscriber_queue_url"], WaitTimeSeconds=1)
        events += [json.loads(m["Body"]) for m in got.get("Messages", [])]
    mine = [e for e in events if e["credit_code"] == CODE and e["model_version"] == DRAFT]
    assert [e["type"] for e in mine] == ["whitelist.entered"]
