"""Policy matching: figures printed, nothing asserted.

    python -m bench.bench_matching [ENTERPRISES] [POLICIES] [PRODUCTS]   (defaults 300, 10 and 20)

1. Criteria evaluation on one core: leaf evaluations per second (every leaf, as reasons need them;
   target >= 200,000), the same with the reasons built (`explain`), and enterprises per second with
   short-circuit (`matches`, what the fan-out calls), over 10,000 synthetic cards and a realistic
   tree of 8 leaves.
2. Publish to last delivery, in one process over moto (mock_aws, with the local stack's moto
   speedups): N scored enterprises, P policies published through the jobs queue (`policy_match`
   chunks), events through the outbox to SNS, the delivery queue drained into the stand-in 赣企通
   receiver. Wall time from the first publish to the last push received; DynamoDB requests per
   matched (policy, enterprise), counted at botocore's single entry point.

The end-to-end part defaults to 300 enterprises, not 10,000: moto answers each call in ~25 ms here
(80 % of the wall time below is moto's request handling, by cProfile) and its SQS costs O(queue
depth) per message, so 10 policies over 10,000 enterprises (~40,000 pushes) would take hours and
measure moto, not this code. The DynamoDB requests per match do not depend on the size; the wall
time on AWS is bounded by Lambda concurrency and 赣企通's answer time. Pass 10000 to run it anyway.

3. Re-matching with banks' products (contract 18): PRODUCTS published products (terms per grade) and,
   for comparison, as many plain policies; a rescore burst of 100 enterprises whose scores moved (some
   onto other grades, so other terms) goes through the rescore's listener (`PolicyRematcher`).
   DynamoDB read requests per rescored enterprise for each; target: a product costs no extra read
   over a plain policy (its terms travel with the policy; the match state is read in the same
   BatchGetItem, 100 keys a call).
"""

from __future__ import annotations

import sys

from scripts.offline_aws import use_fake_aws

use_fake_aws("bench", log_level="ERROR")

import os  # noqa: E402
import random  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402
from decimal import Decimal  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from botocore.client import BaseClient  # noqa: E402

from bench.moto_stack import provisioned_moto  # noqa: E402
from chalicelib.domain.model.schema import STAGES, load_model  # noqa: E402
from chalicelib.domain.policies.criteria import parse_criteria  # noqa: E402
from chalicelib.domain.policies.evaluation import Criteria, Subject  # noqa: E402
from chalicelib.domain.policies.vocabulary import vocabulary_of  # noqa: E402
from chalicelib.domain.records import CategoryScore, IndicatorScore, ScoreCard  # noqa: E402
from chalicelib.domain.regions import CITIES  # noqa: E402
from chalicelib.observability import metrics  # noqa: E402
from scripts.moto_speedups import cheapen_moto_transactions, index_moto_queries, plain_moto_responses  # noqa: E402
from scripts.sqs_events import event_of  # noqa: E402

P = 2025
MODEL = load_model("jx-2025.1-provisional")
VOCAB = vocabulary_of(MODEL)
TREE: dict[str, Any] = {
    "all": [
        {"field": "whitelisted", "op": "==", "value": True},
        {"field": "stage", "op": "in", "value": ["startup", "growth"]},
        {"field": "region_code", "op": "prefix", "value": ["3601", "3607", "3609"]},
        {"not": {"field": "veto", "op": "==", "value": True}},
        {
            "any": [
                {"field": "indicator.invention_patents", "op": ">=", "value": 1},
                {"field": "category.tech_innovation", "op": ">=", "value": 200},
                {"field": "indicator.high_tech_enterprise", "op": "==", "value": True},
            ]
        },
        {"field": "score", "op": ">", "value": 599.99},
    ]
}
INDICATORS = ("invention_patents", "rd_expense", "high_level_talent", "operating_revenue")


def _subjects(n: int, rng: random.Random) -> list[Subject]:
    cities = list(CITIES)
    out: list[Subject] = []
    for _ in range(n):
        out.append(
            {
                "whitelisted": rng.random() < 0.4,
                "veto": rng.random() < 0.02,
                "stage": rng.choice(STAGES),
                "region_code": rng.choice(cities) + f"{rng.randrange(100):02d}",
                "score": Decimal(rng.randrange(0, 100_000)) / 100,
                "category.tech_innovation": Decimal(rng.randrange(0, 40_000)) / 100,
                "indicator.invention_patents": Decimal(rng.randrange(0, 5)) if rng.random() < 0.7 else None,
                "indicator.high_tech_enterprise": rng.random() < 0.3,
            }
        )
    return out


