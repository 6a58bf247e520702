"""The query API over moto: DynamoDB requests and items read per page, and wall time. Nothing asserted.

    python -m bench.bench_api [CARDS]   (default 3,000)

Seeds CARDS score cards of one period across Jiangxi's cities, then requests pages of the lists and a
portrait through the Chalice test client, counting every DynamoDB call at botocore's entry point with
the items it returned (`Count`) and examined (`ScannedCount`: what a filter read and dropped, which is
what DynamoDB bills). Wall times are moto's, not DynamoDB's: compare them with each other only.
"""

from __future__ import annotations

import sys

from scripts.offline_aws import use_fake_aws

use_fake_aws("bench", log_level="ERROR")

import time  # noqa: E402
from collections import Counter  # noqa: E402
from typing import Any  # noqa: E402

import moto  # noqa: E402
from botocore.client import BaseClient  # noqa: E402
from chalice.test import Client  # noqa: E402

PAGES = [
    ("rankings, all, limit 50", "/rankings?period=2025&limit=50"),
    ("rankings, all, limit 500", "/rankings?period=2025&limit=500"),
    ("rankings, stage, limit 50", "/rankings?period=2025&stage=growth&limit=50"),
    ("rankings, one city, limit 50", "/rankings?period=2025&region=3607&limit=50"),
    ("rankings, industry M73 (rare), limit 50", "/rankings?period=2025&industry=M73&limit=50"),
    ("whitelist, limit 50", "/whitelist?period=2025&limit=50"),
    ("whitelist, grade A, limit 50", "/whitelist?period=2025&grade=A&limit=50"),
    ("whitelist, no period (default)", "/whitelist?limit=50"),
    ("verifications (1 in 9 cards), limit 50", "/verifications?period=2025&limit=50"),
]


def main(cards: int) -> None:
    calls: list[tuple[str, dict[str, Any]]] = []
    original = BaseClient._make_api_call  # type: ignore[attr-defined]

    def counting(self: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        response = original(self, operation, params)
        calls.append((operation, response))
        return response

    with moto.mock_aws():
        from bench.api_client import WORKER, api_app, get_json
        from chalicelib.api.auth import issue_key
        from chalicelib.settings import get_settings
        from scripts.provision import provision
        from scripts.synthetic import seed_many

        provision(get_settings())
        key = issue_key("admin", "bench", departments=())
        started = time.perf_counter()
        seeded = WORKER.submit(seed_many, cards, 2025).result()
        print(f"seeded {cards} cards in {time.perf_counter() - started:.1f} s")
        BaseClient._make_api_call = counting  # type: ignore[attr-defined]
        try:
            with Client(api_app()) as client:
                code = seeded[len(seeded) // 2].code
                rows = [*PAGES, ("portrait (rank: 2 COUNTs per city)", f"/enterprises/{code}?period=2025")]
                print(f"{'request':44} {'ms':>7} {'calls':>6} {'returned':>9} {'examined':>9}  calls by kind")
                for label, path in rows:
                    get_json(client, path, key)  # warm: the first request loads the model and imports
                    calls.clear()
                    started = time.perf_counter()
                    status, _ = get_json(client, path, key)
                    elapsed = (time.perf_counter() - started) * 1000
                    kinds = Counter(op for op, _ in calls)
                    returned = sum(r.get("Count", 1 if op == "GetItem" else 0) for op, r in calls)
                    examined = sum(r.get("ScannedCount", 1 if op == "GetItem" else 0) for op, r in calls)
                    assert status == 200, (path, status)
                    figures = f"{elapsed:7.0f} {len(calls):6d} {returned:9d} {examined:9d}"
                    print(f"{label:44} {figures}  {dict(kinds)}")
        finally:
            BaseClient._make_api_call = original  # type: ignore[attr-defined]


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3000)
