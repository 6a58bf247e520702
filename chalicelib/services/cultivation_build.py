"""The cultivation build: each program's candidates of a period, precomputed by the report builder.

The report builder (`services/reports.py`) hands every rebuilt period's cards here
(`ReportBuilder(extra=…)`); the items returned join that period's report generation, so a reader switches
to them with the rest of the report, and they follow every rescore and every qualification upload (which
marks its periods) within the builder's minute. A candidate page then reads one chunk or two of
precomputed items (`stores/cultivation.py`): it never scores the province per request.

Per period and program, the candidates — enterprises scored for P that do not hold the target for P, with
every criterion assessed (`domain/cultivation/assess.py`) — are sorted by unmet ascending, the published
4-decimal closeness descending, then credit code, and written in chunks of `CHUNK` entries for each
scope a list may ask for: the province (`36`), each city (4 digits), each district (6 digits) and each
zone (`Z<zone_id>`). Every candidate is kept (unmet up to the number of criteria), so any `max_unmet`
reads a prefix. Reads for the build: the cards come with the report's own read; names, founding dates
and certificates one BatchGetItem per 50 enterprises (`QualificationsRepository.profiles`).

This module imports no other use case (the builder passes its model): no import cycle.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any, Final

from chalicelib.domain.cultivation.assess import Assessment, age_for, assess
from chalicelib.domain.cultivation.programs import CultivationFile, load_programs
from chalicelib.domain.model.schema import ScoringModel
from chalicelib.domain.qualifications.records import holds
from chalicelib.domain.reports.inputs import CardFacts
from chalicelib.stores.cultivation import CHUNK, chunk_sk, scopes_of
from chalicelib.stores.qualifications import Profile, QualificationsRepository
from chalicelib.stores.reports import BuiltItem

ProfileSource = Callable[[Iterable[str]], dict[str, Profile]]
_PROVINCE: Final = "36"


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def entry(card: CardFacts, profile: Profile | None, result: Assessment, zone_id: str | None) -> list[Any]:
    """One candidate as stored (compact: a page decodes it with `stores.cultivation.Entry`)."""
    return [
        card.credit_code,
        profile.name if profile is not None else None,
        card.region_code,
        zone_id,
        card.stage,
        str(card.score),
        card.grade,
        result.unmet,
        str(result.closeness),
        [[str(c.threshold), _text(c.actual), c.met, _text(c.gap)] for c in result.criteria],
    ]


def values_of(card: CardFacts) -> dict[str, Decimal | None]:
    return {figure.id: figure.value for figure in card.indicators}


def zone_of(card: CardFacts) -> str | None:
    """The enterprise's zone on its card (the zones branch adds it); None until then."""
    zone = getattr(card, "zone_id", None)
    return zone if isinstance(zone, str) and zone else None


class CultivationBuild:
    """`build(model, period, cards)` → the period's candidate items for every program."""

    def __init__(self, profiles: ProfileSource | None = None, chunk: int = CHUNK) -> None:
        self.profiles = profiles or QualificationsRepository().profiles
        self.chunk = chunk

    def __call__(self, model: ScoringModel, period: int, cards: Sequence[CardFacts]) -> list[BuiltItem]:
        ladder = load_programs(model)
        profiles = self.profiles(c.credit_code for c in cards)
        return self.items(ladder, period, cards, profiles)

    def items(
        self,
        ladder: CultivationFile,
        period: int,
        cards: Sequence[CardFacts],
        profiles: dict[str, Profile],
    ) -> list[BuiltItem]:
        built: list[BuiltItem] = []
        for program in ladder.programs:
            by_scope: dict[str, list[tuple[tuple[int, Decimal, str], list[Any]]]] = {}
            for card in cards:
                profile = profiles.get(card.credit_code)
                records = profile.qualifications if profile is not None else ()
                if program.target in holds(ladder, records, period):
                    continue
                founded = profile.established_on if profile is not None else None
                result = assess(program, values_of(card), age_for(period, founded.year if founded else None))
                zone = zone_of(card)
                stored = (result.sort_key(card.credit_code), entry(card, profile, result, zone))
                for scope in scopes_of(card.region_code, zone):
                    by_scope.setdefault(scope, []).append(stored)
            by_scope.setdefault(_PROVINCE, [])
            for scope, entries in by_scope.items():
                entries.sort(key=lambda e: e[0])
                rows = [e[1] for e in entries]
                for number, start in enumerate(range(0, max(len(rows), 1), self.chunk)):
                    part = rows[start : start + self.chunk]
                    built.append(
                        BuiltItem(chunk_sk(program.id, scope, number), {"first": start, "items": part})
                    )
        return built


def cultivation_items(model: ScoringModel, period: int, cards: Sequence[CardFacts]) -> list[BuiltItem]:
    """The deployed builder's hook (see `services.reports.handle_schedule`)."""
    return CultivationBuild()(model, period, cards)
