"""DynamoDB requests per row of an ingested file, through the real handler over moto (in process).

    python -m bench.ingest_requests [ROWS]     (default 10,000; `bench.bench_ingest` runs it too)

Four uploads of ROWS enterprises each, counted at botocore's single entry point, by operation:

0. the registry's file: every enterprise's master record (a file of unregistered enterprises would
   carry a warning a row, and its report would not fit the idempotency record in moto);
1. the tax department's file (5 values a row): every value new (history items, one a row, then the
   enterprises' current items read in bulk, merged and written in version-conditional
   transactions of 100);
2. the same enterprises from a second department (hrss): current items exist and are merged into;
3. the tax file again as a new S3 version with the same values: history only, no current item written.

The figure of interest is requests per row (linear, small): history is one item per row (the
upload's values of that enterprise and period, issue 24; before it one per value), 25 a
BatchWriteItem, so a row costs 1/25 of those whatever its values, plus 1/100 BatchGetItem and at most
1/100 TransactWriteItems: ~6 requests per 100 rows (a 5-value row took ~22 before). A few requests
per file (batch report, idempotency record) come on top.
"""

from __future__ import annotations

import sys

from scripts.offline_aws import use_fake_aws

use_fake_aws("bench", log_level="WARNING")

import json  # noqa: E402
import os  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from collections import Counter  # noqa: E402
from typing import Any  # noqa: E402

import boto3  # noqa: E402
import moto  # noqa: E402
from botocore.client import BaseClient  # noqa: E402

from scripts.moto_speedups import cheapen_moto_transactions, plain_moto_responses  # noqa: E402

TAX = ("credit_code", "period", "tax_paid", "rd_expense", "operating_revenue", "net_profit", "tax_credit_d")


def _counter() -> Counter[str]:
    ops: Counter[str] = Counter()
    original = BaseClient._make_api_call  # type: ignore[attr-defined]

    def counting(self: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        if self.meta.service_model.service_name == "dynamodb":
            ops[operation] += 1
        return original(self, operation, params)

    BaseClient._make_api_call = counting  # type: ignore[attr-defined]
    return ops


def _codes(n: int) -> list[str]:
    from scripts.synthetic import credit_code

    return [credit_code(700_000 + i, "360111") for i in range(n)]


def _file(header: tuple[str, ...], rows: list[list[object]]) -> bytes:
    lines = [",".join(header), *(",".join(str(v) for v in row) for row in rows)]
    return ("\n".join(lines) + "\n").encode()


def _ingest(bucket: str, queue_url: str, key: str, body: bytes) -> None:
    from chalicelib.services.ingest import handle_sqs_event
    from scripts.sqs_events import record_of

    boto3.client("s3").put_object(Bucket=bucket, Key=key, Body=body)
    sqs = boto3.client("sqs")
    records = []
    while got := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", []):
        for m in got:
            if "s3:TestEvent" not in m["Body"]:
                records.append(
                    record_of(m, "arn:aws-cn:sqs:cn-northwest-1:123456789012:uploads", "cn-northwest-1")
                )
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])
    result = handle_sqs_event({"Records": records})
    if result["batchItemFailures"]:
        raise SystemExit(f"ingest failed: {json.dumps(result)}")


def main(n: int) -> None:
    warnings.filterwarnings("ignore", message="Couldn't determine the remaining time")
    plain_moto_responses()
    cheapen_moto_transactions()
    ops = _counter()
    with moto.mock_aws():
        from chalicelib.settings import get_settings
        from scripts.provision import provision

        resources = provision(get_settings())
        os.environ["RESCORE_QUEUE_URL"] = resources.rescore_queue_url
        get_settings.cache_clear()
        codes = _codes(n)
        tax = _file(TAX, [[c, 2025, 200, 1000, 12500, 500, 1] for c in codes])
        hrss = _file(
            ("credit_code", "period", "employees", "high_level_talent"), [[c, 2025, 100, 3] for c in codes]
        )
        print(f"ingest: DynamoDB requests per row ({n:,} rows a file, moto in process)")
        registry = _file(
            ("统一社会信用代码", "企业名称", "成立日期", "行政区划代码", "行业代码"),
            [[c, f"企业{i}", "2016-05-01", "360111", "C39"] for i, c in enumerate(codes)],
        )
        for label, key, body, values in (
            ("0. registry, every enterprise new", "incoming/registry/名录.csv", registry, 1),
            ("1. tax, every value new", "incoming/tax/2025.csv", tax, 5),
            ("2. hrss, into existing items", "incoming/hrss/2025.csv", hrss, 2),
            ("3. tax again, same values", "incoming/tax/2025.csv", tax, 5),
        ):
            ops.clear()
            started = time.perf_counter()
            _ingest(resources.upload_bucket, resources.uploads_queue_url, key, body)
            seconds = time.perf_counter() - started
            total = sum(ops.values())
            detail = ", ".join(f"{op} {count:,}" for op, count in sorted(ops.items()))
            print(
                f"  {label:<32} {total / n:.3f} requests/row ({values} values a row; "
                f"{total:,} requests in {seconds:.1f} s): {detail}"
            )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
