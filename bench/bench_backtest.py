"""Backtest throughput (pure, one core) and an activation's full rescore over moto: figures, no asserts.

    python -m bench.bench_backtest [BACKTEST_ENTERPRISES] [ACTIVATION_ENTERPRISES]

Defaults 100,000 and 10,000 (env BENCH_BACKTEST, BENCH_ACTIVATION).

1. Backtest, pure: the enterprise-periods of a synthetic province (bench_scoring's generator), each
   scored under the active model and the draft by the production engine (whole cards, as the backtest
   job scores them) and compared (contract 11's aggregates).
2. Activation: N enterprises seeded and scored under the active model, then `activate(draft)` and the
   jobs queue driven to the end through the real jobs handler (plan step, chunks of 200, relay), in one
   process over moto with the local stack's speedups. Wall time from the request to the job's end.
"""

from __future__ import annotations

import os
import sys

from scripts.offline_aws import use_fake_aws

use_fake_aws("bench", log_level="ERROR")

import gc  # noqa: E402
import random  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from typing import Any  # noqa: E402

import moto  # noqa: E402

from bench.bench_scoring import Clock, _enterprises  # noqa: E402
from chalicelib.domain.model.schema import load_model  # noqa: E402
from chalicelib.domain.scoring.backtest import Comparison, compare, merge  # noqa: E402
from chalicelib.domain.scoring.engine import score_period  # noqa: E402
from scripts.moto_speedups import cheapen_moto_transactions, index_moto_queries, plain_moto_responses  # noqa: E402

ACTIVE = "jx-2025.1-provisional"
DRAFT = "jx-2026.1-draft"
P = 2025
CHUNK = 200  # as a backtest job's chunk


def bench_pure(n: int) -> None:
    active, draft = load_model(ACTIVE), load_model(DRAFT)
    engine = Clock()
    results: list[dict[str, Any]] = []
    compared = 0
    for chunk in _enterprises(active, n, seed=2026):
        gc.freeze()  # the generated province is not the job's garbage
        for start in range(0, len(chunk), CHUNK):
            part = chunk[start : start + CHUNK]
            with engine:
                cards = [
                    Comparison(d.credit_code, "360100", score_period(active, d, P), score_period(draft, d, P))
                    for d in part
                ]
                results.append(compare(cards))
            compared += len(part)
    gc.unfreeze()
    result = merge(results)
    print(f"backtest, pure: {compared:,} enterprise-periods of {P}, active vs draft, chunks of {CHUNK}")
    print(f"  engine (as the job, whole cards): {engine.rate(compared)} enterprise-periods")
    print(f"  each enterprise-period is scored twice: {2 * compared / engine.cpu:,.0f} scores/s CPU")
    print(
        f"  result: {result['entered_count']:,} would enter, {result['left_count']:,} leave, "
        f"{result['changed']:,} change score, mean delta {result['score_delta']['mean']}"
    )


def bench_activation(n: int) -> None:
    index_moto_queries()
    cheapen_moto_transactions()
    plain_moto_responses()
    with moto.mock_aws():
        from chalicelib.settings import get_settings
        from scripts.provision import provision

        resources = provision(get_settings())
        os.environ["RESCORE_QUEUE_URL"] = resources.rescore_queue_url
        os.environ["WHITELIST_TOPIC_ARN"] = resources.whitelist_topic_arn
        os.environ["JOBS_QUEUE_URL"] = resources.jobs_queue_url
        get_settings.cache_clear()

        from bench.bench_rescore import Calls, install_counter, run_queue, seed, upload_requests
        from chalicelib.services import activation
        from chalicelib.stores import jobs
        from chalicelib.stores.rescore_queue import send_requests
        from chalicelib.stores.tables import OutboxItem
        from tests.aws.jobs_helpers import drain_jobs

        install_counter(calls := Calls())
        t0 = time.perf_counter()
        codes = seed(n, random.Random(2025))
        send_requests(upload_requests(codes, (P - 1, P), "b-initial"))
        run_queue(resources.rescore_queue_url, calls)
        took = time.perf_counter() - t0
        print(f"\nactivation: {n:,} enterprises seeded and scored under {ACTIVE} in {took:.0f} s")

        calls.reset()
        started = time.perf_counter()
        job_id = activation.activate(DRAFT)
        invocations = drain_jobs(resources, max_rounds=n)  # one per chunk, plus the plan step
        seconds = time.perf_counter() - started
        job = jobs.get(job_id)
        assert job is not None
        print(
            f"  activate {DRAFT}: job {job.status}, {job.done:,}/{job.total:,} enterprises in "
            f"{invocations:,} invocations, {seconds:.1f} s wall ({job.done / seconds:,.0f} enterprises/s)"
        )
        print(f"  job result: {job.result}")
        dynamodb = sum(v for k, v in calls.ops.items() if k.startswith("dynamodb."))
        print(f"  DynamoDB requests: {dynamodb:,} ({dynamodb / max(job.done, 1):.1f} per enterprise)")
        events: Counter[str] = Counter()
        for item in OutboxItem.scan(attributes_to_get=["body"]):  # bench only
            if item.body.get("model_version") == DRAFT:
                events[str(item.body["type"])] += 1
        print(f"  whitelist events under {DRAFT}: {dict(events)}")


def main(backtest: int, activation: int) -> None:
    bench_pure(backtest)
    if activation:
        bench_activation(activation)


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    main(
        args[0] if args else int(os.environ.get("BENCH_BACKTEST", "100000")),
        args[1] if len(args) > 1 else int(os.environ.get("BENCH_ACTIVATION", "10000")),
    )
