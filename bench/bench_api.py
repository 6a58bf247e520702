"""The query API over moto: DynamoDB requests and items read per request, and wall time. Nothing asserted.

    python -m bench.bench_api [CARDS] [REPEATS]   (default 3,000 cards, 50 requests of each kind)

Seeds CARDS score cards of one period across Jiangxi's cities (and records the period as scored, as
the rescore's listener does), then requests pages of the lists and portraits through the Chalice test
client, counting every DynamoDB call at botocore's entry point with the items it returned (`Count`) and
examined (`ScannedCount`: what a filter read and dropped, which is what DynamoDB bills). Portraits are
asked before the period's report is built (the rank counted: COUNT queries of the cohort, per shard),
after it (rank from one chunk), and after the card changed since the build (its new score placed in
the build's chunk: one Query still). Peers (contract 16) are asked once the report is built: the card
and its period's mark in one BatchGetItem, the cohorts' figures in another (target: at most 3 requests).
A portrait's open objections come with its BatchGetItem (the facts table's open-objections item).
The API key's record is remembered per container
(`api/key_cache.py`): the counts below are those of a warm container, without the key's GetItem; a
cold one adds one GetItem to its first request.

Then each kind of request is repeated REPEATS times (portraits over different enterprises) for its
p50/p95 wall time. Wall times are moto's in process (with the local stack's speedups,
`scripts/moto_speedups.py`: a Query costs what it returns, not the whole table), not DynamoDB's:
compare them with each other only. Issue 24's budgets are printed beside the counts: a portrait at most
3 requests (p95 ≤ 60 ms), a list page at most 2 + one per city shard it reads.
"""

from __future__ import annotations

import sys

from scripts.offline_aws import use_fake_aws

use_fake_aws("bench", log_level="ERROR")

import statistics  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from collections.abc import Callable  # noqa: E402
from decimal import Decimal  # noqa: E402
from typing import Any  # noqa: E402
from urllib.parse import parse_qs, urlsplit  # noqa: E402

import moto  # noqa: E402
from botocore.client import BaseClient  # noqa: E402
from chalice.test import Client  # noqa: E402

from scripts.moto_speedups import apply_all  # noqa: E402

apply_all()  # the local stack's moto speedups: the same answers and request counts, not O(table) a Query

PERIOD = 2025
LISTS = [
    ("rankings, all, limit 50", "/rankings?period=2025&limit=50"),
    ("rankings, all, limit 500", "/rankings?period=2025&limit=500"),
    ("rankings, no period, limit 50", "/rankings?limit=50"),
    ("rankings, stage, limit 50", "/rankings?period=2025&stage=growth&limit=50"),
    ("rankings, one city, limit 50", "/rankings?period=2025&region=3607&limit=50"),
    ("rankings, industry M73 (rare), limit 50", "/rankings?period=2025&industry=M73&limit=50"),
    ("whitelist, limit 50", "/whitelist?period=2025&limit=50"),
    ("whitelist, grade A, limit 50", "/whitelist?period=2025&grade=A&limit=50"),
    ("whitelist, no period, limit 50", "/whitelist?limit=50"),
    ("verifications (1 in 9 cards), limit 50", "/verifications?period=2025&limit=50"),
]
TIMED = ["rankings, all, limit 50", "whitelist, limit 50", "whitelist, no period, limit 50"]


