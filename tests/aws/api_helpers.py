"""Fixtures and seeding for the API tests: a Chalice app with the API Blueprint, keys per role, cards."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import moto
import pytest
from chalice.app import Chalice
from chalice.test import Client

from chalicelib.api import register_routes
from chalicelib.api.auth import department_ids, issue_key
from chalicelib.domain.creditcode import ALPHABET, check_character
from chalicelib.domain.model.schema import Stage, load_model
from chalicelib.domain.records import CategoryScore, Discrepancy, IndicatorScore, ScoreCard
from chalicelib.domain.regions import period_partition, shard_for, stage_partition
from chalicelib.domain.scoring.cardcodec import card_to_dict
from chalicelib.domain.scoring.ranking import rank_key
from chalicelib.settings import get_settings
from chalicelib.stores import tables
from chalicelib.stores.tables import BatchItem, ScoreItem
from scripts.provision import Resources, provision

ROLES = ("admin", "bank", "department:tax", "department:registry")
BANK_ORG = "test-bank-a"
MODEL = load_model(get_settings().model_version)


def credit_code(n: int, region6: str = "360100") -> str:
    """A valid credit code, distinct for each n."""
    org = ""
    for _ in range(9):
        n, digit = divmod(n, len(ALPHABET))
        org = ALPHABET[digit] + org
    first17 = f"91{region6}{org}"
    return first17 + check_character(first17)


@dataclass(frozen=True)
class Seeded:
    code: str
    period: int
    score: Decimal
    stage: Stage
    region_code: str
    industry_code: str
    name: str
    veto: bool
    whitelisted: bool
    grade: str
    has_discrepancy: bool

    @property
    def rank_sk(self) -> str:
        return rank_key(self.score, self.code)


def build_card(
    code: str,
    period: int,
    score: Decimal,
    stage: Stage,
    *,
    veto: bool = False,
    discrepancies: Sequence[Discrepancy] = (),
) -> ScoreCard:
    """A small but complete card: one core indicator carries the whole score."""
    grade = MODEL.grade_for(score)
    indicator = IndicatorScore(
        id="rd_expense",
        name_zh="研发费用总额",
        category="tech_innovation",
        value=Decimal("800"),
        points=score,
        max_points=Decimal("90"),
        source_department="tax",
        batch_id="b-1",
        explanation=f"研发费用总额 800 万元，得 {score} 分",
    )
    return ScoreCard(
        credit_code=code,
        period=period,
        model_version=MODEL.version,
        stage=stage,
        indicators=(indicator,),
        categories=tuple(
            CategoryScore(id=c.id, points=score if c.id == "tech_innovation" else Decimal(0), max=Decimal(0))
            for c in MODEL.categories
        ),
        core=score,
        bonus=Decimal(0),
        deductions=Decimal(0),
        veto=veto,
        score=score,
        grade=grade,
        whitelisted=score >= MODEL.whitelist.min_score and not veto,
        completeness=Decimal("0.0556"),
        discrepancies=tuple(discrepancies),
    )


def discrepancy(period: int) -> Discrepancy:
    return Discrepancy(
        indicator="operating_revenue",
        period=period,
        scored_value=Decimal("1000"),
        scored_department="tax",
        stats_value=Decimal("1500"),
        gap_pct=Decimal("50.00"),
        stats_batch_id="stats-1",
    )


def card_item(
    card: ScoreCard, *, name: str, region_code: str, industry_code: str, kind: str = "card"
) -> ScoreItem:
    """The card item as rescoring writes it (tables.py's key design, regions' partitions)."""
    shard = shard_for(region_code)
    indexed = kind == "card"
    return ScoreItem(
        f"E#{card.credit_code}",
        f"S#{card.period}",
        kind=kind,
        credit_code=card.credit_code,
        period=card.period,
        name=name,
        region_code=region_code,
        industry_code=industry_code,
        stage=card.stage,
        score=f"{card.score:.2f}",
        grade=card.grade,
        veto=card.veto,
        whitelisted=card.whitelisted,
        model_version=card.model_version,
        computed_at="2026-01-05T08:00:00.000000Z",
        batch_id="b-1",
        card=json.loads(json.dumps(card_to_dict(card))),
        rank_sk=rank_key(card.score, card.credit_code) if indexed else None,
        gsi_period=period_partition(card.period, shard) if indexed else None,
        gsi_stage=stage_partition(card.period, card.stage, shard) if indexed else None,
        gsi_whitelist=period_partition(card.period, shard) if indexed and card.whitelisted else None,
    )


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
) -> Seeded:
    card = build_card(code, period, Decimal(score), stage, veto=veto, discrepancies=discrepancies)
    card_item(card, name=name, region_code=region_code, industry_code=industry_code, kind=kind).save()
    return _seeded(card, name, region_code, industry_code)


def _seeded(card: ScoreCard, name: str, region_code: str, industry_code: str) -> Seeded:
    return Seeded(
        code=card.credit_code,
        period=card.period,
        score=card.score,
        stage=card.stage,
        region_code=region_code,
        industry_code=industry_code,
        name=name,
        veto=card.veto,
        whitelisted=card.whitelisted,
        grade=card.grade,
        has_discrepancy=bool(card.discrepancies),
    )


# one region per city, and the last one in the `other` shard
REGIONS: tuple[str, ...] = (
    *("360102", "360111", "360203", "360402", "360502", "360602"),
    *("360702", "360802", "360902", "361002", "361102", "369901"),
)
INDUSTRIES = ("C3911", "C3912", "C2710", "M7310", "A0111", "I6510")
STAGES: tuple[Stage, ...] = ("startup", "growth", "mature")


def seed_many(count: int, period: int, *, seed: int = 7) -> list[Seeded]:
    """`count` cards across cities, stages and industries, with ties in score, written in batches."""
    import random

    rng = random.Random(seed)
    seeded = []
    with ScoreItem.batch_write() as batch:
        for n in range(count):
            code = credit_code(10_000 + n)
            # a coarse score grid makes ties, so the credit code must break them
            score = Decimal(rng.randrange(0, 4001)) / 4
            region = REGIONS[n % len(REGIONS)]
            industry = INDUSTRIES[rng.randrange(len(INDUSTRIES))]
            stage = STAGES[rng.randrange(3)]
            veto = rng.random() < 0.05
            discrepancies = (discrepancy(period),) if n % 9 == 0 else ()
            card = build_card(code, period, score, stage, veto=veto, discrepancies=discrepancies)
            name = f"企业{n}"
            batch.save(card_item(card, name=name, region_code=region, industry_code=industry))
            seeded.append(_seeded(card, name, region, industry))
    return seeded


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
    app = Chalice(app_name="innovation-points-api-test")
    register_routes(app)
    return app


@pytest.fixture(scope="module")
def api_aws() -> Iterator[Resources]:
    """Like conftest's `aws`, but once per test module: provisioning costs seconds under moto, and the
    API tests only read what each writes under its own codes, periods and ids."""
    with moto.mock_aws():
        for model in tables.ALL_MODELS:  # pynamodb caches its connection on the class
            model._connection = None
        yield provision(get_settings())


@pytest.fixture(scope="module")
def client(api_aws: Resources) -> Iterator[Client]:
    with Client(api_app()) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def keys(api_aws: Resources) -> dict[str, str]:
    departments = department_ids(get_settings().model_version)
    orgs = {"bank": BANK_ORG}  # contract 7: every bank key belongs to an institution
    return {
        role: issue_key(role, f"test {role}", departments=departments, org=orgs.get(role)) for role in ROLES
    }


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


@pytest.fixture
def aws_calls(monkeypatch: pytest.MonkeyPatch) -> list[Call]:
    """Every AWS API call made through botocore (boto3 and pynamodb alike), in order."""
    from botocore.client import BaseClient

    calls: list[Call] = []
    original = BaseClient._make_api_call  # type: ignore[attr-defined]

    def recording(self: BaseClient, operation_name: str, api_params: dict[str, Any]) -> Any:
        calls.append((self.meta.service_model.service_name, operation_name, api_params))
        return original(self, operation_name, api_params)

    monkeypatch.setattr(BaseClient, "_make_api_call", recording)
    return calls


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


@pytest.fixture(scope="module")
def stack(client: Client, keys: dict[str, str]) -> Stack:
    return Stack(client, keys, seed_many(300, SEEDED_PERIOD))