def bench_evaluation() -> None:
    criteria = Criteria(parse_criteria(TREE, VOCAB))
    subjects = _subjects(10_000, random.Random(1))
    started = time.perf_counter()
    rounds = 0
    while time.perf_counter() - started < 2.0:
        for s in subjects:
            criteria.leaf_results(s)
        rounds += 1
    raw_rate = rounds * len(subjects) * criteria.leaf_count / (time.perf_counter() - started)
    started = time.perf_counter()
    rounds = 0
    while time.perf_counter() - started < 2.0:
        for s in subjects:
            criteria.explain(s)
        rounds += 1
    explain_s = time.perf_counter() - started
    leaf_rate = rounds * len(subjects) * criteria.leaf_count / explain_s
    started = time.perf_counter()
    rounds = matched = 0
    while time.perf_counter() - started < 2.0:
        matched = sum(criteria.matches(s) for s in subjects)
        rounds += 1
    match_s = time.perf_counter() - started
    print(f"criteria: {criteria.leaf_count} leaves, {matched} of {len(subjects)} synthetic cards match")
    print(f"  every leaf:                         {raw_rate:,.0f} leaf evaluations/s (target >= 200,000)")
    print(f"  explain (every leaf, with reasons): {leaf_rate:,.0f} leaf evaluations/s")
    print(f"  matches (short-circuit):            {rounds * len(subjects) / match_s:,.0f} enterprises/s")


# --- publish to last delivery ----------------------------------------------------------------------


def _card(code: str, rng: random.Random) -> ScoreCard:
    stage = rng.choice(STAGES)
    score = Decimal(rng.randrange(20_000, 95_000)) / 100
    indicators = tuple(
        IndicatorScore(
            id=i,
            name_zh=MODEL.indicator(i).name_zh,
            category=MODEL.indicator(i).category,
            value=Decimal(rng.randrange(0, 8)) if rng.random() < 0.8 else None,
            points=Decimal("10.00"),
            max_points=Decimal("80"),
            source_department=MODEL.indicator(i).source,
            batch_id="bench",
        )
        for i in INDICATORS
    )
    categories = tuple(
        CategoryScore(id=c.id, points=Decimal(rng.randrange(0, 40_000)) / 100, max=Decimal(400))
        for c in MODEL.categories
    )
    veto = rng.random() < 0.02
    return ScoreCard(
        credit_code=code,
        period=P,
        model_version=MODEL.version,
        stage=stage,
        indicators=indicators,
        categories=categories,
        core=score,
        bonus=Decimal(0),
        deductions=Decimal(0),
        veto=veto,
        score=score,
        grade=MODEL.grade_for(score),
        whitelisted=score >= MODEL.whitelist.min_score and not veto,
        completeness=Decimal("0.8889"),
    )


def _seed(n: int) -> None:
    from chalicelib.domain.creditcode import check_character
    from chalicelib.domain.records import Master
    from chalicelib.stores.scores import CardWrite, card_item
    from chalicelib.stores.tables import ScoreItem

    rng = random.Random(7)
    cities = list(CITIES)
    with ScoreItem.batch_write() as batch:
        for k in range(n):
            region = rng.choice(cities) + "02"
            first17 = f"91{region}{k:09d}"
            code = first17 + check_character(first17)
            master = Master(code, f"企业{k}", datetime(2015, 1, 1).date(), region, "C39")
            write = CardWrite(
                _card(code, rng), master, None, None, None, "bench", "2026-01-01T00:00:00.000000Z"
            )
            batch.save(card_item(write))


def _policies(count: int) -> list[dict[str, Any]]:
    today = datetime.now(UTC).date()
    shapes = [
        {"all": [{"field": "whitelisted", "op": "==", "value": True}]},
        {
            "all": [
                {"field": "stage", "op": "in", "value": ["startup", "growth"]},
                {"field": "score", "op": ">=", "value": 450},
            ]
        },
        {
            "any": [
                {"field": "indicator.invention_patents", "op": ">=", "value": 3},
                {"field": "category.tech_innovation", "op": ">=", "value": 300},
            ]
        },
        {
            "all": [
                {"field": "region_code", "op": "prefix", "value": ["3601", "3607"]},
                {"not": {"field": "veto", "op": "==", "value": True}},
            ]
        },
        {"all": [{"field": "indicator.high_level_talent", "op": ">=", "value": 4}]},
    ]
    return [
        {
            "title": f"基准政策 {n}",
            "kind": "other",
            "period": P,
            "valid_from": (today - timedelta(days=1)).isoformat(),
            "valid_to": (today + timedelta(days=30)).isoformat(),
            "criteria": shapes[n % len(shapes)],
        }
        for n in range(count)
    ]