def _items(response: dict[str, Any]) -> int:
    """Items a response returned: a Query's Count, a BatchGetItem's items of every table, a GetItem's."""
    if "Count" in response:
        return int(response["Count"])
    if "Responses" in response:
        return sum(len(items) for items in response["Responses"].values())
    return 1 if "Item" in response else 0


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def main(cards: int, repeats: int) -> None:
    calls: list[tuple[str, dict[str, Any]]] = []
    original = BaseClient._make_api_call  # type: ignore[attr-defined]

    def counting(self: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        response = original(self, operation, params)
        if self.meta.service_model.service_name == "dynamodb":
            calls.append((operation, response))
        return response

    with moto.mock_aws():
        from bench.api_client import WORKER, api_app, get_json
        from chalicelib.api.auth import issue_key
        from chalicelib.domain.regions import shards_for_prefix
        from chalicelib.services.reports import ReportBuilder
        from chalicelib.settings import get_settings
        from chalicelib.stores import scored_periods
        from chalicelib.stores.scores import card_item
        from scripts.provision import provision
        from scripts.synthetic import build_card, card_write, seed_many

        provision(get_settings())
        key = issue_key("admin", "bench", departments=())
        started = time.perf_counter()
        seeded = WORKER.submit(seed_many, cards, PERIOD).result()
        scored_periods.record(PERIOD)  # what the rescore's listener writes with a period's first card
        print(f"seeded {cards} cards in {time.perf_counter() - started:.1f} s")
        codes = [s.code for s in seeded]
        BaseClient._make_api_call = counting  # type: ignore[attr-defined]
        try:
            with Client(api_app()) as client:

                def measure(label: str, path: str, budget: int | None = None) -> None:
                    get_json(client, "/model", key)  # the key remembered (TTL_S): a warm container
                    calls.clear()
                    started = time.perf_counter()
                    status, _ = get_json(client, path, key)
                    elapsed = (time.perf_counter() - started) * 1000
                    kinds = Counter(op for op, _ in calls)
                    returned = sum(_items(r) for _, r in calls)
                    examined = sum(r.get("ScannedCount", _items(r)) for _, r in calls)
                    assert status == 200, (path, status)
                    figures = f"{elapsed:7.0f} {len(calls):6d} {returned:9d} {examined:9d}"
                    verdict = f"  (≤ {budget}: {'ok' if len(calls) <= budget else 'OVER'})" if budget else ""
                    print(f"{label:44} {figures}  {dict(kinds)}{verdict}")

                def timed(label: str, path_of: Callable[[int], str]) -> None:
                    walls = []
                    for n in range(repeats):
                        started = time.perf_counter()
                        status, _ = get_json(client, path_of(n), key)
                        walls.append((time.perf_counter() - started) * 1000)
                        assert status == 200, (path_of(n), status)
                    p50, p95 = statistics.median(walls), _percentile(walls, 0.95)
                    target = "; target p95 ≤ 60 ms" if label.startswith("portrait") else ""
                    print(f"{label:44} p50 {p50:6.1f} ms   p95 {p95:6.1f} ms   ({repeats} requests{target})")

                code = codes[len(codes) // 2]
                get_json(client, "/model", key)  # warm: loads the model, imports, remembers the key
                print(f"{'request':44} {'ms':>7} {'calls':>6} {'returned':>9} {'examined':>9}  calls by kind")
                portraits = [
                    ("portrait, period, no report built", f"/enterprises/{code}?period={PERIOD}"),
                    ("portrait, no period, no report built", f"/enterprises/{code}"),
                ]
                for label, path in LISTS:  # issue 24: a list page at most 2 + one per shard it reads
                    region = parse_qs(urlsplit(path).query).get("region", [None])[0]
                    measure(label, path, 2 + len(shards_for_prefix(region)))
                for label, path in portraits:
                    measure(label, path)
                started = time.perf_counter()
                WORKER.submit(ReportBuilder().rebuild, PERIOD).result()
                print(f"(report of {cards} cards built in {time.perf_counter() - started:.1f} s)")
                measure("portrait, period, report built", f"/enterprises/{code}?period={PERIOD}", 3)
                measure("portrait, no period, report built", f"/enterprises/{code}", 3)
                measure("peers, period", f"/enterprises/{code}/peers?period={PERIOD}", 3)
                measure("peers, no period", f"/enterprises/{code}/peers", 3)
                mine = next(s for s in seeded if s.code == code)
                rescored = build_card(
                    code, PERIOD, Decimal("999.99"), mine.stage
                )  # leads, unknown to the build
                WORKER.submit(
                    lambda: card_item(
                        card_write(
                            rescored,
                            name=mine.name,
                            region_code=mine.region_code,
                            industry_code=mine.industry_code,
                        )
                    ).save()
                ).result()
                measure("portrait, card changed since the build", f"/enterprises/{code}?period={PERIOD}", 3)
                print()
                BaseClient._make_api_call = original  # type: ignore[attr-defined]
                paths = dict(LISTS)
                for label in TIMED:
                    timed(label, lambda n, path=paths[label]: path)  # type: ignore[misc]
                step = max(1, len(codes) // repeats)
                timed("portrait, period", lambda n: f"/enterprises/{codes[n * step]}?period={PERIOD}")
                timed("portrait, no period", lambda n: f"/enterprises/{codes[n * step]}")
                timed("peers, period", lambda n: f"/enterprises/{codes[n * step]}/peers?period={PERIOD}")
        finally:
            BaseClient._make_api_call = original  # type: ignore[attr-defined]


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 3000,
        int(sys.argv[2]) if len(sys.argv) > 2 else 50,
    )
