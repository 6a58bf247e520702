"""Region reports: the arithmetic's throughput and a rebuild over moto. Figures printed, nothing asserted.

    python -m bench.bench_reports [ENTERPRISES ...]   (default 10000 40000)

1. Arithmetic (one core, no AWS): the largest size given (40,000 by default) of generated cards
   aggregated into every region block (target < 0.5 s), the indicator statistics of every region x
   stage group, and the parsing of card digests (what the builder reads).
2. Rebuild over moto, per size: N card items with digests written to the scores table as the rescore
   writes them (the ~9 KB card JSON itself is left out: moto keeps tables in memory, and the narrow index
   the builder reads never projects it), then one rebuild of the period: wall time and DynamoDB requests
   by operation, the bytes the index Queries returned and the read units they would cost on DynamoDB
   (eventually consistent: 4 KB per 0.5 unit, summed per page), then one report request, the zone report
   (`GET /reports/zones`) and coverage at both levels (`GET /coverage`); the seeded cards lie in the zones
   of `scripts/sample_zones.py` (a third national, 45 % provincial), so the rebuild also builds the zones'
   blocks, statistics and coverage tallies.
"""

from __future__ import annotations

import sys

from scripts.offline_aws import use_fake_aws

use_fake_aws("bench", log_level="ERROR")

import json  # noqa: E402
import random  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from datetime import UTC, date, datetime, timedelta  # noqa: E402
from decimal import Decimal  # noqa: E402
from typing import Any  # noqa: E402

from botocore.client import BaseClient  # noqa: E402

from bench.moto_stack import provisioned_moto  # noqa: E402
from chalicelib.domain import regions  # noqa: E402
from chalicelib.domain.model.schema import STAGES, load_model  # noqa: E402
from chalicelib.domain.records import EnterpriseData, FactValue, Master, ScoreCard  # noqa: E402
from chalicelib.domain.reports.blocks import build_blocks  # noqa: E402
from chalicelib.domain.reports.indicators import indicator_statistics  # noqa: E402
from chalicelib.domain.reports.inputs import card_digest, parse_digest  # noqa: E402
from chalicelib.domain.scoring.cardcodec import card_to_dict  # noqa: E402
from chalicelib.domain.scoring.engine import score_period  # noqa: E402
from chalicelib.settings import get_settings  # noqa: E402
from scripts.moto_speedups import apply_all  # noqa: E402

P = 2025
MODEL = load_model(get_settings().model_version)
TEMPLATE: dict[str, int] = {
    "operating_revenue": 12500, "rd_expense": 1000, "rd_staff": 20, "employees": 100, "invention_patents": 10,
    "net_profit": 500, "tax_paid": 200, "other_ip": 20, "tech_contract_turnover": 500, "standards_led": 3,
    "rd_platforms": 1, "high_tech_revenue_ratio": 60, "equity_financing": 2000, "awards_projects": 2,
    "high_level_talent": 3,
}  # fmt: skip


def region(rng: random.Random) -> str:
    return f"{rng.choice((*regions.CITIES, '3690'))}{rng.randint(1, 30):02d}"


def templates(count: int, rng: random.Random) -> list[ScoreCard]:
    """Real cards from the engine: varied inputs, every stage, some indicators missing."""
    cards: list[ScoreCard] = []
    while len(cards) < count:
        code = f"91360100{len(cards):09d}X"
        master = Master(code, "样本", date(rng.choice((2010, 2018, 2023)), 6, 1), "360111", "C39")
        level = rng.uniform(0.1, 1.4)
        facts = {
            k: FactValue(Decimal(round(v * level * rng.uniform(0.6, 1.4))), MODEL.indicator(k).source, "b")
            for k, v in TEMPLATE.items()
            if rng.random() < 0.85
        }
        previous = {"operating_revenue": FactValue(Decimal(9000), "tax", "b")}
        card = score_period(MODEL, EnterpriseData(code, master, {P: facts, P - 1: previous}), P)
        if card is not None:
            cards.append(card)
    return cards


def arithmetic(n: int, digests: list[str], rng: random.Random) -> None:
    rows = [(f"c{i}", region(rng), rng.choice(digests)) for i in range(n)]
    t0 = time.perf_counter()
    cards = [parse_digest(code, reg, text) for code, reg, text in rows]
    parse = time.perf_counter() - t0
    stages, grades = list(STAGES), [g.grade for g in MODEL.grades]
    t0 = time.perf_counter()
    figures = build_blocks(cards, stages=stages, grades=grades)
    blocks = time.perf_counter() - t0
    core = [
        i.id for i in MODEL.indicators if i.category in ("tech_innovation", "growth_operations", "auxiliary")
    ]
    t0 = time.perf_counter()
    groups = indicator_statistics(cards, core)
    stats = time.perf_counter() - t0
    print(f"\n== arithmetic, {n:,} cards, one core")
    print(
        f"  region blocks (province, 11 cities, {len(figures.districts)} districts): {blocks:.3f} s"
        "  (target < 0.5 s)"
    )
    print(
        f"  indicator statistics ({len(groups)} region x stage groups, {len(core)} indicators): {stats:.3f} s"
    )
    print(f"  digest parsing: {parse:.3f} s ({n / parse:,.0f} cards/s)")


