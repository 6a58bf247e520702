"""One enterprise's score history and one key's batches, paged newest first."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from chalice.test import Client

from chalicelib.stores.tables import ScoreItem
from scripts.synthetic import credit_code
from tests.aws.api_helpers import get_json, pages, put_batch, put_card


def test_history_pages_newest_first(client: Client, keys: dict[str, str], api_aws: Any) -> None:
    code = credit_code(5)
    put_card(code, 2024, "610.00")
    written = []
    for period, day in [(2022, 1), (2023, 1), (2023, 2), (2024, 1), (2024, 2), (2024, 3), (2025, 1)]:
        computed_at = f"2026-01-0{day}T08:00:00.000000Z"
        ScoreItem(
            f"E#{code}",
            f"H#{period}#{computed_at}",
            kind="history",
            credit_code=code,
            period=period,
            stage="growth",
            score=f"{600 + period - 2020 + day}.50",
            grade="B",
            model_version="jx-2025.1-provisional",
            computed_at=computed_at,
            batch_id=f"b-{period}-{day}",
        ).save()
        written.append((period, computed_at))
    items, count = pages(client, f"/enterprises/{code}/history", keys["bank"], 3)
    assert count == 3
    assert [(i["period"], i["computed_at"]) for i in items] == sorted(written, reverse=True)
    assert items[0] == {
        "period": 2025,
        "score": 606.5,
        "grade": "B",
        "stage": "growth",
        "model_version": "jx-2025.1-provisional",
        "computed_at": "2026-01-01T08:00:00.000000Z",
        "batch_id": "b-2025-1",
    }


def test_batches_of_a_key_newest_first(client: Client, keys: dict[str, str], api_aws: Any) -> None:
    key = "incoming/tax/2025年 报表.csv"
    for n in range(5):
        put_batch(f"batch-{n}", key, "tax", f"2026-01-0{n + 1}T08:00:00Z")
    put_batch("other", "incoming/tax/other.csv", "tax", "2026-01-09T08:00:00Z")
    for role in ("admin", "department:tax"):
        items, count = pages(client, f"/batches?key={quote(key)}", keys[role], 2)
        assert [b["batch_id"] for b in items] == [f"batch-{n}" for n in range(4, -1, -1)] and count == 3
    assert items[0]["rows"] == {"total": 2, "accepted": 1, "rejected": 1, "warnings": 0}
    status, body = get_json(client, "/batches?key=incoming/tax/never.csv", keys["department:tax"])
    assert (status, body) == (200, {"items": []})
