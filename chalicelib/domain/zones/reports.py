"""Zone reports (通报 of 高新区, contract 14) and coverage (推广进度): pure arithmetic over the cards a report
build reads. A zone's block is the province block of its own cards (every figure of section 10), an
enterprise counting in its zone today (merges followed); every active zone has one, an empty one with
zeros and nulls. Coverage counts, per city and per zone, the scored cards, the complete ones (completeness
≥ 0.8) and, per department, the enterprises with a value from it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final

from chalicelib.domain.regions import CITIES
from chalicelib.domain.reports.blocks import PROVINCE, RegionBlock, build_blocks
from chalicelib.domain.reports.figures import share
from chalicelib.domain.reports.indicators import IndicatorStats, indicator_statistics
from chalicelib.domain.reports.inputs import CardFacts, MatchFact, SupportFact
from chalicelib.domain.zones.catalogue import Catalogue

COMPLETE: Final = Decimal("0.8")
ALL_ZONES: Final = "ZONES"  # the total row of a zone report
ZONE_STATS: Final = "Z:"  # statistics groups of a zone: "Z:<zone id>@<region>"
KIND_STATS: Final = "ZK:"  # of the zones of a type and/or level: "ZK:<type|*>:<level|*>@<region>"
ANY: Final = "*"
NO_GROUP: Final = "-"  # a statistics group no build writes: every indicator present 0 times


def zone_stats_region(zone_id: str, region: str | None) -> str:
    """The statistics group name of a zone's cards, narrowed to a region prefix (the whole zone: None)."""
    return f"{ZONE_STATS}{zone_id}@{region or PROVINCE}"


def kind_stats_region(zone_type: str | None, zone_level: str | None, region: str | None) -> str:
    """The statistics group name of the cards in zones of a type and/or level (contract 14's `zone_type=`,
    `zone_level=`), narrowed to a region prefix (36 or a city)."""
    return f"{KIND_STATS}{zone_type or ANY}:{zone_level or ANY}@{region or PROVINCE}"


def statistics_group(
    catalogue: Catalogue, region: str, zone: str | None, zone_type: str | None, zone_level: str | None
) -> str:
    """The statistics group `GET /statistics/indicators` reads for its filters (after the caller's area):
    the region's, a zone's, or a zone type's and/or level's; NO_GROUP when a zone is not of the type or
    level asked (no card passes both)."""
    if zone is not None:
        found = catalogue.get(catalogue.resolve(zone) or zone)
        if found is not None and (
            (zone_type is not None and found.type != zone_type)
            or (zone_level is not None and found.level != zone_level)
        ):
            return NO_GROUP
        return zone_stats_region(zone, region)
    if zone_type is not None or zone_level is not None:
        return kind_stats_region(zone_type, zone_level, region)
    return region


def zone_of(cards: Iterable[CardFacts], catalogue: Catalogue) -> dict[str, str]:
    """credit code -> its zone today (merges followed), for the cards that have one."""
    out: dict[str, str] = {}
    for card in cards:
        zone = catalogue.resolve(card.zone_id) if card.zone_id else None
        if zone is not None:
            out[card.credit_code] = zone
    return out


def zone_blocks(
    cards: Sequence[CardFacts],
    catalogue: Catalogue,
    *,
    stages: Sequence[str],
    grades: Sequence[str],
    support: Iterable[SupportFact] = (),
    matches: Iterable[MatchFact] = (),
) -> dict[str, RegionBlock]:
    """Every active zone's block (region_code: the zone id; name_zh: its name)."""
    zones = zone_of(cards, catalogue)
    by_zone: dict[str, list[CardFacts]] = {}
    for card in cards:
        zone = zones.get(card.credit_code)
        if zone is not None:
            by_zone.setdefault(zone, []).append(card)
    support_by: dict[str, list[SupportFact]] = {}
    for record in support:
        if record.credit_code in zones:
            support_by.setdefault(zones[record.credit_code], []).append(record)
    matches_by: dict[str, list[MatchFact]] = {}
    for match in matches:
        if match.credit_code in zones:
            matches_by.setdefault(zones[match.credit_code], []).append(match)
    out: dict[str, RegionBlock] = {}
    for active in catalogue.active():
        zid = active.zone_id
        figures = build_blocks(
            by_zone.get(zid, []),
            stages=stages,
            grades=grades,
            support=support_by.get(zid, ()),
            matches=matches_by.get(zid, ()),
        )
        out[zid] = figures.province.model_copy(update={"region_code": zid, "name_zh": active.name_zh})
    return out