class Calls:
    def __init__(self) -> None:
        self.ops: Counter[str] = Counter()
        self.index_bytes = 0
        self.index_units = 0.0
        self.active = False

    def install(self) -> None:
        original = BaseClient._make_api_call  # type: ignore[attr-defined]
        calls = self

        def counting(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
            result = original(client, operation, params)
            if calls.active and client.meta.service_model.service_name == "dynamodb":
                calls.ops[operation] += 1
                if operation == "Query" and params.get("IndexName") == "by_period":
                    size = len(json.dumps(result.get("Items", [])))
                    calls.index_bytes += size
                    calls.index_units += max(0.5, -(-size // 4096) / 2)
            return result

        BaseClient._make_api_call = counting  # type: ignore[attr-defined]


def zoned(digest: str, code: str, reg: str) -> str:
    """The digest as the rescore writes it for an enterprise of the sample province's zones (issue 19)."""
    from scripts.sample_zones import zone_of

    zone = zone_of(code, reg)
    return f"{digest}{f'|z={zone}' if zone else ''}|d=hrss,sci,tax"


def seed(n: int, digests: list[str], rng: random.Random) -> None:
    from chalicelib.domain.regions import period_partition, shard_for
    from chalicelib.domain.scoring.ranking import rank_key
    from chalicelib.stores.tables import ScoreItem

    with ScoreItem.batch_write() as batch:
        for i in range(n):
            code = f"91{region(rng)}{i:09d}X"
            reg = code[2:8]
            digest = zoned(rng.choice(digests), code, reg)
            score = Decimal(digest.split("|")[3])
            batch.save(
                ScoreItem(
                    f"E#{code}", f"S#{P}", kind="card", credit_code=code, period=P, name="样本",
                    region_code=reg, industry_code="C39", stage=digest.split("|")[1], score=str(score),
                    grade=digest.split("|")[2],
                    model_version=MODEL.version, computed_at="2026-01-01T00:00:00.000000Z",
                    rank_sk=rank_key(score, code), gsi_period=period_partition(P, shard_for(reg)),
                    report_digest=digest,
                )
            )  # fmt: skip


def rebuild(n: int, digests: list[str], calls: Calls, rng: random.Random) -> None:
    from chalicelib.domain.areas import PROVINCE
    from chalicelib.services.reports import ReportBuilder, ReportReader
    from chalicelib.services.zone_reports import coverage, zone_report
    from chalicelib.stores.reports import ReportsRepository

    with provisioned_moto():
        t0 = time.perf_counter()
        seed(n, digests, rng)
        print(f"\n== rebuild over moto, {n:,} enterprises (seeded in {time.perf_counter() - t0:.1f} s)")
        ReportsRepository().mark_dirty(P, "2026-01-01T00:00:00.000000Z")
        calls.active, calls.ops, calls.index_bytes, calls.index_units = True, Counter(), 0, 0.0
        later = datetime.now(UTC) + timedelta(seconds=10)
        t0 = time.perf_counter()
        (built,) = ReportBuilder(clock=lambda: later).build_dirty()
        seconds = time.perf_counter() - t0
        ops = ", ".join(f"{op} {k:,}" for op, k in sorted(calls.ops.items()))
        print(
            f"  rebuild: {seconds:.1f} s, {built.items} report items written, "
            f"{built.full_cards} cards read whole"
        )
        print(f"  DynamoDB requests: {sum(calls.ops.values()):,} ({ops})")
        print(
            f"  index read: {calls.index_bytes / 1e6:.1f} MB in {calls.ops['Query']:,} Queries ~ "
            f"{calls.index_units:,.0f} read units on DynamoDB ({calls.index_units / n:.3f} per card)"
        )
        calls.ops = Counter()
        t0 = time.perf_counter()
        report = ReportReader().region_report(P, "district")
        assert report is not None and report.province.enterprises == n
        print(
            f"  GET /reports/regions?level=district: {1000 * (time.perf_counter() - t0):.0f} ms, "
            f"{sum(calls.ops.values())} DynamoDB requests"
        )
        calls.ops = Counter()
        t0 = time.perf_counter()
        found = zone_report(P, MODEL)
        assert found is not None
        print(
            f"  GET /reports/zones ({len(found[0].items)} zones): "
            f"{1000 * (time.perf_counter() - t0):.0f} ms, {sum(calls.ops.values())} DynamoDB requests"
        )
        departments = [d.id for d in MODEL.departments]
        for level in ("city", "zone"):
            calls.ops = Counter()
            t0 = time.perf_counter()
            rows = coverage(P, level, PROVINCE, departments)
            print(
                f"  GET /coverage?level={level} ({len(rows.items)} rows): "
                f"{1000 * (time.perf_counter() - t0):.0f} ms, {sum(calls.ops.values())} DynamoDB requests"
            )
        calls.active = False


def main(sizes: list[int]) -> None:
    rng = random.Random(2025)
    cards = templates(4000, rng)  # distinct engine cards, each reused (real values repeat less)
    digests = [card_digest(c) for c in cards]
    card_bytes = sum(len(json.dumps(card_to_dict(c), ensure_ascii=False).encode()) for c in cards) / len(
        cards
    )
    print(
        f"card digest: {sum(map(len, digests)) / len(digests):.0f} bytes on average; "
        f"the card: {card_bytes:,.0f}"
    )
    arithmetic(max(sizes), digests, rng)
    calls = Calls()
    calls.install()
    apply_all()
    for n in sizes:
        rebuild(n, digests, calls, rng)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10_000, 40_000])
