"""A well-formed credit code the service has never seen is 404 on every /enterprises/{code}/… route,
support and policies included (contract 6, 13.1)."""

from __future__ import annotations

import pytest
from chalice.test import Client

from scripts.synthetic import credit_code
from tests.aws.api_helpers import get_json, put_card

PERIOD = 2025
SEEN = credit_code(910_001)
NEVER = credit_code(910_002)


@pytest.fixture(scope="module", autouse=True)
def _one_card(client: Client) -> None:
    put_card(SEEN, PERIOD, "700")


@pytest.mark.parametrize(
    "path",
    [
        "/enterprises/{code}/support",
        "/enterprises/{code}/policies",
        f"/enterprises/{{code}}/policies?period={PERIOD}",
    ],
)
def test_a_code_never_seen_is_404_one_seen_is_200(client: Client, keys: dict[str, str], path: str) -> None:
    status, problem = get_json(client, path.format(code=NEVER), keys["admin"])
    assert (status, problem["code"]) == (404, "ENTERPRISE_NOT_FOUND")
    status, found = get_json(client, path.format(code=SEEN), keys["admin"])
    assert status == 200, found
    assert found["credit_code"] == SEEN