def zones_total(
    cards: Sequence[CardFacts],
    catalogue: Catalogue,
    *,
    stages: Sequence[str],
    grades: Sequence[str],
    support: Iterable[SupportFact] = (),
    matches: Iterable[MatchFact] = (),
) -> RegionBlock:
    """Every zone together (the report's total row): the enterprises in any zone."""
    zones = zone_of(cards, catalogue)
    figures = build_blocks(
        [c for c in cards if c.credit_code in zones],
        stages=stages,
        grades=grades,
        support=[s for s in support if s.credit_code in zones],
        matches=[m for m in matches if m.credit_code in zones],
    )
    return figures.province.model_copy(update={"region_code": ALL_ZONES, "name_zh": "全部园区"})


def zone_statistics(
    cards: Sequence[CardFacts], catalogue: Catalogue, indicator_ids: Sequence[str]
) -> dict[tuple[str, str], dict[str, IndicatorStats]]:
    """Indicator statistics of each zone's cards, by (zone group, stage): the whole zone, and each city
    within it (a zone key's `region` narrows within its zone to a city; a district's group is not kept:
    it would multiply the items a build writes by the districts of every zone). The same for the cards of
    each zone type and level, alone and together (`kind_stats_region`): at most 4 x 2 + 4 + 2 kinds, those
    with cards only, each over the province and its cities."""
    zones = zone_of(cards, catalogue)
    by_zone: dict[str, list[CardFacts]] = {}
    for card in cards:
        zone = zones.get(card.credit_code)
        if zone is not None:
            by_zone.setdefault(zone, []).append(card)
    out: dict[tuple[str, str], dict[str, IndicatorStats]] = {}
    by_kind: dict[tuple[str | None, str | None], list[CardFacts]] = {}
    for zone_id, mine in by_zone.items():
        for (region, stage), figures in indicator_statistics(mine, indicator_ids).items():
            if len(region) <= 4:  # the zone and its cities; districts within a zone are not kept
                out[(zone_stats_region(zone_id, region), stage)] = figures
        found = catalogue.get(zone_id)
        if found is not None:
            for kind in ((found.type, found.level), (found.type, None), (None, found.level)):
                by_kind.setdefault(kind, []).extend(mine)
    for (zone_type, zone_level), mine in by_kind.items():
        for (region, stage), figures in indicator_statistics(mine, indicator_ids).items():
            if len(region) <= 4:
                out[(kind_stats_region(zone_type, zone_level, region), stage)] = figures
    return out


# --- coverage (推广进度) -------------------------------------------------------------------------


@dataclass(slots=True)
class CoverageTally:
    scored: int = 0
    complete: int = 0
    departments: Counter[str] = field(default_factory=Counter)

    def add(self, card: CardFacts) -> None:
        self.scored += 1
        self.complete += card.completeness >= COMPLETE
        self.departments.update(card.departments)

    def as_dict(self) -> dict[str, Any]:
        return {"scored": self.scored, "complete": self.complete, "departments": dict(self.departments)}


def coverage_tallies(cards: Iterable[CardFacts], catalogue: Catalogue) -> dict[str, dict[str, Any]]:
    """Per city code and per zone id: scored, complete and per-department counts of the period's cards."""
    tallies: dict[str, CoverageTally] = {c: CoverageTally() for c in CITIES}
    tallies.update({z.zone_id: CoverageTally() for z in catalogue.active()})
    for card in cards:
        city = tallies.get(card.region_code[:4])
        if city is not None:
            city.add(card)
        zone = catalogue.resolve(card.zone_id) if card.zone_id else None
        if zone is not None and zone in tallies:
            tallies[zone].add(card)
    return {key: tally.as_dict() for key, tally in tallies.items()}


def coverage_row(
    key: str,
    name_zh: str,
    registered: int,
    tally: Mapping[str, Any] | None,
    departments: Sequence[str],
    *,
    due: str,
    pilot: bool,
) -> dict[str, Any]:
    """One row of `GET /coverage` (contract 14)."""
    tally = tally or {"scored": 0, "complete": 0, "departments": {}}
    counts = {d: int(tally["departments"].get(d, 0)) for d in departments}
    return {
        "key": key,
        "name_zh": name_zh,
        "registered": registered,
        "scored": int(tally["scored"]),
        "coverage": share(int(tally["scored"]), registered),
        "complete": int(tally["complete"]),
        "complete_share": share(int(tally["complete"]), registered),
        "departments": counts,
        "missing_departments": sorted(d for d, n in counts.items() if n == 0),
        "due": due,
        "pilot": pilot,
    }
