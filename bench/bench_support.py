"""Support records through POST /support batches over moto: records per second and DynamoDB requests per
record (targets: ≤ 2 per new record, ≤ 1 per unchanged re-post). Nothing asserted.

    python -m bench.bench_support [RECORDS]   (default 2,000)

Seeds one score card per enterprise, then posts RECORDS new loan records in batches of 500 through the
Chalice test client (a bank's key), posts the same batches again (unchanged), then moves every record
one step along the chain (a new version each). Every DynamoDB call is counted at botocore's entry
point. moto's DynamoDB gets the speedups of `scripts.moto_speedups` (same answers and counts). The
wall times are moto's in process, not DynamoDB's: compare them with each other only.
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

from scripts.moto_speedups import apply_all  # noqa: E402

BATCH = 500
ENTERPRISES = 500  # records spread over this many scored enterprises (several loans each)


def _records(count: int, codes: list[str], status: str) -> list[dict[str, Any]]:
    return [
        {
            "credit_code": codes[n % len(codes)],
            "external_ref": f"BENCH-{n:06d}",
            "kind": "loan",
            "product": "积分贷",
            "status": status,
            "amount_wan": 100 + n % 900,
            "rate_pct": 3.45,
            "term_months": 12,
            "collateral": "credit",
            "occurred_on": "2026-03-02",
            "period": 2025,
        }
        for n in range(count)
    ]


def main(count: int) -> None:
    calls: list[str] = []
    original = BaseClient._make_api_call  # type: ignore[attr-defined]

    def counting(self: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        if self.meta.service_model.service_name == "dynamodb":
            calls.append(operation)
        return original(self, operation, params)

    apply_all()  # moto deep-copies whole tables per transaction otherwise: counts unchanged, cost not
    with moto.mock_aws():
        from bench.api_client import WORKER, api_app, post_json
        from chalicelib.api.auth import issue_key
        from chalicelib.settings import get_settings
        from scripts.provision import provision
        from scripts.synthetic import seed_many

        provision(get_settings())
        key = issue_key("bank", "bench", departments=(), org="bench-bank")
        seeded = WORKER.submit(seed_many, min(ENTERPRISES, count), 2025).result()
        codes = [s.code for s in seeded]
        print(f"{count} records over {len(codes)} scored enterprises, batches of {BATCH}")
        print(f"{'pass':34} {'records/s':>10} {'requests':>9} {'req/record':>11}  requests by kind")
        BaseClient._make_api_call = counting  # type: ignore[attr-defined]
        try:
            with Client(api_app()) as client:
                for label, status, expected in (
                    ("new records (201)", "applied", 201),
                    ("same body again (200, unchanged)", "applied", 200),
                    ("one step along the chain (v2)", "approved", 200),
                ):
                    items = _records(count, codes, status)
                    calls.clear()
                    started = time.perf_counter()
                    for start in range(0, count, BATCH):
                        got, body = post_json(
                            client, "/support", key, {"items": items[start : start + BATCH]}
                        )
                        assert got == 200 and all(i["status"] == expected for i in body["items"]), body
                    elapsed = time.perf_counter() - started
                    per = len(calls) / count
                    kinds = dict(Counter(calls))  # GetItem: the API key, once a request
                    print(f"{label:34} {count / elapsed:10.0f} {len(calls):9d} {per:11.3f}  {kinds}")
        finally:
            BaseClient._make_api_call = original  # type: ignore[attr-defined]
    print("targets: <= 2 requests per new record, <= 1 per unchanged re-post")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
