"""Deeply nested JSON bodies answer 400 problem+json, never 500 (issue 23, item 10)."""

from __future__ import annotations

import json

import pytest
from chalice.test import Client

DEEP_LIST = "[" * 100_000 + "]" * 100_000
DEEP_NOTS = json.dumps({"title": "x"})[:-1] + ', "criteria": ' + '{"not": ' * 3000 + "{}" + "}" * 3000 + "}"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/policies"),
        ("POST", "/support"),
        ("POST", "/what-if"),
        ("POST", "/models"),
        ("POST", "/rescore"),
        ("POST", "/uploads"),  # a department's route
    ],
)
@pytest.mark.parametrize("body", [DEEP_LIST, '{"a": ' + DEEP_LIST + "}", DEEP_NOTS])
def test_a_deeply_nested_body_is_400(
    client: Client, keys: dict[str, str], method: str, path: str, body: str
) -> None:
    response = client.http.request(
        method,
        path,
        headers={
            "X-API-Key": keys["department:tax" if path == "/uploads" else "admin"],
            "Content-Type": "application/json",
        },
        body=body.encode(),
    )
    assert response.status_code == 400, response.body[:300]
    assert response.headers["Content-Type"] == "application/problem+json"
    assert json.loads(response.body)["code"] == "INVALID_BODY"
