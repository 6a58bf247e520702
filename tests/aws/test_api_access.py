"""Access control: every route against every kind of caller (200/202, 401, 403), keys and IAM callers."""

from __future__ import annotations

import json
from typing import Any

import pytest
from chalice.test import Client

from chalicelib.api import auth
from chalicelib.api.problems import ApiProblem
from chalicelib.settings import Settings
from chalicelib.stores.tables import ApiKeyItem, ScoreItem
from scripts import api_keys
from scripts.synthetic import credit_code
from tests.aws.api_helpers import get_json, post_json, put_batch, put_card

CODE = credit_code(1)
OK, ACCEPTED, DENIED = 200, 202, 403
# route -> expected status per caller role; absent roles get 403
MATRIX: dict[tuple[str, str], dict[str, int]] = {
    ("GET", "/openapi.json"): dict.fromkeys(("admin", "bank", "department:tax", "department:registry"), OK),
    ("GET", "/model"): dict.fromkeys(("admin", "bank", "department:tax", "department:registry"), OK),
    ("GET", f"/enterprises/{CODE}"): {"admin": OK, "bank": OK},
    ("GET", f"/enterprises/{CODE}/history"): {"admin": OK, "bank": OK},
    ("GET", "/whitelist?period=2025"): {"admin": OK, "bank": OK},
    ("GET", "/rankings?period=2025"): {"admin": OK, "bank": OK},
    ("GET", "/verifications?period=2025"): {"admin": OK},
    ("GET", "/batches/tax-batch"): {"admin": OK, "department:tax": OK},
    ("GET", "/batches?key=incoming/tax/2025.csv"): {"admin": OK, "department:tax": OK},
    ("POST", "/rescore"): {"admin": ACCEPTED},
    ("POST", "/uploads"): {"department:tax": OK, "department:registry": OK},
    ("GET", "/models"): dict.fromkeys(("admin", "bank", "department:tax", "department:registry"), OK),
    ("GET", "/models/jx-2026.1-draft"): dict.fromkeys(
        ("admin", "bank", "department:tax", "department:registry"), OK
    ),
    ("POST", "/models/jx-2026.1-draft/backtest"): {"admin": ACCEPTED},
    ("POST", "/what-if"): {"admin": OK, "bank": OK},
}
BODIES = {
    "/rescore": {"period": 2025},
    "/uploads": {"filename": "2025年 数据.csv"},
    "/models/jx-2026.1-draft/backtest": {"period": 2025},
    "/what-if": {
        "period": 2025,
        "master": {"established_on": "2019-01-01", "region_code": "360111", "industry_code": "C39"},
        "facts": {"2025": {"rd_expense": 100}},
    },
}


@pytest.fixture(scope="module")
def seeded(api_aws: Any) -> None:
    put_card(CODE, 2025, "700.00")
    ScoreItem(
        f"E#{CODE}",
        "H#2025#2026-01-05T08:00:00.000000Z",
        kind="history",
        credit_code=CODE,
        period=2025,
        stage="growth",
        score="700.00",
        grade="B",
        model_version="jx-2025.1-provisional",
        computed_at="2026-01-05T08:00:00.000000Z",
    ).save()
    put_batch("tax-batch", "incoming/tax/2025.csv", "tax", "2026-01-05T08:00:00Z")


