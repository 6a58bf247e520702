"""Synthetic enterprises and score cards for tests and benchmarks (the realistic province is
`scripts/sample_data.py`). Cards are written through the scores store, as the rescore writes them."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from chalicelib.domain.creditcode import ALPHABET, complete
from chalicelib.domain.model.schema import STAGES, ScoringModel, Stage, load_model
from chalicelib.domain.records import CategoryScore, Discrepancy, IndicatorScore, Master, ScoreCard
from chalicelib.domain.scoring.ranking import rank_key
from chalicelib.settings import get_settings
from chalicelib.stores.scores import CardWrite, card_item

# one region per city, and the last one in the `other` shard
REGIONS: tuple[str, ...] = (
    *("360102", "360111", "360203", "360402", "360502", "360602"),
    *("360702", "360802", "360902", "361002", "361102", "369901"),
)
INDUSTRIES = ("C3911", "C3912", "C2710", "M7310", "A0111", "I6510")
COMPUTED_AT = "2026-01-05T08:00:00.000000Z"


def credit_code(n: int, region6: str = "360100") -> str:
    """A valid credit code, distinct for each n (its organisation part is n in the code's alphabet)."""
    org = ""
    for _ in range(9):
        n, digit = divmod(n, len(ALPHABET))
        org = ALPHABET[digit] + org
    return complete(f"91{region6}{org}")


def _model() -> ScoringModel:
    return load_model(get_settings().model_version)


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
    model = _model()
    rd = model.indicator("rd_expense")
    indicator = IndicatorScore(
        id=rd.id,
        name_zh=rd.name_zh,
        category=rd.category,
        value=Decimal("800"),
        points=score,
        max_points=Decimal("90"),
        source_department="tax",
        batch_id="b-1",
    )
    return ScoreCard(
        credit_code=code,
        period=period,
        model_version=model.version,
        stage=stage,
        indicators=(indicator,),
        categories=tuple(
            CategoryScore(id=c.id, points=score if c.id == "tech_innovation" else Decimal(0), max=Decimal(0))
            for c in model.categories
        ),
        core=score,
        bonus=Decimal(0),
        deductions=Decimal(0),
        veto=veto,
        score=score,
        grade=model.grade_for(score),
        whitelisted=score >= model.whitelist.min_score and not veto,
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


def card_write(
    card: ScoreCard, *, name: str, region_code: str, industry_code: str, zone_id: str | None = None
) -> CardWrite:
    """The write the rescore would make of `card` (first version, no whitelist state published yet)."""
    master = Master(card.credit_code, name, date(2015, 1, 1), region_code, industry_code, "b-1", COMPUTED_AT)
    return CardWrite(card, master, None, None, None, "b-1", COMPUTED_AT, zone_id)


def seeded(card: ScoreCard, name: str, region_code: str, industry_code: str) -> Seeded:
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


def seed_many(count: int, period: int, *, seed: int = 7) -> list[Seeded]:
    """`count` cards across cities, stages and industries, with ties in score, written in batches."""
    from chalicelib.stores.facts import write_items

    rng = random.Random(seed)
    out, items = [], []
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
        items.append(card_item(card_write(card, name=name, region_code=region, industry_code=industry)))
        out.append(seeded(card, name, region, industry))
    write_items(items)
    return out
