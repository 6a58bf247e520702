"""Rescore end to end in one process over moto: figures printed, nothing asserted.

    python -m bench.bench_rescore [ENTERPRISES]   (default 10,000)

Seeds a province of N enterprises (facts for P and P-1 written directly with the facts builders), then
runs three rounds through the real queue, handler and relay:

1. first scoring: every enterprise queued as ingest would queue it (pairs P-1 and P) - all change;
2. a full rescore of P (POST /rescore): nothing changed - nothing may be written or published;
3. a P-1 upload for 10 % of the enterprises: their P-1 and P cards change, some cross the line.

Per round: wall time from the request to the last event published, DynamoDB requests (every call is
counted at botocore's single entry point), amortised per rescored enterprise: a message's reads are
BatchGetItem calls shared by all its enterprises, so they are spread evenly over them; a changed
enterprise adds its transaction, and what follows its commit (the relay marking outbox records sent,
the report listener's move counters), charged to the changed enterprises as a separate term.
Items per batch write and SNS messages per publish call too. No subscriber is attached to the
topic: moto's SNS-to-SQS delivery costs O(queue depth) per message.
"""

from __future__ import annotations

import os
import sys

from scripts.offline_aws import use_fake_aws

use_fake_aws("bench", log_level="ERROR")

import random  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from datetime import date  # noqa: E402
from decimal import Decimal  # noqa: E402
from typing import Any  # noqa: E402

import moto  # noqa: E402
from botocore.client import BaseClient  # noqa: E402

from chalicelib.domain import regions  # noqa: E402
from scripts.moto_speedups import cheapen_moto_transactions, index_moto_queries, plain_moto_responses  # noqa: E402

P = 2025
# A growth-stage enterprise at full marks on every core input; each enterprise scales it at random.
TEMPLATE: dict[str, int] = {
    "operating_revenue": 12500,
    "rd_expense": 1000,
    "rd_staff": 20,
    "employees": 100,
    "invention_patents": 10,
    "net_profit": 500,
    "tax_paid": 200,
    "other_ip": 20,
    "tech_contract_turnover": 500,
    "standards_led": 3,
    "rd_platforms": 1,
    "high_tech_revenue_ratio": 60,
    "equity_financing": 2000,
    "awards_projects": 2,
    "high_level_talent": 3,
}
FLAGS: dict[str, float] = {
    "high_tech_enterprise": 0.3,
    "srdi_enterprise": 0.15,
    "priority_industry": 0.25,
    "dishonest_debtor": 0.01,
    "abnormal_operation": 0.03,
}
SHARED = "(no enterprise key)"


@dataclass
class Calls:
    """Every AWS call, by operation, and DynamoDB calls by the enterprise whose key they carry."""

    ops: Counter[str] = field(default_factory=Counter)
    by_enterprise: Counter[str] = field(default_factory=Counter)
    transacting: set[str] = field(default_factory=set)
    batch_write_items: list[int] = field(default_factory=list)
    publish_sizes: list[int] = field(default_factory=list)
    last_publish: float = 0.0

    def reset(self) -> None:
        self.__init__()  # type: ignore[misc]


def _enterprise_of(params: Any) -> str | None:
    """The first enterprise key ("E#<code>") found in a request's parameters (a page's start key aside)."""
    if isinstance(params, str):
        return params[2:] if params.startswith("E#") else None
    if isinstance(params, dict):
        values: Any = [v for k, v in params.items() if k != "ExclusiveStartKey"]
    else:
        values = params if isinstance(params, list) else ()
    for value in values:
        found = _enterprise_of(value)
        if found:
            return found
    return None