def _drain(url: str, handler: Any, *, batch: int, limit: int = 1_000_000) -> int:
    """Run the messages of a queue through a handler as its event source would; return invocations."""
    import boto3

    sqs = boto3.client("sqs")
    calls = 0
    while calls < limit:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=batch, AttributeNames=["All"]).get(
            "Messages", []
        )
        if not got:
            return calls
        event = event_of(got, "arn:aws-cn:sqs:cn-northwest-1:123456789012:bench", "cn-northwest-1")
        records = event["Records"]
        result = handler(event)
        metrics.clear_metrics()  # Lambda flushes them after each invocation (app.py's middleware)
        calls += 1
        failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
        for r in records:
            if r["messageId"] not in failed:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=str(r["receiptHandle"]))
    return calls


def bench_publish(enterprises: int, policies: int) -> None:
    index_moto_queries()
    plain_moto_responses()
    cheapen_moto_transactions()
    with provisioned_moto() as resources, tempfile.TemporaryDirectory() as tmp:
        from chalicelib.settings import get_settings
        from scripts.ganqitong_standin import StandIn

        standin = StandIn(Path(tmp) / "ganqitong.jsonl").start()
        os.environ.update(
            {
                "RESCORE_QUEUE_URL": resources.rescore_queue_url,
                "WHITELIST_TOPIC_ARN": resources.whitelist_topic_arn,
                "POLICY_TOPIC_ARN": resources.policy_topic_arn,
                "POLICY_DELIVERY_QUEUE_URL": resources.policy_delivery_queue_url,
                "JOBS_QUEUE_URL": resources.jobs_queue_url,
                "GANQITONG_URL": standin.url,
                "GANQITONG_RETRY_BASE_S": "0",
            }
        )
        get_settings.cache_clear()
        from chalicelib import wiring
        from chalicelib.domain.policies.policy import PolicyFields
        from chalicelib.services import delivery
        from chalicelib.services import policies as service

        started = time.perf_counter()
        _seed(enterprises)
        print(f"seeded {enterprises:,} score cards of {P} in {time.perf_counter() - started:.1f} s")
        drafts = [service.create(PolicyFields.model_validate(p), "admin") for p in _policies(policies)]

        counter: Counter[str] = Counter()
        original = BaseClient._make_api_call  # type: ignore[attr-defined]

        def counting(self: BaseClient, operation: str, params: dict[str, Any]) -> Any:
            counter[f"{self.meta.service_model.service_name}:{operation}"] += 1
            return original(self, operation, params)

        BaseClient._make_api_call = counting  # type: ignore[attr-defined]
        try:
            started = time.perf_counter()
            cpu_started = time.process_time()
            for draft in drafts:
                service.publish(draft.policy_id)
            job_calls = delivery_calls = 0
            while True:  # one job step, then what it pushed: queues stay shallow, as Lambda keeps them
                ran = _drain(resources.jobs_queue_url, wiring.handle_jobs_event, batch=1, limit=1)
                delivered = _drain(resources.policy_delivery_queue_url, delivery.handle_sqs_event, batch=10)
                job_calls += ran
                delivery_calls += delivered
                if not ran and not delivered:
                    break
            wall = time.perf_counter() - started
            cpu = time.process_time() - cpu_started
        finally:
            BaseClient._make_api_call = original  # type: ignore[attr-defined]
        standin.stop()
        pushes = standin.received
        dynamodb = sum(v for k, v in counter.items() if k.startswith("dynamodb:"))
        print(
            f"publish -> last delivery: {policies} policies over {enterprises:,} enterprises: {wall:.1f} s, "
            f"{pushes:,} matches pushed to the stand-in 赣企通 "
            f"({job_calls} job and {delivery_calls} delivery invocations); "
            f"{cpu:.1f} s of CPU in this process (the machine is shared: wall > CPU)"
        )
        if pushes:
            print(
                f"  DynamoDB requests per matched enterprise: {dynamodb / pushes:.2f} ({dynamodb:,} in all)"
            )
            top = ", ".join(
                f"{k.split(':')[1]} {v:,}" for k, v in counter.most_common() if k.startswith("dynamodb:")
            )
            print(f"  by operation: {top}")
            print(f"  SNS publish calls: {counter['sns:PublishBatch']:,}")


