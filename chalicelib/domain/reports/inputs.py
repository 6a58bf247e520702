"""What the report arithmetic reads: small plain records, and the card digest the builder reads them from.

A score card is ~4 KB (every indicator's numbers); a report needs ~0.5 KB of it. The rescore
writes a *digest* of each card beside it (`card_digest`), projected into a narrow index of the scores
table, so a rebuild reads the digests of a period, not the cards. The digest is text, one line:

    v1|<stage>|<grade>|<score>|<whitelisted 0/1>|<completeness>|<points of the five categories>|<core>

optionally followed by `|z=<zone id>` (the enterprise's zone when the card was written, contract 14) and
`|d=<department ids, comma-separated>` (the departments with a value on the card: coverage, contract 14),
where `<core>` is `id=value:full` for each core indicator, `;`-separated: an empty value is missing,
`full` is 1 when the indicator's points equal its maximum at the enterprise's stage (contract 13's
`at_full`). Core indicators are those of the contract's three core categories (contract 6 fixes the
names). Decimals keep their exact text. Only what reports use is kept: parsing is the builder's cost.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Final

from chalicelib.domain.records import ScoreCard

CATEGORIES: Final = ("tech_innovation", "growth_operations", "auxiliary", "characteristic", "negative")
CORE_CATEGORIES: Final = frozenset(CATEGORIES[:3])
DIGEST_VERSION: Final = "v1"
_ZERO: Final = Decimal(0)


class DigestError(ValueError):
    """A stored digest that does not have the v1 shape."""

    code = "INVALID_DIGEST"


@dataclass(frozen=True, slots=True)
class IndicatorFigure:
    """One core indicator of one card, as scored."""

    id: str
    value: Decimal | None  # None: missing
    at_full: bool  # its points equal its weight at the enterprise's stage


@dataclass(frozen=True, slots=True)
class CardFacts:
    """What a report needs of one score card."""

    credit_code: str
    region_code: str
    stage: str
    grade: str
    score: Decimal
    whitelisted: bool
    completeness: Decimal
    categories: tuple[Decimal, ...]  # points, in CATEGORIES order
    indicators: tuple[IndicatorFigure, ...]  # the core indicators
    industry_code: str | None = None  # for the peers' cohorts (contract 16), when the index gives it
    zone_id: str | None = None  # as stored (merges are followed by the builder)
    departments: frozenset[str] = frozenset()  # departments with a value on the card


@dataclass(frozen=True, slots=True)
class SupportFact:
    """One current support record (contract 8), as far as reports count it."""

    credit_code: str
    kind: str  # loan, credit_line, guarantee, equity, subsidy, project
    status: str
    amount_wan: Decimal | None
    rate_pct: Decimal | None


@dataclass(frozen=True, slots=True)
class MatchFact:
    """One current match of a published policy (contract 9) with an enterprise."""

    credit_code: str
    policy_id: str


@dataclass(frozen=True, slots=True)
class MoveCount:
    """Whitelist events of one period, for one district on one day (China Standard Time)."""

    day: date
    region_code: str
    entered: int
    left: int


def _text(value: Decimal | None) -> str:
    return "" if value is None else str(value)


def zoned_digest(card: ScoreCard, zone_id: str | None) -> str:
    """The digest with the enterprise's zone and the departments that sent the card's values."""
    departments = sorted(
        {i.source_department for i in card.indicators if i.value is not None and i.source_department}
        - {"derived"}
    )
    zone = f"|z={zone_id}" if zone_id else ""
    return f"{card_digest(card)}{zone}|d={','.join(departments)}"


def card_digest(card: ScoreCard) -> str:
    """The v1 digest of a card (see the module docstring)."""
    points = {c.id: c.points for c in card.categories}
    core = ";".join(
        f"{i.id}={_text(i.value)}:{1 if i.points == i.max_points else 0}"
        for i in card.indicators
        if i.category in CORE_CATEGORIES
    )
    return "|".join(
        (
            DIGEST_VERSION,
            card.stage,
            card.grade,
            str(card.score),
            "1" if card.whitelisted else "0",
            str(card.completeness),
            ",".join(str(points.get(c, _ZERO)) for c in CATEGORIES),
            core,
        )
    )


# Parsed figures by their text: counts, flags, missing values and round amounts repeat across a
# province, so a rebuild keeps one object each (less memory, fewer Decimal parses). Bounded.
_FIGURES: dict[str, IndicatorFigure] = {}
_MAX_CACHED: Final = 500_000


def _figure(entry: str) -> IndicatorFigure:
    id_, _, rest = entry.partition("=")
    value, full = rest.split(":")
    figure = IndicatorFigure(id_, Decimal(value) if value else None, full == "1")
    if len(_FIGURES) >= _MAX_CACHED:
        _FIGURES.clear()
    _FIGURES[entry] = figure
    return figure


def parse_digest(credit_code: str, region_code: str, digest: str) -> CardFacts:
    """The CardFacts of a v1 digest; DigestError when it is not one."""
    try:
        version, stage, grade, score, listed, completeness, categories, core, *extra = digest.split("|")
        tags = dict(part.split("=", 1) for part in extra)
        if version != DIGEST_VERSION:
            raise DigestError(f"{credit_code}: digest version {version!r} / 摘要版本未知")
        indicators: list[IndicatorFigure] = []
        for entry in core.split(";") if core else ():
            figure = _FIGURES.get(entry)
            if figure is None:
                figure = _figure(entry)
            indicators.append(figure)
        return CardFacts(
            credit_code=credit_code,
            region_code=region_code,
            stage=stage,
            grade=grade,
            score=Decimal(score),
            whitelisted=listed == "1",
            completeness=Decimal(completeness),
            categories=tuple(Decimal(p) for p in categories.split(",")),
            indicators=tuple(indicators),
            zone_id=tags.get("z") or None,
            departments=frozenset(d for d in tags.get("d", "").split(",") if d),
        )
    except (ValueError, InvalidOperation) as exc:
        if isinstance(exc, DigestError):
            raise
        raise DigestError(f"{credit_code}: not a v1 card digest / 评分卡摘要格式错误: {exc}") from exc


def card_facts(card: ScoreCard, region_code: str) -> CardFacts:
    """The CardFacts of a whole card (cards written before digests existed, tests)."""
    return parse_digest(card.credit_code, region_code, card_digest(card))


def regions_of(cards: Mapping[str, CardFacts]) -> dict[str, str]:
    """credit code -> region code, to place support records and matches (they carry no region)."""
    return {code: facts.region_code for code, facts in cards.items()}
