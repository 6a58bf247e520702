"""Scoring and ranking throughput, one core. Prints figures; asserts nothing about speed.

    python -m bench.bench_scoring [--enterprises N] [--scores M] [--seed S]

Defaults: 100,000 enterprises with two periods each (env BENCH_ENTERPRISES) and 1,000,000 scores to
rank (env BENCH_RANK_SCORES). Targets: >= 60,000 score cards/s (issue 15; issue 3 asked 20,000);
1,000,000 ranked in under 2 s. Synthetic data is generated deterministically in chunks (kept out of
the timings) so the run stays small in memory. The generator also feeds the golden scoring digest
(`tests/unit/golden_cards.py`): changing what it generates changes that stream.

Also timed: the stored form (`card_to_dict`, the rescore's per-card cost, and `same_card`, its
comparison with the stored card), decoding it back, and telling a card's sentences (`explanations`,
paid once per portrait or what-if instead of once per card scored).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import time
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

from chalicelib.domain.model.schema import IndicatorDef, ScoringModel, load_model
from chalicelib.domain.records import EnterpriseData, FactValue, Master, ScoreCard
from chalicelib.domain.scoring.cardcodec import card_from_dict, card_to_dict, same_card
from chalicelib.domain.scoring.engine import score_enterprise
from chalicelib.domain.scoring.explain import explanations
from chalicelib.domain.scoring.ranking import rank, rank_in_groups, rank_key
from chalicelib.settings import get_settings

PERIODS = (2024, 2025)
CHUNK = 2_000
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


class Clock:
    """Wall time and this process's CPU time: on a shared machine the CPU time is the one-core figure."""

    def __init__(self) -> None:
        self.wall = 0.0
        self.cpu = 0.0

    def __enter__(self) -> Clock:
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall += time.perf_counter() - self._wall
        self.cpu += time.process_time() - self._cpu

    def rate(self, count: int) -> str:
        return f"{count / self.cpu:,.0f}/s CPU ({count / self.wall:,.0f}/s wall)"

    def took(self) -> str:
        return f"{self.cpu:.2f} s CPU ({self.wall:.2f} s wall)"


def bench_scoring(model: ScoringModel, enterprises: int, seed: int) -> list[ScoreCard]:
    cards = 0
    clock = Clock()
    sample: list[ScoreCard] = []
    for chunk in _enterprises(model, enterprises, seed):
        if not sample:  # the codec's sample, scored outside the clock: a rescore keeps no cards
            sample = [card for data in chunk[:2_500] for card in score_enterprise(model, data)]
        # A rescore holds one message's enterprises, not a bench's pending chunk: keep the generated
        # data (and the sample) out of the cyclic collector's way, as they would not be there.
        gc.freeze()
        with clock:
            for data in chunk:
                cards += len(score_enterprise(model, data))
    gc.unfreeze()
    print(f"scoring: {enterprises:,} enterprises, {cards:,} cards in {clock.took()}")
    print(f"scoring: {clock.rate(cards)} score cards (target >= 60,000/s)")
    return sample


def bench_codec(model: ScoringModel, sample: list[ScoreCard]) -> None:
    """The stored form as the rescore uses it: each card encoded (and compared), then dropped."""
    to_dict, compare, from_dict, told = Clock(), Clock(), Clock(), Clock()
    stored = json.loads(json.dumps([card_to_dict(card) for card in sample]))  # as the table returns it
    gc.freeze()
    with to_dict:
        for card in sample:
            card_to_dict(card)
    with compare:
        for old, card in zip(stored, sample, strict=True):
            same_card(old, card_to_dict(card))
    with from_dict:
        for data in stored:
            card_from_dict(data)
    with told:
        for card in sample:
            explanations(model, card)
    gc.unfreeze()
    n = len(sample)
    size = sum(len(json.dumps(d, ensure_ascii=False).encode()) for d in stored) / n
    print(f"codec: card_to_dict {to_dict.rate(n)}, card_from_dict {from_dict.rate(n)}")
    print(f"codec: card_to_dict + same_card (the rescore's check of an unchanged card) {compare.rate(n)}")
    print(f"codec: {size:,.0f} bytes of JSON per stored card")
    print(f"explain: a whole card's sentences {told.rate(n)} cards")


def bench_ranking(count: int, seed: int) -> None:
    rng = random.Random(seed)
    scores = [Decimal(c).scaleb(-2) for c in range(100_001)]  # shared, as scores repeat in practice
    entries = [(rng.choice(scores), _code(rng)) for _ in range(count)]
    with Clock() as clock:
        rank(entries)
    print(f"ranking: rank() of {count:,} scores in {clock.took()} (target < 2 s for 1,000,000)")

    stages = ("startup", "growth", "mature")
    grouped = [((PERIODS[i % 2], stages[i % 3]), s, c) for i, (s, c) in enumerate(entries)]
    with Clock() as clock:
        rank_in_groups(grouped)
    print(f"ranking: rank_in_groups() of {count:,} scores in 6 cohorts in {clock.took()}")

    keys = entries[:100_000]
    with Clock() as clock:
        for s, c in keys:
            rank_key(s, c)
    print(f"ranking: rank_key {clock.rate(len(keys))}")


def calibrate() -> None:
    """A yardstick for comparing runs on shared or slower machines."""
    with Clock() as clock:
        for _ in range(10_000_000):
            pass
    print(f"machine: 10,000,000 empty loop iterations in {clock.took()}")


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
    calibrate()
    sample = bench_scoring(model, args.enterprises, args.seed)
    if sample:
        bench_codec(model, sample)
    bench_ranking(args.scores, args.seed)


if __name__ == "__main__":
    main()
