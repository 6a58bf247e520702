"""Support lists and /support/overdue read with a budget (issue 23, item 6): a rare filter value costs
a bounded read per request, and its pages (possibly short, even empty, with a next_token: 13.1) still
reach every match."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from chalice.test import Client

from chalicelib.api.auth import department_ids, issue_key
from chalicelib.settings import get_settings
from scripts.synthetic import credit_code
from tests.aws.api_helpers import get_json, post_json, put_card

PERIOD = 2025
OLD = (datetime.now(UTC).date() - timedelta(days=40)).isoformat()
LESS_OLD = (datetime.now(UTC).date() - timedelta(days=30)).isoformat()
MANY = 250
LIMIT = 5
# what one request may examine in one partition: (limit + 1) x 20 rows (as the score index)
BUDGET = (LIMIT + 1) * 20


def loan(code: str, ref: str, **fields: Any) -> dict[str, Any]:
    body = {
        "credit_code": code,
        "external_ref": ref,
        "kind": "loan",
        "status": "applied",
        "amount_wan": 100,
        "rate_pct": 3.45,
        "term_months": 12,
        "collateral": "credit",
        "occurred_on": OLD,
    }
    body.update(fields)
    return {k: v for k, v in body.items() if v is not None}


@pytest.fixture(scope="module")
def world(client: Client) -> dict[str, str]:
    departments = department_ids(get_settings().model_version)
    keys = {
        "bank-a": issue_key("bank", "A", departments=departments, org="budget-bank-a"),
        "bank-b": issue_key("bank", "B", departments=departments, org="budget-bank-b"),
        "admin": issue_key("admin", "admin", departments=departments),
    }
    code = put_card(credit_code(920_001), PERIOD, "812.5", region_code="360111").code
    # the rare one first (oldest recorded), then many others newer
    one = loan(code, "G-1", kind="guarantee", collateral=None, rate_pct=None, term_months=None)
    assert post_json(client, "/support", keys["bank-a"], one)[0] == 201
    items = [loan(code, f"L-{n}") for n in range(MANY)]
    status, body = post_json(client, "/support", keys["bank-a"], {"items": items})
    assert status == 200 and all(i["status"] == 201 for i in body["items"]), body
    assert post_json(client, "/support", keys["bank-b"], loan(code, "B-1", occurred_on=LESS_OLD))[0] == 201
    return keys


@pytest.fixture
def examined(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Rows each DynamoDB Query examined (ScannedCount), in order."""
    from botocore.client import BaseClient

    counts: list[int] = []
    original = BaseClient._make_api_call  # type: ignore[attr-defined]

    def recording(self: BaseClient, operation_name: str, api_params: dict[str, Any]) -> Any:
        result = original(self, operation_name, api_params)
        if operation_name == "Query":
            counts.append(int(result.get("ScannedCount", 0)))
        return result

    monkeypatch.setattr(BaseClient, "_make_api_call", recording)
    yield counts


def walk(client: Client, path: str, key: str, examined: list[int]) -> tuple[list[dict[str, Any]], int]:
    """Every item of a list, page by page; and the most rows one page examined."""
    items: list[dict[str, Any]] = []
    most, token, pages = 0, None, 0
    while True:
        examined.clear()
        sep = "&" if "?" in path else "?"
        status, page = get_json(client, path + (f"{sep}next_token={token}" if token else ""), key)
        assert status == 200, page
        most = max(most, sum(examined))
        items += page["items"]
        token = page.get("next_token")
        pages += 1
        assert pages < 200
        if token is None:
            return items, most


def test_a_rare_kind_is_read_with_a_budget_and_still_found(
    client: Client, world: dict[str, str], examined: list[int]
) -> None:
    items, most = walk(client, f"/support?kind=guarantee&limit={LIMIT}", world["bank-a"], examined)
    assert [i["external_ref"] for i in items] == ["G-1"]
    assert most <= BUDGET, most


def test_overdue_of_a_rare_org_is_read_with_a_budget_and_still_found(
    client: Client, world: dict[str, str], examined: list[int]
) -> None:
    items, most = walk(client, f"/support/overdue?days=10&limit={LIMIT}", world["bank-b"], examined)
    assert [i["record"]["external_ref"] for i in items] == ["B-1"]
    assert most <= BUDGET, most
    # admin reads everyone's (the guarantee, the loans, B-1), longest waiting first, in bounded pages
    items, most = walk(client, f"/support/overdue?days=10&limit={LIMIT}", world["admin"], examined)
    assert len(items) == MANY + 2 and items[-1]["record"]["external_ref"] == "B-1"
    assert most <= BUDGET, most


def test_overdue_counts_china_dates(
    client: Client, world: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """At 17:00 UTC it is already tomorrow in China: `days` and `days_waiting` count China dates."""
    from chalicelib.domain import china

    evening = datetime.now(UTC).replace(hour=17, minute=0, second=0, microsecond=0)
    tomorrow = evening.date() + timedelta(days=1)  # the China date at that moment

    class Frozen(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Frozen:
            moment = evening.astimezone(tz) if tz is not None else evening.replace(tzinfo=None)
            return cls.fromtimestamp(moment.timestamp(), tz)

    monkeypatch.setattr(china, "now", lambda: evening)
    monkeypatch.setattr("chalicelib.api.support.datetime", Frozen, raising=False)
    status, page = get_json(client, f"/support/overdue?days=10&limit={LIMIT}", world["bank-b"])
    assert status == 200, page
    assert page["waiting_since_before"] == (tomorrow - timedelta(days=10)).isoformat()
    entry = page["items"][0] if page["items"] else None
    if entry is not None:
        assert entry["days_waiting"] == (tomorrow - datetime.fromisoformat(LESS_OLD).date()).days
