"""Zone reports (通报 of 高新区) and coverage (推广进度), contract 14: read from the items the report builder
keeps (`services/reports.py`, `zone_items`), never from the cards on a request."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict

from chalicelib.domain.areas import Area
from chalicelib.domain.model.schema import ScoringModel
from chalicelib.domain.numbers import Num
from chalicelib.domain.regions import CITIES
from chalicelib.domain.reports.blocks import RegionBlock, ScoreFigures, SupportFigures, build_blocks
from chalicelib.domain.reports.window import CHINA, default_since, window
from chalicelib.domain.zones.catalogue import CITY_DUE, Zone, sorted_zones
from chalicelib.domain.zones.reports import ALL_ZONES, coverage_row
from chalicelib.services import zones
from chalicelib.services.reports import COVERAGE_LEVEL, ZONE_LEVEL, ZONE_TOTAL_LEVEL, RegionReport
from chalicelib.stores import zones as zone_store
from chalicelib.stores.reports import Mark, ReportsRepository

# departments of section 2 that coverage does not count: the master data, and the cross-check
NOT_COUNTED: Final = frozenset({"registry", "stats"})


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class ZoneBlock(_Out):
    zone_id: str
    name_zh: str
    level: Literal["national", "provincial"]
    type: Literal["hitech", "econ", "new_area", "park"]
    city_codes: list[str]
    enterprises: int
    by_stage: dict[str, int]
    by_grade: dict[str, int]
    score: ScoreFigures
    categories: dict[str, Num | None]
    completeness_mean: Num | None
    whitelist: int
    whitelist_share: Num | None
    entered: int
    left: int
    support: SupportFigures
    policy_matches: int


class ZoneReport(_Out):
    period: int
    model_version: str
    as_of: str
    since: date
    items: tuple[ZoneBlock, ...]


class CoverageItem(_Out):
    key: str
    name_zh: str
    registered: int
    scored: int
    coverage: Num | None
    complete: int
    complete_share: Num | None
    departments: dict[str, int]
    missing_departments: list[str]
    due: str
    pilot: bool


class Coverage(_Out):
    period: int
    as_of: str | None
    items: tuple[CoverageItem, ...]


def _built(repository: ReportsRepository, period: int) -> Mark | None:
    mark = repository.mark(period)
    return mark if mark is not None and mark.generation is not None and mark.as_of else None


def _as_of(mark: Mark) -> datetime:
    assert mark.as_of is not None
    return datetime.strptime(mark.as_of, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def _empty_block(model: ScoringModel, zone: Zone) -> RegionBlock:
    stages = [s.id for s in model.stages]
    grades = [g.grade for g in model.grades]
    empty = build_blocks([], stages=stages, grades=grades).province
    return empty.model_copy(update={"region_code": zone.zone_id, "name_zh": zone.name_zh})


def _zone_block(zone: Zone, block: RegionBlock) -> ZoneBlock:
    data = block.model_dump()
    data.pop("region_code")
    data["name_zh"] = zone.name_zh
    return ZoneBlock.model_validate(
        {
            **data,
            "zone_id": zone.zone_id,
            "level": zone.level,
            "type": zone.type,
            "city_codes": list(zone.city_codes),
        }
    )


def zone_report(
    period: int,
    model: ScoringModel,
    *,
    zone_type: str | None = None,
    zone_level: str | None = None,
    since: date | None = None,
    repository: ReportsRepository | None = None,
) -> tuple[ZoneReport, RegionReport] | None:
    """The period's zone report (and the same as a region-shaped report, for CSV and XLSX); None when the
    period has no build yet. Every active zone of the filters is listed, by zone id; merged ones are not."""
    repository = repository or ReportsRepository()
    mark = _built(repository, period)
    if mark is None or mark.generation is None:
        return None
    as_of = _as_of(mark)
    start = since or default_since(as_of)
    until = as_of.astimezone(CHINA).date()
    stored: dict[str, RegionBlock] = {}
    for data, series in repository.blocks(period, mark.generation, ZONE_LEVEL):
        entered, left = window(series, start, until)
        block = RegionBlock.model_validate(data | {"entered": entered, "left": left})
        stored[block.region_code] = block
    total_rows = repository.blocks(period, mark.generation, ZONE_TOTAL_LEVEL)
    chosen = [
        z
        for z in sorted_zones(zones.catalogue().active())
        if (zone_type is None or z.type == zone_type) and (zone_level is None or z.level == zone_level)
    ]
    chosen.sort(key=lambda z: z.zone_id)
    blocks = [stored.get(z.zone_id) or _empty_block(model, z) for z in chosen]
    items = tuple(_zone_block(z, b) for z, b in zip(chosen, blocks, strict=True))
    report = ZoneReport(
        period=period,
        model_version=mark.model_version or "",
        as_of=mark.as_of or "",
        since=start,
        items=items,
    )
    filtered = zone_type is not None or zone_level is not None
    # the total row: every zone's enterprises (figures from the cards); filtered, the counts summed
    total = (
        RegionBlock.model_validate(total_rows[0][0])
        if total_rows and not filtered
        else _sum_of(model, blocks)
    )
    moves = {"entered": sum(b.entered for b in blocks), "left": sum(b.left for b in blocks)}
    total = total.model_copy(update={"region_code": ALL_ZONES, "name_zh": "全部园区", **moves})
    tabular = RegionReport(
        period=period,
        level=ZONE_LEVEL,
        model_version=report.model_version,
        as_of=report.as_of,
        since=start,
        province=total,
        items=tuple(blocks),
    )
    return report, tabular


def _sum_of(model: ScoringModel, blocks: list[RegionBlock]) -> RegionBlock:
    """A total row of additive figures (counts); medians and means need the cards: left empty."""
    stages = [s.id for s in model.stages]
    grades = [g.grade for g in model.grades]
    empty = build_blocks([], stages=stages, grades=grades).province
    return empty.model_copy(
        update={
            "enterprises": sum(b.enterprises for b in blocks),
            "by_stage": {s: sum(b.by_stage.get(s, 0) for b in blocks) for s in stages},
            "by_grade": {g: sum(b.by_grade.get(g, 0) for b in blocks) for g in grades},
            "whitelist": sum(b.whitelist for b in blocks),
            "entered": sum(b.entered for b in blocks),
            "left": sum(b.left for b in blocks),
            "policy_matches": sum(b.policy_matches for b in blocks),
        }
    )


def coverage(
    period: int,
    level: Literal["city", "zone"],
    area: Area,
    departments: list[str],
    repository: ReportsRepository | None = None,
) -> Coverage:
    """Coverage rows (contract 14): every city or every active zone; a city key its own city row or the
    zones of its city; a zone key its own zone's row at either level."""
    repository = repository or ReportsRepository()
    mark = _built(repository, period)
    tallies: Mapping[str, Any] = {}
    if mark is not None and mark.generation is not None:
        rows = repository.blocks(period, mark.generation, COVERAGE_LEVEL)
        tallies = rows[0][0] if rows else {}
    counted = [d for d in departments if d not in NOT_COUNTED]
    counts = zone_store.registered()
    catalogue = zones.catalogue()
    items: list[CoverageItem] = []
    if level == "city" and area.kind != "zone":
        for code, name in CITIES.items():
            if area.kind == "city" and code != area.key:
                continue
            row = coverage_row(
                code, name, counts.get(code, 0), tallies.get(code), counted, due=CITY_DUE, pilot=False
            )
            items.append(CoverageItem.model_validate(row))
    else:
        for zone in sorted(catalogue.active(), key=lambda z: z.zone_id):
            if area.kind == "zone" and zone.zone_id != area.key:
                continue
            if area.kind == "city" and area.key not in zone.city_codes:
                continue
            registered = sum(counts.get(z, 0) for z in catalogue.absorbed(zone.zone_id))
            row = coverage_row(
                zone.zone_id,
                zone.name_zh,
                registered,
                tallies.get(zone.zone_id),
                counted,
                due=zone.rollout_due,
                pilot=zone.pilot,
            )
            items.append(CoverageItem.model_validate(row))
    return Coverage(period=period, as_of=mark.as_of if mark is not None else None, items=tuple(items))
