"""Scoring and ranking throughput, one core. Prints figures; asserts nothing about speed.

    python -m bench.bench_scoring [--enterprises N] [--scores M] [--seed S]

Defaults: 100,000 enterprises with two periods each (env BENCH_ENTERPRISES) and 1,000,000 scores to
rank (env BENCH_RANK_SCORES). Targets (issue 3): >= 20,000 enterprise-periods/s; 1,000,000 ranked in
under 2 s. Synthetic data is generated deterministically in chunks (kept out of the timings) so the
run stays small in memory.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

from chalicelib.cardcodec import card_from_dict, card_to_dict
from chalicelib.model import IndicatorDef, ScoringModel, load_model
from chalicelib.ranking import rank, rank_in_groups, rank_key
from chalicelib.records import EnterpriseData, FactValue, Master, ScoreCard
from chalicelib.scoring import score_enterprise
from chalicelib.settings import get_settings

PERIODS = (2024, 2025)
CHUNK = 5_000
_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _code(rng: random.Random) -> str:
    # shape of a credit code; the check character is not needed for scoring
    return "9136" + "".join(rng.choice(_ALPHABET) for _ in range(14))


def _value(rng: random.Random, ind: IndicatorDef, size: float) -> Decimal:
    """A plausible value: spread around the indicator's growth-stage full mark, scaled by firm size."""
    if ind.type == "flag":
        return Decimal(1 if rng.random() < 0.1 else 0)
    if ind.kind in ("characteristic", "negative"):  # counts of projects or penalties: mostly small
        return Decimal(min(int(rng.expovariate(1.0)), 9))
    reference = ind.full["growth"] if ind.full is not None else Decimal(30)  # rd_staff: a few dozen
    top = max(int(reference * Decimal(size) * 2), 3)
    if ind.type == "count":
        return Decimal(rng.randint(0, top))
    if ind.type == "share":
        return Decimal(rng.randint(0, 10_000)).scaleb(-2)
    return Decimal(rng.randint(-top * 10 if ind.allow_negative else 0, top * 100)).scaleb(-2)  # 万元


def _enterprises(model: ScoringModel, count: int, seed: int) -> Iterator[list[EnterpriseData]]:
    """Chunks of synthetic enterprises: most core values present, flags mostly absent or 0."""
    uploadable = [i for i in model.indicators if i.uploadable]
    cross = model.department(model.cross_check.department)
    cross_ids = cross.sends if cross is not None else ()
    done = 0
    while done < count:
        rng = random.Random(seed * 1_000_003 + done)
        chunk: list[EnterpriseData] = []
        for _ in range(min(CHUNK, count - done)):
            code = _code(rng)
            master = Master(code, "企业", date(rng.randint(2000, 2024), 1, 1), "360100", "C39")
            size = rng.choice((0.1, 0.5, 1.0, 5.0))
            facts: dict[int, dict[str, FactValue]] = {}
            checks: dict[int, dict[str, FactValue]] = {}
            for period in PERIODS:
                row: dict[str, FactValue] = {}
                for ind in uploadable:
                    present = 0.5 if ind.kind in ("characteristic", "negative") else 0.85
                    if rng.random() < present:
                        row[ind.id] = FactValue(
                            _value(rng, ind, size),
                            ind.source,
                            f"{ind.source}-{period}",
                            f"{period + 1}-03-01T00:00:00Z",
                        )
                facts[period] = row
                if rng.random() < 0.2:
                    checks[period] = {
                        i: FactValue(_value(rng, model.indicator(i), size), "stats", f"stats-{period}")
                        for i in cross_ids
                    }
            chunk.append(EnterpriseData(code, master, facts, checks))
        done += len(chunk)
        yield chunk


def bench_scoring(model: ScoringModel, enterprises: int, seed: int) -> list[ScoreCard]:
    cards = 0
    elapsed = 0.0
    sample: list[ScoreCard] = []
    for chunk in _enterprises(model, enterprises, seed):
        start = time.perf_counter()
        for data in chunk:
            scored = score_enterprise(model, data)
            cards += len(scored)
            if len(sample) < 10_000:
                sample.extend(scored)
        elapsed += time.perf_counter() - start
    print(f"scoring: {enterprises:,} enterprises, {cards:,} cards in {elapsed:.2f} s")
    print(f"scoring: {cards / elapsed:,.0f} enterprise-periods/s (target >= 20,000)")
    return sample


def bench_codec(sample: list[ScoreCard]) -> None:
    start = time.perf_counter()
    dumped = [card_to_dict(card) for card in sample]
    mid = time.perf_counter()
    for data in dumped:
        card_from_dict(data)
    end = time.perf_counter()
    n = len(sample)
    print(f"codec: card_to_dict {n / (mid - start):,.0f}/s, card_from_dict {n / (end - mid):,.0f}/s")


def bench_ranking(count: int, seed: int) -> None:
    rng = random.Random(seed)
    scores = [Decimal(c).scaleb(-2) for c in range(100_001)]  # shared, as scores repeat in practice
    entries = [(rng.choice(scores), _code(rng)) for _ in range(count)]
    start = time.perf_counter()
    rank(entries)
    elapsed = time.perf_counter() - start
    print(f"ranking: rank() of {count:,} scores in {elapsed:.2f} s (target < 2 s for 1,000,000)")

    stages = ("startup", "growth", "mature")
    grouped = [((PERIODS[i % 2], stages[i % 3]), s, c) for i, (s, c) in enumerate(entries)]
    start = time.perf_counter()
    rank_in_groups(grouped)
    elapsed = time.perf_counter() - start
    print(f"ranking: rank_in_groups() of {count:,} scores in 6 cohorts in {elapsed:.2f} s")

    start = time.perf_counter()
    for s, c in entries[:100_000]:
        rank_key(s, c)
    elapsed = time.perf_counter() - start
    print(f"ranking: rank_key {min(count, 100_000) / elapsed:,.0f}/s")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--enterprises", type=int, default=int(os.environ.get("BENCH_ENTERPRISES", 100_000)))
    parser.add_argument("--scores", type=int, default=int(os.environ.get("BENCH_RANK_SCORES", 1_000_000)))
    parser.add_argument("--seed", type=int, default=2025)
    args = parser.parse_args()
    model = load_model(get_settings().model_version)
    print(f"model {model.version}; one process, one core")
    sample = bench_scoring(model, args.enterprises, args.seed)
    if sample:
        bench_codec(sample)
    bench_ranking(args.scores, args.seed)


if __name__ == "__main__":
    main()