def install_counter(calls: Calls) -> None:
    original = BaseClient._make_api_call  # type: ignore[attr-defined]  # botocore's one entry point

    def counting(self: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        service = self.meta.service_model.service_name
        calls.ops[f"{service}.{operation}"] += 1
        if service == "dynamodb":
            code = _enterprise_of(params) or SHARED
            calls.by_enterprise[code] += 1
            if operation == "TransactWriteItems":
                calls.transacting.add(code)
            if operation == "BatchWriteItem":
                calls.batch_write_items.append(sum(len(v) for v in params["RequestItems"].values()))
        result = original(self, operation, params)
        if operation == "PublishBatch":
            calls.publish_sizes.append(len(params["PublishBatchRequestEntries"]))
            calls.last_publish = time.perf_counter()
        return result

    BaseClient._make_api_call = counting  # type: ignore[attr-defined]


def credit_code(n: int, region: str) -> str:
    from chalicelib.domain.creditcode import check_character

    first17 = f"91{region}{n:09d}"
    return first17 + check_character(first17)


def seed(n: int, rng: random.Random) -> list[str]:
    """Master data and facts for P and P-1 of n enterprises: one current item each, as ingest leaves
    them, written in batches of 25 (history items are not read by a rescore: none are written)."""
    from chalicelib.domain.model.schema import load_model
    from chalicelib.domain.records import FactValue, Master
    from chalicelib.settings import get_settings
    from chalicelib.stores.facts import Current, FactKey, seed_current

    model = load_model(get_settings().model_version)
    codes: list[str] = []
    currents: list[Any] = []
    order = 0

    def fact(current: Any, period: int, indicator: str, value: int) -> None:
        nonlocal order
        order += 1
        source = model.indicator(indicator).source
        current.set_fact(
            FactKey(current.credit_code, period, indicator),
            FactValue(Decimal(value), source, "b-seed", "2026-01-01T00:00:00Z"),
            f"2026-01-01T00:00:00Z#{order:09d}",
        )

    for i in range(n):
        city = rng.choice((*regions.CITIES, "3690"))  # a few outside the eleven cities: the `other` shard
        region = f"{city}{rng.randint(1, 30):02d}"
        code = credit_code(i, region)
        codes.append(code)
        master = Master(
            code, f"江西样本企业{i:06d}有限公司", date(rng.randint(2005, 2024), 6, 1), region, "C39"
        )
        current = Current(code)
        current.set_master(master, "registry", f"2026-01-01T00:00:00Z#{i:09d}")
        level = rng.uniform(0.25, 1.25)
        for indicator, full in TEMPLATE.items():
            fact(current, P, indicator, round(full * level * rng.uniform(0.7, 1.3)))
        for flag, chance in FLAGS.items():
            if rng.random() < chance:
                fact(current, P, flag, 1)
        for indicator in ("operating_revenue", "rd_expense"):
            fact(current, P - 1, indicator, round(TEMPLATE[indicator] * level * rng.uniform(0.6, 1.1)))
        currents.append(current)
        if len(currents) >= 500:
            seed_current(currents)
            currents = []
    seed_current(currents)
    return codes


def pairs_for(codes: list[str], periods: tuple[int, ...]) -> Iterator[Any]:
    from chalicelib.domain.scoring.rescore_request import Pair

    for code in codes:
        for period in periods:
            yield Pair(credit_code=code, period=period)


def upload_requests(codes: list[str], periods: tuple[int, ...], batch_id: str) -> Iterator[Any]:
    """What ingest queues: pairs in chunks of settings.rescore_chunk_size enterprises."""
    from chalicelib.domain.scoring.rescore_request import RescoreRequest
    from chalicelib.settings import get_settings

    size = get_settings().rescore_chunk_size * len(periods)
    pairs = list(pairs_for(codes, periods))
    for start in range(0, len(pairs), size):
        yield RescoreRequest(reason="upload", batch_id=batch_id, pairs=pairs[start : start + size])


def run_queue(queue_url: str, calls: Calls) -> list[list[int]]:
    """Play the Lambda poller: batches of 10 messages to the handler, delete what did not fail.

    Returns the sizes of the publish calls of each invocation.
    """
    import boto3

    from chalicelib.wiring import handle_rescore_event as handle_sqs_event

    sqs = boto3.client("sqs")
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    invocations: list[list[int]] = []
    while True:
        got = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            return invocations
        records = [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": arn,
                "awsRegion": "cn-northwest-1",
            }
            for m in got
        ]
        before = len(calls.publish_sizes)
        response = handle_sqs_event({"Records": records})
        invocations.append(calls.publish_sizes[before:])
        failed = {f["itemIdentifier"] for f in response["batchItemFailures"]}
        done = [m for m in got if m["MessageId"] not in failed]
        if done:
            sqs.delete_message_batch(
                QueueUrl=queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
            )


READS = frozenset({"BatchGetItem", "GetItem", "Query"})


