"""Precomputed cultivation candidates in the reports table, inside a period's report generation.

    pk "R#<period>#<generation>"  sk "C#<program>#<scope>#<chunk, 6 digits>"
                                  `data` {"first": <position of its first entry>, "items": [entry, …]}

`scope`: `36` (province), a 4-digit city, a 6-digit district, or `Z<zone_id>`. Entries are in candidate
order (unmet, closeness descending, credit code), `CHUNK` a chunk. A page reads the period's mark (one
GetItem, for the generation) and the chunks it needs (one Query): two requests.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from chalicelib.stores.reports import ReportsRepository, generation_pk
from chalicelib.stores.tables import ReportItem

CHUNK: Final = 200
PREFIX: Final = "C"
ZONE: Final = "Z"


def scope_key(region: str | None, zone: str | None) -> str:
    """The stored list that holds every candidate of a region prefix or zone (a superset for a region
    prefix of 3 or 5 digits: the reader filters it)."""
    if zone is not None:
        return f"{ZONE}{zone}"
    if region is None or len(region) < 4:
        return "36"
    return region[:6] if len(region) >= 6 else region[:4]


def scopes_of(region_code: str | None, zone_id: str | None) -> list[str]:
    scopes = ["36"]
    if region_code:
        scopes += [region_code[:4], region_code[:6]]
    if zone_id:
        scopes.append(f"{ZONE}{zone_id}")
    return scopes


def chunk_sk(program: str, scope: str, number: int) -> str:
    return f"{PREFIX}#{program}#{scope}#{number:06d}"


@dataclass(frozen=True, slots=True)
class Entry:
    credit_code: str
    name: str | None
    region_code: str | None
    zone_id: str | None
    stage: str
    score: Decimal
    grade: str
    unmet: int
    closeness: Decimal
    criteria: tuple[tuple[Decimal, Decimal | None, bool, Decimal | None], ...]  # threshold, actual, met, gap

    @classmethod
    def of(cls, raw: list[Any]) -> Entry:
        code, name, region, zone, stage, score, grade, unmet, closeness, criteria = raw
        return cls(
            code,
            name,
            region,
            zone,
            stage,
            Decimal(score),
            grade,
            int(unmet),
            Decimal(closeness),
            tuple(
                (Decimal(t), None if a is None else Decimal(a), bool(m), None if g is None else Decimal(g))
                for t, a, m, g in criteria
            ),
        )


@dataclass(frozen=True, slots=True)
class Built:
    generation: str
    as_of: str | None


class CultivationRepository:
    def __init__(self, reports: ReportsRepository | None = None) -> None:
        self.reports = reports or ReportsRepository()

    def built(self, period: int) -> Built | None:
        """The period's current report generation (one GetItem); None before a first build."""
        mark = self.reports.mark(period)
        if mark is None or mark.generation is None:
            return None
        return Built(mark.generation, mark.as_of)

    def entries(
        self, period: int, generation: str, program: str, scope: str, position: int, wanted: int
    ) -> Iterator[tuple[int, Entry]]:
        """Entries from `position` on, with their positions: one Query of the chunks that hold
        `wanted` entries from there."""
        first = position // CHUNK
        chunks = (position % CHUNK + wanted + CHUNK - 1) // CHUNK
        query = ReportItem.query(
            generation_pk(period, generation),
            ReportItem.sk.between(chunk_sk(program, scope, first), chunk_sk(program, scope, 999_999)),
            limit=chunks,
        )
        for item in query:
            data = item.data or {}
            start = int(data.get("first", 0))
            for offset, raw in enumerate(data.get("items", [])):
                if start + offset >= position:
                    yield start + offset, Entry.of(raw)
