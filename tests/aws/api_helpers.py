"""Helpers for the API tests: a Chalice app with every resource's routes, requests, pages, batches.

The fixtures (`api_aws`, `client`, `keys`, `stack`, `aws_calls`) are in `conftest.py`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from chalice.app import Chalice
from chalice.test import Client

from chalicelib.domain.model.schema import Stage
from chalicelib.domain.records import Discrepancy
from chalicelib.stores.scores import Retirement, ScoresRepository, card_item
from chalicelib.stores.tables import BatchItem
from scripts.synthetic import COMPUTED_AT, Seeded, build_card, card_write, seeded

ROLES = ("admin", "bank", "department:tax", "department:registry")
BANK_ORG = "test-bank-a"


def put_card(
    code: str,
    period: int,
    score: Decimal | str,
    stage: Stage = "growth",
    *,
    region_code: str = "360111",
    industry_code: str = "C3911",
    name: str = "江西某科技有限公司",
    veto: bool = False,
    discrepancies: Sequence[Discrepancy] = (),
    kind: str = "card",
    zone_id: str | None = None,
) -> Seeded:
    """A card written as the rescore writes it; `kind="retired"` then retires it as the rescore would."""
    card = build_card(code, period, Decimal(score), stage, veto=veto, discrepancies=discrepancies)
    write = card_write(card, name=name, region_code=region_code, industry_code=industry_code, zone_id=zone_id)
    card_item(write).save()
    if kind == "retired":
        scores = ScoresRepository()
        stored = scores.load(code)[period]
        scores.save([Retirement(stored, stored.whitelist, None, COMPUTED_AT)])
    return seeded(card, name, region_code, industry_code)


def put_batch(
    batch_id: str, key: str, department: str, received_at: str, status: str = "completed"
) -> dict[str, Any]:
    report = {
        "batch_id": batch_id,
        "key": key,
        "version_id": "v1",
        "department": department or None,
        "status": status,
        "received_at": received_at,
        "finished_at": received_at,
        "rows": {"total": 2, "accepted": 1, "rejected": 1, "warnings": 0},
        "file_errors": [],
        "row_errors": [
            {
                "row": 3,
                "column": "credit_code",
                "value": "x",
                "code": "INVALID_CREDIT_CODE",
                "message_zh": "统一社会信用代码格式错误",
                "message_en": "invalid credit code",
            }
        ],
        "warnings": [],
        "enterprises_affected": 1,
    }
    BatchItem(
        batch_id,
        key=key,
        version_id="v1",
        department=department,
        status=status,
        received_at=received_at,
        finished_at=received_at,
        report=report,
    ).save()
    return report


def api_app() -> Chalice:
    """app.py's app: the routes serve that one app (`chalicelib.api.register_routes`)."""
    import app

    return app.app


# Requests run on a worker thread, whose call stack starts shallow. CPython 3.11 grows each thread's
# frame stack in 16 KiB chunks mapped with mmap; at pytest's depth, moto's recursive serialiser kept
# crossing a chunk boundary and mapped and unmapped a chunk some 200,000 times a second (a 15x
# slowdown, nearly all of it system time). The worker's stack never reaches that boundary.
_WORKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="api-test")


def _body(response: Any) -> Any:
    return json.loads(response.body) if response.body else None


def get_json(client: Client, path: str, key: str | None) -> tuple[int, Any]:
    headers = {"X-API-Key": key} if key else {}
    response = _WORKER.submit(client.http.get, path, headers=headers).result()
    return response.status_code, _body(response)


def post_json(client: Client, path: str, key: str | None, body: Any) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"} | ({"X-API-Key": key} if key else {})
    response = _WORKER.submit(
        client.http.post, path, headers=headers, body=json.dumps(body).encode()
    ).result()
    return response.status_code, _body(response)


Call = tuple[str, str, dict[str, Any]]  # (service, operation, parameters)


def pages(client: Client, path: str, key: str, limit: int) -> tuple[list[dict[str, Any]], int]:
    """Every item of a list route, following next_token; checks each page's size on the way."""
    items: list[dict[str, Any]] = []
    count, token = 0, None
    while True:
        sep = "&" if "?" in path else "?"
        url = f"{path}{sep}limit={limit}" + (f"&next_token={token}" if token else "")
        status, body = get_json(client, url, key)
        assert status == 200, body
        items += body["items"]
        count += 1
        token = body.get("next_token")
        if token is None:
            assert len(body["items"]) <= limit
            return items, count
        assert len(body["items"]) == limit


@dataclass(frozen=True)
class Stack:
    """A module's shared, read-mostly stack: 300 seeded cards of PERIOD, a client and a key per role."""

    client: Client
    keys: dict[str, str]
    seeded: list[Seeded]


SEEDED_PERIOD = 2025


def build_report(period: int) -> None:
    """Run the report builder for `period` now, as its schedule would: portraits read ranks from it."""
    from chalicelib.services.reports import ReportBuilder
    from chalicelib.stores.reports import ReportsRepository

    ReportBuilder().rebuild(period, ReportsRepository().mark(period))
