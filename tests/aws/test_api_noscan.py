"""No route scans a table: every DynamoDB call the API makes is recorded under moto and checked."""

from __future__ import annotations

from typing import Any

import pytest
from chalice.test import Client

from scripts.synthetic import credit_code, seed_many
from tests.aws.api_helpers import Call, get_json, post_json, put_batch


def test_no_route_scans(
    client: Client,
    keys: dict[str, str],
    aws_calls: list[Call],
    monkeypatch: pytest.MonkeyPatch,
    api_aws: Any,
) -> None:
    from chalicelib.services import rescore

    monkeypatch.setattr(rescore, "request_full_rescore", lambda period: 0)
    seeded = seed_many(60, 2025)
    put_batch("tax-1", "incoming/tax/a.csv", "tax", "2026-01-01T00:00:00Z")
    code = seeded[0].code
    admin, tax = keys["admin"], keys["department:tax"]
    aws_calls.clear()
    requests: list[tuple[str, str, str, Any]] = [
        ("GET", "/openapi.json", admin, None),
        ("GET", "/model", admin, None),
        ("GET", f"/enterprises/{code}", admin, None),
        ("GET", f"/enterprises/{code}?period=2025", admin, None),
        ("GET", f"/enterprises/{credit_code(99_999)}", admin, None),
        ("GET", f"/enterprises/{code}/history", admin, None),
        ("GET", "/whitelist", admin, None),
        ("GET", "/whitelist?period=2025&region=3601&stage=growth&grade=A&limit=3", admin, None),
        ("GET", "/rankings", admin, None),
        ("GET", "/rankings?period=2025&stage=mature&region=36&industry=C&limit=2", admin, None),
        ("GET", "/verifications", admin, None),
        ("GET", "/batches/tax-1", tax, None),
        ("GET", "/batches?key=incoming/tax/a.csv", tax, None),
        ("POST", "/rescore", admin, {}),
        ("POST", "/uploads", tax, {"filename": "a.csv"}),
    ]
    statuses = []
    for method, path, key, body in requests:
        if method == "POST":
            statuses.append(post_json(client, path, key, body)[0])
        else:
            statuses.append(get_json(client, path, key)[0])
    assert all(status < 500 for status in statuses), statuses
    operations = {operation for service, operation, _ in aws_calls if service == "dynamodb"}
    assert {"Query", "GetItem"} <= operations
    assert "Scan" not in operations, operations
