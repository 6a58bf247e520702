"""Cultivation and qualifications, the read side: programs, candidate pages, one enterprise's standing,
its certificates, and the `qualification=` filter of the lists (contract 17).

Candidate pages read what the report builder precomputed (`services/cultivation_build.py`,
`stores/cultivation.py`): the period's mark and one Query of chunks, never the province's cards. One
enterprise's standing is assessed from its card when asked (one enterprise: cheap).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Final

from chalicelib.domain.cultivation.assess import Assessment, age_for, assess
from chalicelib.domain.cultivation.programs import CultivationFile, ProgramDef, load_programs
from chalicelib.domain.qualifications.records import Qualification, holds
from chalicelib.domain.values import today_in_china
from chalicelib.services.model_registry import active_model
from chalicelib.stores.cultivation import CultivationRepository, Entry, scope_key
from chalicelib.stores.qualifications import QualificationsRepository
from chalicelib.stores.score_index import Listing, RankedStream

LOOKUP_BATCH: Final = 100  # listings whose certificates are read together (one BatchGetItem)
EXAMINED_PER_PAGE: Final = 1000  # a rare qualification's page may end short, with a token


def ladder() -> CultivationFile:
    return load_programs(active_model())


# --- candidates ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CandidatePage:
    period: int
    program: ProgramDef
    entries: list[Entry]
    next_position: int | None
    as_of: str | None


def candidates(
    program: ProgramDef,
    period: int,
    *,
    region: str | None,
    zone: str | None,
    max_unmet: int,
    position: int,
    limit: int,
    repository: CultivationRepository | None = None,
) -> CandidatePage | None:
    """One page of the program's candidates from `position`; None before the period's first build."""
    repo = repository or CultivationRepository()
    built = repo.built(period)
    if built is None:
        return None
    scope = scope_key(region, zone)
    found: list[Entry] = []
    examined = 0
    next_position: int | None = None
    for at, entry in repo.entries(period, built.generation, program.id, scope, position, limit + 1):
        if entry.unmet > max_unmet:
            break
        if examined == limit:
            next_position = at
            break
        examined += 1
        if region is not None and not (entry.region_code or "").startswith(region):
            continue  # a zone narrowed by region, or a 3- or 5-digit prefix: read its superset's list
        found.append(entry)
    return CandidatePage(period, program, found, next_position, built.as_of)


def all_candidates(
    program: ProgramDef, period: int, *, region: str | None, zone: str | None, max_unmet: int
) -> CandidatePage | None:
    """Every candidate (the CSV of a 培育库), read page by page."""
    repo = CultivationRepository()
    first = candidates(
        program, period, region=region, zone=zone, max_unmet=max_unmet, position=0, limit=500, repository=repo
    )
    if first is None:
        return None
    entries = list(first.entries)
    position = first.next_position
    while position is not None:
        page = candidates(
            program,
            period,
            region=region,
            zone=zone,
            max_unmet=max_unmet,
            position=position,
            limit=500,
            repository=repo,
        )
        if page is None:
            break
        entries += page.entries
        position = page.next_position
    return CandidatePage(period, program, entries, None, first.as_of)


# --- one enterprise ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Standing:
    period: int
    holds: frozenset[str]
    programs: list[tuple[ProgramDef, Assessment]]


def standing(
    credit_code: str,
    period: int,
    values: Mapping[str, Decimal | None],
    established_on: date | None,
    records: Sequence[Qualification] | None = None,
) -> Standing:
    """The enterprise's standing against every program for P, from its card's values."""
    found = ladder()
    mine = records if records is not None else current_qualifications(credit_code)
    held = holds(found, mine, period)
    age = age_for(period, established_on.year if established_on else None)
    programs = [(p, assess(p, values, age, p.target in held)) for p in found.programs]
    return Standing(period, held, programs)


def current_qualifications(credit_code: str) -> list[Qualification]:
    """The enterprise's current certificates (one GetItem)."""
    return QualificationsRepository().read(credit_code).sorted()


def qualification_fields(
    record: Qualification, period: int | None, today: date | None = None
) -> dict[str, Any]:
    """A certificate as the API shows it; `held`: for P (31 December), or on `today` without a period."""
    found = ladder().qualification(record.qualification)
    held = record.held_for(period) if period is not None else record.held_on(today or today_in_china())
    return {
        "qualification": record.qualification,
        "name_zh": found.name_zh if found else record.qualification,
        "certificate_no": record.certificate_no,
        "valid_from": record.valid_from.isoformat(),
        "valid_to": record.valid_to.isoformat(),
        "held": held,
    }


def qualification_history(credit_code: str) -> list[Qualification]:
    """Every uploaded version of its certificates (一企一档), oldest upload first."""
    return QualificationsRepository().history(credit_code)


# --- lists: qualification= ----------------------------------------------------------------------


class HeldOnly(RankedStream):
    """A list's stream narrowed to enterprises holding `qualification` for P (what counts as it too),
    read in batches of listings (one BatchGetItem of their certificates each); after examining
    `budget` listings the stream ends with `cut`, so a rare qualification's page ends short, with a token."""

    def __init__(
        self, stream: RankedStream, qualification: str, period: int, budget: int = EXAMINED_PER_PAGE
    ) -> None:
        super().__init__(iter(()))
        self._stream = stream
        self._qualification = qualification
        self._period = period
        self._budget = budget
        self._ladder = ladder()
        self._repository = QualificationsRepository()

    def __iter__(self) -> Iterator[Listing]:
        batch: list[Listing] = []
        for examined, item in enumerate(self._stream, start=1):
            batch.append(item)
            if len(batch) == LOOKUP_BATCH or examined >= self._budget:
                yield from self._held(batch)
                batch = []
                if examined >= self._budget:
                    self.cut = item.rank_sk
                    return
        yield from self._held(batch)
        self.cut = self._stream.cut

    def _held(self, batch: list[Listing]) -> Iterator[Listing]:
        if not batch:
            return
        held = self._repository.read_many(i.credit_code for i in batch)
        for item in batch:
            mine = held[item.credit_code].records.values()
            if self._qualification in holds(self._ladder, mine, self._period):
                yield item