def report(name: str, calls: Calls, started: float, rescored: int, invocations: list[list[int]]) -> None:
    end = calls.last_publish if calls.last_publish > started else time.perf_counter()
    changed = len(calls.transacting)
    ddb = {op.split(".", 1)[1]: n for op, n in calls.ops.items() if op.startswith("dynamodb.")}
    total = sum(ddb.values())
    reads = sum(n for op, n in ddb.items() if op in READS)
    transactions = ddb.get("TransactWriteItems", 0)
    after = total - reads - transactions  # relay marking records sent, report counters and marks
    print(f"\n== {name}")
    print(f"  enterprises rescored: {rescored:,} (changed: {changed:,})")
    print(
        f"  wall time, request to last event: {end - started:.1f} s ({rescored / (end - started):,.0f} ent/s)"
    )
    print(f"  DynamoDB requests: {total:,} ({reads:,} reads, {transactions:,} transactions, {after:,} other)")
    if not changed:
        print(
            f"  DynamoDB requests per unchanged enterprise (amortised): {total / rescored:.3f}"
            "  (target <= 0.1)"
        )
    else:
        unchanged = rescored - changed
        # reads are shared by every enterprise of a message: charge them evenly, changed or not
        own = (reads * changed / rescored + transactions) / changed
        print(
            f"  DynamoDB requests per changed enterprise (amortised): {own + after / changed:.3f} = "
            f"rescore {own:.3f} (reads {reads / rescored:.3f} + transaction {transactions / changed:.3f}; "
            f"target <= 1.2) + after the commit {after / changed:.3f}"
        )
        print(
            "    (after the commit: the relay marks published outbox records sent, 25 a BatchWriteItem; the "
            "report listener marks the period and, once per invocation, adds its moves to one item a "
            "day (a counter per district); policy re-matching reads the period's policies)"
        )
        if unchanged:
            print(
                f"    unchanged enterprises in this round: {unchanged:,}, "
                f"{reads / rescored:.3f} requests each"
            )
    ops = ", ".join(f"{op} {n:,}" for op, n in sorted(calls.ops.items()))
    print(f"  calls: {ops}")
    if calls.publish_sizes:
        sizes = Counter(calls.publish_sizes)
        # Waiting messages fill every call but an invocation's last: count calls short of 10 elsewhere.
        short = sum(1 for inv in invocations for s in inv[:-1] if s < 10)
        print(
            f"  SNS messages per publish call: mean {statistics.mean(calls.publish_sizes):.2f}, "
            f"{len(calls.publish_sizes):,} calls, {sum(calls.publish_sizes):,} messages, "
            f"sizes {dict(sorted(sizes.items()))}; over {len(invocations)} invocations, "
            f"calls under 10 while more were waiting: {short}"
        )
    else:
        print("  SNS: nothing published")


def main(n: int) -> None:
    install_counter(calls := Calls())
    index_moto_queries()
    cheapen_moto_transactions()
    plain_moto_responses()
    rng = random.Random(2025)
    with moto.mock_aws():
        from chalicelib.settings import get_settings
        from scripts.provision import provision

        resources = provision(get_settings())
        os.environ["RESCORE_QUEUE_URL"] = resources.rescore_queue_url
        os.environ["WHITELIST_TOPIC_ARN"] = resources.whitelist_topic_arn
        get_settings.cache_clear()

        from chalicelib.services import relay
        from chalicelib.services.rescore import request_full_rescore
        from chalicelib.stores.rescore_queue import send_requests

        t0 = time.perf_counter()
        codes = seed(n, rng)
        seconds = time.perf_counter() - t0
        per_call = calls.batch_write_items
        print(f"seeded {n:,} enterprises: {sum(per_call):,} current facts items in {seconds:.1f} s")
        print(
            f"  items per batch write: mean {statistics.mean(per_call):.1f} "
            f"(max {max(per_call)}, {len(per_call):,} calls)"
        )

        def round_(name: str, request: Any, rescored: int) -> None:
            calls.reset()
            started = time.perf_counter()
            request()
            invocations = run_queue(resources.rescore_queue_url, calls)
            leftover = relay.drain_outbox(min_age_seconds=0)
            if leftover:
                print(f"  (drain published {leftover} left pending)")
            report(name, calls, started, rescored, invocations)

        round_(
            "1. first scoring (upload of every enterprise, pairs P-1 and P)",
            lambda: send_requests(upload_requests(codes, (P - 1, P), "b-initial")),
            n,
        )
        round_("2. full rescore of P, nothing changed", lambda: request_full_rescore(P), n)
        moved = codes[: max(1, n // 10)]

        def upload_previous_year() -> None:
            _lower_previous(moved)
            calls.reset()  # the facts written stand for an upload: count the rescore alone
            send_requests(upload_requests(moved, (P - 1, P), "b-previous-year"))

        round_(f"3. P-1 upload for {len(moved):,} enterprises", upload_previous_year, len(moved))
        events: Counter[str] = Counter()
        from chalicelib.stores.tables import OutboxItem

        for item in OutboxItem.scan(attributes_to_get=["body"]):  # bench only: count what was published
            events[str(item.body["type"])] += 1
        print(f"\nevents in the outbox (all rounds): {dict(events)}")


def _lower_previous(codes: list[str]) -> None:
    """A lower P-1 value of both growth inputs: P's growth rises (the current items, as ingest merges)."""
    from chalicelib.domain.records import FactValue
    from chalicelib.stores.facts import FactKey, FactsRepository, seed_current

    currents = FactsRepository().read_many(codes)
    for i, code in enumerate(codes):
        for indicator in ("operating_revenue", "rd_expense"):
            value = FactValue(
                Decimal(TEMPLATE[indicator] // 3), "tax", "b-previous-year", "2026-02-01T00:00:00Z"
            )
            currents[code].set_fact(FactKey(code, P - 1, indicator), value, f"2026-02-01T00:00:00Z#{i:09d}")
    seed_current(currents.values())


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
