"""The policy routes (contract 9) over moto: roles, drafts, bad input, preview, publish, matches."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from chalice.test import Client

from chalicelib.api.auth import department_ids, issue_key
from chalicelib.settings import get_settings
from scripts.provision import Resources
from scripts.synthetic import credit_code
from tests.aws.api_helpers import _WORKER, _body, get_json, post_json, put_card
from tests.aws.jobs_helpers import drain_jobs

P = 2024  # a period no other API test module seeds
TODAY = datetime.now(UTC).date()


@pytest.fixture(scope="module")
def sci(api_aws: Resources) -> str:
    return issue_key("department:sci", "test sci", departments=department_ids(get_settings().model_version))


@pytest.fixture(scope="module")
def cards(api_aws: Resources) -> dict[str, str]:
    strong = put_card(credit_code(501, "360102"), P, "812.50", "growth", region_code="360102")
    weak = put_card(credit_code(502, "360702"), P, "455.00", "startup", region_code="360702")
    return {"strong": strong.code, "weak": weak.code}


def put_json(client: Client, path: str, key: str, body: Any) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json", "X-API-Key": key}
    response = _WORKER.submit(client.http.put, path, headers=headers, body=json.dumps(body)).result()
    return response.status_code, _body(response)


def body(criteria: Any = None, **extra: Any) -> dict[str, Any]:
    return {
        "title": "科技型中小企业积分贷贴息",
        "kind": "finance",
        "summary": "白名单内初创期、成长期企业的积分贷按 LPR 的 50% 贴息",
        "url": "https://kjt.jiangxi.gov.cn/art/2026/1/1/policy.html",
        "contact": "0791-86000000",
        "period": P,
        "valid_from": (TODAY - timedelta(days=30)).isoformat(),
        "valid_to": (TODAY + timedelta(days=300)).isoformat(),
        "criteria": criteria
        if criteria is not None
        else {"all": [{"field": "whitelisted", "op": "==", "value": True}]},
        **extra,
    }


def test_a_department_creates_a_draft_as_itself(client: Client, keys: dict[str, str], sci: str) -> None:
    status, policy = post_json(client, "/policies", sci, body())
    assert status == 201, policy
    assert (policy["issuer"], policy["status"], policy["version"]) == ("sci", "draft", 1)
    assert policy["criteria"] == body()["criteria"]

    status, problem = post_json(client, "/policies", sci, body(issuer="tax"))
    assert status == 403 and problem["code"] == "FORBIDDEN"
    # a bank issues products only (contract 18): no other kind, and none without terms
    status, problem = post_json(client, "/policies", keys["bank"], body(kind="talent"))
    assert status == 403 and problem["code"] == "FORBIDDEN"
    status, problem = post_json(client, "/policies", keys["bank"], body())
    assert status == 400 and problem["code"] == "INVALID_TERMS"
    status, problem = post_json(client, "/policies", None, body())
    assert status == 401


@pytest.mark.parametrize(
    ("criteria", "path"),
    [
        (
            {
                "all": [
                    {"field": "score", "op": ">=", "value": 600},
                    {"any": [{"field": "x", "op": "==", "value": 1}]},
                ]
            },
            "criteria.all[1].any[0].field",
        ),
        ({"all": [{"field": "score", "op": "~", "value": 600}]}, "criteria.all[0].op"),
        ({"all": [{"field": "score", "op": ">=", "value": "600"}]}, "criteria.all[0].value"),
        (
            {"not": {"not": {"not": {"not": {"not": {"not": {"field": "score", "op": ">=", "value": 1}}}}}}},
            "criteria.not.not.not.not.not.not",
        ),
        ({"all": [{"field": "score", "op": ">=", "value": 1}] * 51}, "criteria.all[50]"),
        ([1, 2], "criteria"),
    ],
)
def test_bad_criteria_answer_400_with_the_path(
    client: Client,
    keys: dict[str, str],
    criteria: Any,
    path: str,
) -> None:
    status, problem = post_json(client, "/policies", keys["admin"], body(criteria))
    assert status == 400, problem
    assert problem["code"] == "INVALID_CRITERIA"
    assert problem["detail"].startswith(path + ":")
    assert problem["detail_zh"].startswith(path)


def test_bad_fields_answer_400(client: Client, keys: dict[str, str]) -> None:
    for bad in (body(kind="lottery"), body(valid_to="2000-01-01"), body(url="ftp://x"), body(extra=1)):
        status, problem = post_json(client, "/policies", keys["admin"], bad)
        assert status == 400 and problem["code"] == "INVALID_BODY", bad
    status, problem = post_json(client, "/policies", keys["admin"], body(issuer="nobody"))
    assert status == 400 and "issuer" in problem["detail"]


def test_drafts_edit_preview_publish_and_read(
    api_aws: Resources,
    client: Client,
    keys: dict[str, str],
    sci: str,
    cards: dict[str, str],
) -> None:
    _, draft = post_json(client, "/policies", sci, body())
    pid = draft["policy_id"]
    # another department does not see the draft; admin does
    assert get_json(client, f"/policies/{pid}", keys["department:tax"])[0] == 404
    assert get_json(client, f"/policies/{pid}", keys["admin"])[0] == 200
    status, edited = put_json(client, f"/policies/{pid}", sci, body(title="科技型中小企业积分贷贴息（2026）"))
    assert status == 200 and edited["version"] == 2
    assert put_json(client, f"/policies/{pid}", keys["department:tax"], body())[0] == 404

    status, preview = post_json(client, f"/policies/{pid}/preview", sci, {})
    assert status == 200, preview
    assert preview["matched"] == 1 and preview["sample"] == [cards["strong"]]
    assert preview["by_region"]["3601"] == 1 and preview["by_region"]["3607"] == 0
    assert preview["by_stage"] == {"startup": 0, "growth": 1, "mature": 0}

    status, published = post_json(client, f"/policies/{pid}/publish", sci, {})
    assert status == 202, published
    assert published["status"] == "published" and published["published_at"]
    drain_jobs(api_aws)  # the matching job, as the jobs Lambda runs it
    status, job = get_json(client, f"/jobs/{published['job_id']}", keys["admin"])
    assert status == 200 and job["status"] == "succeeded", job
    assert job["result"]["matched"] == 1
    status, problem = post_json(client, f"/policies/{pid}/publish", sci, {})
    assert (status, problem["code"]) == (409, "POLICY_NOT_DRAFT")
    status, problem = put_json(client, f"/policies/{pid}", sci, body())
    assert (status, problem["code"]) == (409, "POLICY_NOT_DRAFT")

    # the catalogue: any key sees published policies
    status, page = get_json(client, "/policies?status=published&kind=finance", keys["bank"])
    assert status == 200 and pid in [p["policy_id"] for p in page["items"]]
    assert get_json(client, "/policies?status=nonsense", keys["bank"])[0] == 400

    status, matches = get_json(client, f"/policies/{pid}/matches", sci)
    assert status == 200, matches
    assert [m["credit_code"] for m in matches["items"]] == [cards["strong"]]
    assert matches["items"][0]["delivery"] == {"state": "pending", "attempts": 0, "last_status": None}
    assert get_json(client, f"/policies/{pid}/matches?region=3607", sci)[1]["items"] == []
    assert get_json(client, f"/policies/{pid}/matches?delivery=delivered", sci)[1]["items"] == []
    assert get_json(client, f"/policies/{pid}/matches", keys["bank"])[0] == 403
    assert get_json(client, f"/policies/{pid}/matches", keys["department:tax"])[0] == 403

    status, mine = get_json(client, f"/enterprises/{cards['strong']}/policies?period={P}", keys["bank"])
    assert status == 200, mine
    (item,) = [i for i in mine["items"] if i["policy_id"] == pid]
    assert item["reasons"] == [
        {
            "path": "criteria.all[0]",
            "field": "whitelisted",
            "op": "==",
            "value": True,
            "actual": True,
            "ok": True,
        }
    ]
    status, none = get_json(client, f"/enterprises/{cards['weak']}/policies?period={P}", keys["bank"])
    assert status == 200 and none["items"] == []
    assert get_json(client, "/enterprises/91360102MA00000001/policies", keys["bank"])[0] == 400

    status, withdrawn = post_json(client, f"/policies/{pid}/withdraw", sci, {})
    assert status == 200 and withdrawn["status"] == "withdrawn"
    status, none_now = get_json(client, f"/policies/{pid}/matches", sci)
    assert status == 200 and none_now["items"] == []  # a withdrawn policy has no current matches
    status, after = get_json(client, f"/enterprises/{cards['strong']}/policies?period={P}", keys["bank"])
    assert pid not in [i["policy_id"] for i in after["items"]]
    status, problem = post_json(client, f"/policies/{pid}/withdraw", sci, {})
    assert (status, problem["code"]) == (409, "POLICY_NOT_PUBLISHED")


def test_catalogue_pages_and_hides_other_departments_drafts(
    client: Client,
    keys: dict[str, str],
    sci: str,
) -> None:
    created = [
        post_json(client, "/policies", sci, body(title=f"人才政策 {n}", kind="talent"))[1] for n in range(3)
    ]
    ids = {p["policy_id"] for p in created}
    seen: list[str] = []
    token = None
    while True:
        url = "/policies?kind=talent&limit=2" + (f"&next_token={token}" if token else "")
        status, page = get_json(client, url, sci)
        assert status == 200, page
        seen += [p["policy_id"] for p in page["items"]]
        token = page.get("next_token")
        if not token:
            break
    assert ids <= set(seen) and len(seen) == len(set(seen))
    _, others = get_json(client, "/policies?kind=talent&limit=500", keys["department:tax"])
    assert not ids & {p["policy_id"] for p in others["items"]}
    assert get_json(client, "/policies/does-not-exist", keys["bank"])[0] == 404