# --- re-matching with products ----------------------------------------------------------------------

_READS = frozenset({"GetItem", "Query", "BatchGetItem", "Scan"})


def _products(count: int, *, with_terms: bool) -> list[dict[str, Any]]:
    bodies = []
    for n, body in enumerate(_policies(count)):
        body = {**body, "title": f"基准产品 {n}", "kind": "finance"}
        if with_terms:
            step = Decimal(n % 5) / 10
            body["product_type"] = "loan"
            body["terms"] = {
                grade: {
                    "max_amount_wan": 1000 - 200 * i,
                    "rate_pct": float(Decimal("3.3") + Decimal(i) / 2 + step),
                    "max_term_months": 36 - 6 * i,
                    "collateral": "credit" if i < 2 else "mortgage",
                }
                for i, grade in enumerate(("A", "B", "C")[: 1 + n % 3])
            }
        bodies.append(body)
    return bodies


def _count_calls(run: Any) -> Counter[str]:
    """AWS operations `run()` makes, counted at botocore's single entry point."""
    counter: Counter[str] = Counter()
    original = BaseClient._make_api_call  # type: ignore[attr-defined]

    def counting(self: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        counter[operation] += 1
        return original(self, operation, params)

    BaseClient._make_api_call = counting  # type: ignore[attr-defined]
    try:
        run()
    finally:
        BaseClient._make_api_call = original  # type: ignore[attr-defined]
    return counter


def bench_products(enterprises: int, products: int, burst: int = 100) -> None:
    index_moto_queries()
    plain_moto_responses()
    cheapen_moto_transactions()
    with provisioned_moto() as resources:
        from chalicelib.settings import get_settings

        os.environ.update(
            {
                "POLICY_TOPIC_ARN": resources.policy_topic_arn,
                "WHITELIST_TOPIC_ARN": resources.whitelist_topic_arn,
            }
        )
        get_settings.cache_clear()
        from chalicelib.domain.creditcode import check_character
        from chalicelib.domain.policies.policy import PUBLISHED, PolicyFields
        from chalicelib.domain.records import Master
        from chalicelib.services import policies as service
        from chalicelib.services.matching import PolicyRematcher
        from chalicelib.stores import policies as store
        from chalicelib.stores.scores import CardWrite

        _seed(enterprises)
        rng = random.Random(11)
        cities = list(CITIES)
        masters = []
        for k in range(burst):
            region = rng.choice(cities) + "02"
            first17 = f"91{region}{k:09d}"
            masters.append(
                Master(
                    first17 + check_character(first17), f"企业{k}", datetime(2015, 1, 1).date(), region, "C39"
                )
            )

        def burst_writes(seed: int) -> list[CardWrite]:
            r = random.Random(seed)
            return [
                CardWrite(
                    _card(m.credit_code, r), m, None, None, None, "bench", "2026-01-01T00:00:00.000000Z"
                )
                for m in masters
            ]

        for label, with_terms in (("plain policies", False), ("products", True)):
            for policy in store.published(P):  # the previous round's leave the period's index
                store.save_status(policy.model_copy(update={"status": "withdrawn"}), policy)
            for body in _products(products, with_terms=with_terms):
                draft = service.create(
                    PolicyFields.model_validate(body), "jx-bench-bank" if with_terms else "admin"
                )
                store.save_status(draft.model_copy(update={"status": PUBLISHED}), draft)  # matched below
            PolicyRematcher()(burst_writes(1))  # first matches written
            started = time.perf_counter()
            counter = _count_calls(lambda: PolicyRematcher()(burst_writes(2)))  # scores move, grades too
            wall = time.perf_counter() - started
            reads = sum(v for k, v in counter.items() if k in _READS)
            writes = counter["TransactWriteItems"]
            print(
                f"re-matching {burst} rescored enterprises against {products} {label}: "
                f"{reads / burst:.2f} DynamoDB reads per enterprise ({reads} in all: "
                + ", ".join(f"{k} {v}" for k, v in sorted(counter.items()) if k in _READS)
                + f"), {writes} match changes written, {wall:.1f} s in moto"
            )


def main() -> None:
    enterprises = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    policies = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    products = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    bench_evaluation()
    bench_publish(enterprises, policies)
    bench_products(enterprises, products)


if __name__ == "__main__":
    main()
