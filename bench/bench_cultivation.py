"""Cultivation candidates (contract 17): the build and the pages. Figures printed, nothing asserted.

    python -m bench.bench_cultivation [ENTERPRISES]   (default 10000)

1. Arithmetic (one core, no AWS): every program assessed for N cards, sorted and chunked per scope.
2. Over moto: N card items with digests (as the rescore writes them), N master records and a certificate
   for one in ten; one report rebuild with the cultivation build (wall time, DynamoDB requests by
   operation); then candidate pages of one program — the province, a city, a district, deep pages —
   each with its time and DynamoDB requests (target: ≤ 3 a page).
"""

from __future__ import annotations

import sys

from scripts.offline_aws import use_fake_aws

use_fake_aws("bench", log_level="ERROR")

import random  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from datetime import UTC, date, datetime, timedelta  # noqa: E402
from typing import Any  # noqa: E402

from botocore.client import BaseClient  # noqa: E402

from bench.bench_reports import P, region, seed, templates  # noqa: E402
from bench.moto_stack import provisioned_moto  # noqa: E402
from chalicelib.domain.cultivation.programs import load_programs  # noqa: E402
from chalicelib.domain.model.schema import load_model  # noqa: E402
from chalicelib.domain.qualifications.records import Qualification  # noqa: E402
from chalicelib.domain.reports.inputs import card_digest, parse_digest  # noqa: E402
from chalicelib.settings import get_settings  # noqa: E402
from chalicelib.stores.qualifications import Profile  # noqa: E402

MODEL = load_model(get_settings().model_version)


class Calls:
    def __init__(self) -> None:
        self.ops: Counter[str] = Counter()
        self.active = False

    def install(self) -> None:
        original = BaseClient._make_api_call  # type: ignore[attr-defined]
        calls = self

        def counting(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
            if calls.active and client.meta.service_model.service_name == "dynamodb":
                calls.ops[operation] += 1
            return original(client, operation, params)

        BaseClient._make_api_call = counting  # type: ignore[attr-defined]

    def take(self) -> Counter[str]:
        ops, self.ops = self.ops, Counter()
        return ops


def _ops(ops: Counter[str]) -> str:
    return f"{sum(ops.values())} ({', '.join(f'{k} {v}' for k, v in sorted(ops.items()))})"


def arithmetic(n: int, digests: list[str], rng: random.Random) -> None:
    from chalicelib.services.cultivation_build import CultivationBuild

    ladder = load_programs(MODEL)
    cards = [parse_digest(f"91{region(rng)}{i:09d}X", "", rng.choice(digests)) for i in range(n)]
    cards = [
        c.__class__(**{**{f: getattr(c, f) for f in c.__slots__}, "region_code": c.credit_code[2:8]})
        for c in cards
    ]
    profiles = {
        c.credit_code: Profile(c.credit_code, "样本", date(rng.choice((2010, 2018, 2023)), 6, 1), ())
        for c in cards
    }
    t0 = time.perf_counter()
    items = CultivationBuild(profiles=lambda codes: profiles).items(ladder, P, cards, profiles)
    seconds = time.perf_counter() - t0
    entries = sum(len(i.data["items"]) for i in items)
    print(f"\n== arithmetic, {n:,} cards, {len(ladder.programs)} programs, one core")
    print(
        f"  assessed, sorted and chunked: {seconds:.2f} s; {len(items):,} items, "
        f"{entries:,} entries (every scope)"
    )


def seed_masters(codes: list[str], rng: random.Random) -> None:
    from chalicelib.stores.facts import CURRENT_SK, enterprise_pk
    from chalicelib.stores.qualifications import Held, QualificationsRepository
    from chalicelib.stores.tables import FactItem

    with FactItem.batch_write() as batch:
        for code in codes:
            founded = date(rng.choice((2010, 2018, 2023)), 6, 1).isoformat()
            batch.save(
                FactItem(enterprise_pk(code), CURRENT_SK, kind="current", name=f"样本企业{code[-6:]}",
                         established_on=founded, region_code=code[2:8], industry_code="C39", version=1)
            )  # fmt: skip
    repo = QualificationsRepository()
    for code in codes[::10]:
        held = Held(code)
        held.merge(
            Qualification(
                code, "hnte", f"GR{code[-8:]}", date(2024, 1, 1), date(2026, 12, 31), "sci", "b", "", "o"
            )
        )
        repo.commit(held)


def over_moto(n: int, digests: list[str], calls: Calls, rng: random.Random) -> None:
    from chalicelib.services.cultivation import candidates, ladder
    from chalicelib.services.cultivation_build import cultivation_items
    from chalicelib.services.reports import ReportBuilder
    from chalicelib.stores.reports import ReportsRepository
    from chalicelib.stores.tables import ScoreItem

    with provisioned_moto():
        t0 = time.perf_counter()
        seed(n, digests, rng)
        codes = [item.credit_code for item in ScoreItem.scan(attributes_to_get=["credit_code"])]
        seed_masters(codes, rng)
        print(f"\n== over moto, {n:,} enterprises (seeded in {time.perf_counter() - t0:.1f} s)")
        ReportsRepository().mark_dirty(P, "2026-01-01T00:00:00.000000Z")
        later = datetime.now(UTC) + timedelta(seconds=10)
        calls.active = True
        calls.take()
        t0 = time.perf_counter()
        (built,) = ReportBuilder(clock=lambda: later, extra=(cultivation_items,)).build_dirty()
        seconds = time.perf_counter() - t0
        print(f"  report rebuild with the cultivation build: {seconds:.1f} s, {built.items:,} items; "
              f"DynamoDB requests {_ops(calls.take())}")  # fmt: skip
        program = ladder().program("hnte")
        assert program is not None
        city = codes[0][2:6]
        district = codes[0][2:8]
        cases = [("province", None, 0), ("province, page 10", None, 450), (f"city {city}", city, 0),
                 (f"district {district}", district, 0)]  # fmt: skip
        for label, scope, position in cases:
            for max_unmet in (1, 5):
                t0 = time.perf_counter()
                page = candidates(
                    program, P, region=scope, zone=None, max_unmet=max_unmet, position=position, limit=50
                )
                ms = 1000 * (time.perf_counter() - t0)
                assert page is not None
                print(f"  hnte, {label}, max_unmet={max_unmet}: {len(page.entries)} items in {ms:.0f} ms, "
                      f"DynamoDB requests {_ops(calls.take())}")  # fmt: skip
        calls.active = False


def main(n: int) -> None:
    rng = random.Random(2025)
    digests = [card_digest(c) for c in templates(2000, rng)]
    print(f"{n:,} enterprises; timings on a shared, loaded machine are noisy")
    arithmetic(n, digests, rng)
    calls = Calls()
    calls.install()
    over_moto(n, digests, calls, rng)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