@pytest.fixture
def rescore_stub(monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.services import rescore

    monkeypatch.setattr(rescore, "request_full_rescore", lambda period: 3)


def _call(client: Client, method: str, path: str, key: str | None) -> tuple[int, Any]:
    if method == "POST":
        return post_json(client, path, key, BODIES[path])
    return get_json(client, path, key)


@pytest.mark.parametrize(("method", "path"), list(MATRIX))
def test_role_matrix(
    client: Client, keys: dict[str, str], seeded: None, rescore_stub: None, method: str, path: str
) -> None:
    expected = MATRIX[(method, path)]
    for role, key in keys.items():
        status, body = _call(client, method, path, key)
        assert status == expected.get(role, DENIED), (role, body)
        if status == DENIED:
            assert body["code"] == "FORBIDDEN" and body["status"] == DENIED
    status, body = _call(client, method, path, None)
    assert (status, body["code"]) == (401, "MISSING_CREDENTIALS")
    status, body = _call(client, method, path, "ipk_not-a-key")
    assert (status, body["code"]) == (401, "INVALID_API_KEY")


def test_errors_are_problem_json(client: Client, keys: dict[str, str]) -> None:
    response = client.http.get("/model")
    assert response.status_code == 401
    assert response.headers["Content-Type"] == "application/problem+json"
    body = json.loads(response.body)
    assert set(body) >= {"type", "title", "status", "detail", "code"}
    assert body["type"].endswith("MISSING_CREDENTIALS") and body["detail_zh"]


def test_revoked_key_is_refused(client: Client, keys: dict[str, str]) -> None:
    key = auth.issue_key("bank", "to revoke", departments=(), org="test-bank-a")
    assert get_json(client, "/model", key)[0] == 200
    assert auth.revoke_key(key)
    status, body = get_json(client, "/model", key)
    assert (status, body["code"]) == (401, "INVALID_API_KEY")


def test_keys_are_stored_only_as_hashes(keys: dict[str, str]) -> None:
    stored = {item.key_hash: item for item in ApiKeyItem.scan()}
    for role, key in keys.items():
        assert key not in stored and stored[auth.hash_key(key)].role == role


def test_a_department_reads_only_its_own_batches(client: Client, keys: dict[str, str]) -> None:
    put_batch("amr-batch", "incoming/amr/x.csv", "amr", "2026-01-05T08:00:00Z")
    put_batch("orphan", "incoming/x.csv", "", "2026-01-05T08:00:00Z")
    put_batch("unknown-dept", "incoming/nowhere/x.csv", "nowhere", "2026-01-05T08:00:00Z")
    assert get_json(client, "/batches/amr-batch", keys["department:tax"])[0] == 403
    assert get_json(client, "/batches/amr-batch", keys["admin"])[0] == 200
    for batch_id in ("orphan", "unknown-dept"):
        assert get_json(client, f"/batches/{batch_id}", keys["admin"])[0] == 200
        assert get_json(client, f"/batches/{batch_id}", keys["department:tax"])[0] == 403
    assert get_json(client, "/batches?key=incoming/amr/x.csv", keys["department:tax"])[0] == 403
    assert get_json(client, "/batches?key=incoming/x.csv", keys["department:tax"])[0] == 403
    status, body = get_json(client, "/batches?key=incoming/x.csv", keys["admin"])
    assert status == 200 and [b["batch_id"] for b in body["items"]] == ["orphan"]


# --- IAM callers -------------------------------------------------------------------------------

ARN_BANK = "arn:aws-cn:iam::123456789012:user/bank-gateway"
ARN_ROLE = "arn:aws-cn:iam::123456789012:role/stats-office"


def _iam(user_arn: str | None, headers: dict[str, str] | None = None) -> auth.Principal:
    settings = Settings(iam_roles=f"{ARN_BANK}=bank, {ARN_ROLE}=department:stats")
    return auth.authenticate(headers or {}, {"identity": {"userArn": user_arn}}, settings)


def test_iam_callers_map_to_roles() -> None:
    assert _iam(ARN_BANK) == auth.Principal(role="bank", via="iam", label=ARN_BANK, key_id=ARN_BANK)
    session = "arn:aws-cn:sts::123456789012:assumed-role/stats-office/session-42"
    principal = _iam(session)
    assert (principal.role, principal.department) == ("department:stats", "stats")


def test_unmapped_iam_caller_is_forbidden_and_missing_identity_unauthorised() -> None:
    with pytest.raises(ApiProblem) as forbidden:
        _iam("arn:aws-cn:iam::123456789012:user/someone-else")
    assert forbidden.value.status == 403
    with pytest.raises(ApiProblem) as missing:
        _iam(None)
    assert missing.value.status == 401


def test_iam_roles_setting_is_checked() -> None:
    assert auth.parse_iam_roles("") == {}
    with pytest.raises(ValueError, match="malformed"):
        auth.parse_iam_roles("not-an-arn=bank")


# --- the admin command -------------------------------------------------------------------------


def test_admin_command_creates_lists_and_revokes(
    client: Client, api_aws: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert api_keys.main(["create", "--role", "department:tax", "--label", "税务局 南昌"]) == 0
    key = capsys.readouterr().out.strip()
    assert key.startswith("ipk_") and get_json(client, "/model", key)[0] == 200
    assert api_keys.main(["list"]) == 0
    listing = capsys.readouterr().out
    assert "department:tax" in listing and "税务局 南昌" in listing and key not in listing
    assert api_keys.main(["revoke", auth.hash_key(key)]) == 0
    assert get_json(client, "/model", key)[0] == 401
    assert api_keys.main(["revoke", "ipk_never-issued"]) == 1
    assert api_keys.main(["create", "--role", "department:nowhere"]) == 2
    assert api_keys.main(["create", "--role", "root"]) == 2


def test_admin_command_checks_the_one_namespace_rule(
    api_aws: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """Contract 18: an institution's org is never a department id; keys issued before the rule was
    enforced (written here straight into the store) are reported by `check`."""
    from chalicelib.stores import api_keys as key_store

    assert api_keys.main(["create", "--role", "investor", "--org", "tax"]) == 2  # refused at creation
    capsys.readouterr()
    for role, org in (("bank", "jx-fine-bank"), ("investor", "jx-fine-fund")):
        assert api_keys.main(["create", "--role", role, "--org", org]) == 0
    capsys.readouterr()
    assert api_keys.main(["check"]) == 0
    assert "0 key(s)" in capsys.readouterr().out
    key_store.add("0" * 64, "bank", "旧密钥", "2025-01-01T00:00:00Z", "sci")
    key_store.add("1" * 64, "investor", "旧投资机构", "2025-01-01T00:00:00Z", "tax")
    assert api_keys.main(["check"]) == 1
    report = capsys.readouterr().out
    assert "\tbank\tsci\t" in report and "\tinvestor\ttax\t" in report and "2 key(s)" in report
    key_store.revoke("0" * 64)
    key_store.revoke("1" * 64)
    assert api_keys.main(["check"]) == 0
