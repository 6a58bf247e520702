"""The blocks of a region report (contract 10): one per city, per district and for the province.

Cards are tallied once, by district (their 6-digit region code); cities and the province are merged
from their districts, so a card is touched once however many levels the report has. Support records
and policy matches carry no region: they are placed by the region of the enterprise's card for the
period (one without a card for the period is not counted; contract 8 refuses such records anyway).
`entered` and `left` depend on the window a reader asks for: the builder stores the daily counts
beside each block (see `window.py`) and the blocks leave here with zeros.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final

from pydantic import BaseModel, ConfigDict

from chalicelib.domain.numbers import Num
from chalicelib.domain.regions import CITIES, DISTRICTS
from chalicelib.domain.reports.figures import BASIS, P90, half_up, mean, median, nearest_rank, share
from chalicelib.domain.reports.inputs import CATEGORIES, CardFacts, MatchFact, SupportFact

PROVINCE: Final = "36"
PROVINCE_NAME: Final = "江西省"
# contract 13: loans and credit lines that reached the enterprise
SUPPORT_KINDS: Final = frozenset({"loan", "credit_line"})
SUPPORT_STATUSES: Final = frozenset({"disbursed", "repaid"})
EQUITY: Final = "equity"  # contract 18: investments that reached the enterprise (same statuses)
_ZERO: Final = Decimal(0)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ScoreFigures(_Frozen):
    mean: Num | None
    median: Num | None
    p90: Num | None


class EquityFigures(_Frozen):
    """Equity records (kind `equity`, `disbursed` or `repaid`) of the period (contract 18)."""

    records: int
    enterprises: int
    amount_wan: Num


_NO_EQUITY: Final = EquityFigures(records=0, enterprises=0, amount_wan=Decimal(0))


class SupportFigures(_Frozen):
    records: int
    enterprises_disbursed: int
    disbursed_wan: Num
    mean_rate_pct: Num | None  # weighted by amount
    equity: EquityFigures = _NO_EQUITY  # reports built before contract 18 have none


class RegionBlock(_Frozen):
    region_code: str
    name_zh: str
    enterprises: int
    by_stage: dict[str, int]
    by_grade: dict[str, int]
    score: ScoreFigures
    categories: dict[str, Num | None]  # mean points of each of the five
    completeness_mean: Num | None
    whitelist: int
    whitelist_share: Num | None
    entered: int
    left: int
    support: SupportFigures
    policy_matches: int


class ReportFigures(_Frozen):
    """Every block of a period: what the builder stores."""

    province: RegionBlock
    cities: tuple[RegionBlock, ...]
    districts: tuple[RegionBlock, ...]


@dataclass(slots=True)
class _Tally:
    enterprises: int = 0
    stages: Counter[str] = field(default_factory=Counter)
    grades: Counter[str] = field(default_factory=Counter)
    scores: list[Decimal] = field(default_factory=list)
    categories: list[Decimal] = field(default_factory=lambda: [_ZERO] * len(CATEGORIES))
    completeness: Decimal = _ZERO
    whitelist: int = 0
    support_records: int = 0
    disbursed: set[str] = field(default_factory=set)
    disbursed_wan: Decimal = _ZERO
    rated_wan: Decimal = _ZERO  # amounts that carry a rate
    rate_x_wan: Decimal = _ZERO
    equity_records: int = 0
    equity_enterprises: set[str] = field(default_factory=set)
    equity_wan: Decimal = _ZERO
    matches: int = 0

    def add(self, card: CardFacts) -> None:
        self.enterprises += 1
        self.stages[card.stage] += 1
        self.grades[card.grade] += 1
        self.scores.append(card.score)
        sums = self.categories
        for i, points in enumerate(card.categories):
            sums[i] += points
        self.completeness += card.completeness
        self.whitelist += card.whitelisted

    def add_support(self, record: SupportFact) -> None:
        self.support_records += 1
        self.disbursed.add(record.credit_code)
        amount = record.amount_wan or _ZERO
        self.disbursed_wan += amount
        if record.rate_pct is not None and amount > 0:
            self.rated_wan += amount
            self.rate_x_wan += record.rate_pct * amount

    def add_equity(self, record: SupportFact) -> None:
        self.equity_records += 1
        self.equity_enterprises.add(record.credit_code)
        self.equity_wan += record.amount_wan or _ZERO

    def merge(self, other: _Tally) -> None:
        self.enterprises += other.enterprises
        self.stages.update(other.stages)
        self.grades.update(other.grades)
        self.scores.extend(other.scores)
        self.categories = [a + b for a, b in zip(self.categories, other.categories, strict=True)]
        self.completeness += other.completeness
        self.whitelist += other.whitelist
        self.support_records += other.support_records
        self.disbursed |= other.disbursed
        self.disbursed_wan += other.disbursed_wan
        self.rated_wan += other.rated_wan
        self.rate_x_wan += other.rate_x_wan
        self.equity_records += other.equity_records
        self.equity_enterprises |= other.equity_enterprises
        self.equity_wan += other.equity_wan
        self.matches += other.matches

    def block(
        self, region_code: str, name_zh: str, stages: Sequence[str], grades: Sequence[str]
    ) -> RegionBlock:
        n = self.enterprises
        ascending = sorted(self.scores)
        return RegionBlock(
            region_code=region_code,
            name_zh=name_zh,
            enterprises=n,
            by_stage={s: self.stages.get(s, 0) for s in stages},
            by_grade={g: self.grades.get(g, 0) for g in grades},
            score=ScoreFigures(
                mean=mean(sum(ascending, _ZERO), n),
                median=median(ascending),
                p90=nearest_rank(ascending, P90),
            ),
            categories={c: mean(total, n) for c, total in zip(CATEGORIES, self.categories, strict=True)},
            completeness_mean=mean(self.completeness, n, BASIS),
            whitelist=self.whitelist,
            whitelist_share=share(self.whitelist, n),
            entered=0,
            left=0,
            support=SupportFigures(
                records=self.support_records,
                enterprises_disbursed=len(self.disbursed),
                disbursed_wan=half_up(self.disbursed_wan),
                mean_rate_pct=half_up(self.rate_x_wan / self.rated_wan) if self.rated_wan > 0 else None,
                equity=EquityFigures(
                    records=self.equity_records,
                    enterprises=len(self.equity_enterprises),
                    amount_wan=half_up(self.equity_wan),
                ),
            ),
            policy_matches=self.matches,
        )


def counts_as_support(record: SupportFact) -> bool:
    return record.kind in SUPPORT_KINDS and record.status in SUPPORT_STATUSES


def counts_as_equity(record: SupportFact) -> bool:
    return record.kind == EQUITY and record.status in SUPPORT_STATUSES


def district_name(region_code: str) -> str:
    """The district's name (GB/T 2260, `regions.DISTRICTS`); for a code not in the table, the city's
    name and the code."""
    known = DISTRICTS.get(region_code)
    if known is not None:
        return known
    city = CITIES.get(region_code[:4])
    return f"{city}（{region_code}）" if city else region_code


def build_blocks(
    cards: Iterable[CardFacts],
    *,
    stages: Sequence[str],
    grades: Sequence[str],
    support: Iterable[SupportFact] = (),
    matches: Iterable[MatchFact] = (),
) -> ReportFigures:
    """Every block of a period from its cards, support records and policy matches."""
    districts: dict[str, _Tally] = {}
    region_of: dict[str, str] = {}
    for card in cards:
        tally = districts.get(card.region_code)
        if tally is None:
            tally = districts[card.region_code] = _Tally()
        tally.add(card)
        region_of[card.credit_code] = card.region_code
    for record in support:
        region = region_of.get(record.credit_code)
        if region is not None and counts_as_support(record):
            districts[region].add_support(record)
        elif region is not None and counts_as_equity(record):
            districts[region].add_equity(record)
    for match in matches:
        region = region_of.get(match.credit_code)
        if region is not None:
            districts[region].matches += 1
    return _merge(districts, stages, grades)


def _merge(districts: Mapping[str, _Tally], stages: Sequence[str], grades: Sequence[str]) -> ReportFigures:
    cities = {code: _Tally() for code in CITIES}
    province = _Tally()
    for code in sorted(districts):
        tally = districts[code]
        city = cities.get(code[:4])
        if city is not None:  # a code outside the eleven cities counts for the province only
            city.merge(tally)
        province.merge(tally)
    return ReportFigures(
        province=province.block(PROVINCE, PROVINCE_NAME, stages, grades),
        cities=tuple(cities[c].block(c, CITIES[c], stages, grades) for c in CITIES),
        districts=tuple(districts[d].block(d, district_name(d), stages, grades) for d in sorted(districts)),
    )
