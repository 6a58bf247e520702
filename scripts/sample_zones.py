"""Zones of the sample province (issue 19, contract 14, 15): which enterprise lies in which zone, and how
the service learns it — most through the registry file's 所属园区 column, two zones through their own unit
lists (入统企业名录), one enterprise that changed zone, one zone merged into another (the stack merges it).

Deterministic: the zone follows from the credit code (a hash), within the enterprise's own city. Shares as
REFERENCE-V3.md reports them: about a third in the national zones, 40-50 % in provincial parks, the rest
outside any zone.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Final

from chalicelib.domain.zones.catalogue import Zone, shipped

UNIT_LIST_ZONES: Final = ("NC-ETZ", "GZ-HTZ")  # their members arrive through the zone's own roll
MERGED: Final = ("JAHD-EDZ", "JGS-ETZ")  # 吉安河东经开区 merged into 井冈山经开区 (the stack merges it)
MOVER_FROM: Final = ("NC-ETZ", date(2024, 1, 1), date(2025, 6, 30))  # the mover's earlier zone, ended
CITY_KEYS: Final = ("3601", "3607")  # 南昌, 赣州: the stack's city keys
ZONE_KEYS: Final = ("NC-HTZ", "GZ-HTZ")  # 南昌高新区 (registry column), 赣州高新区 (unit list)
ROLL_HEADER: Final = ("统一社会信用代码", "起始日期", "截止日期")


def _hash(code: str, salt: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{salt}:{code}".encode()).digest()[:4], "big")


def _in_city(city: str) -> tuple[list[Zone], list[Zone]]:
    zones = [z for z in shipped().zones.values() if city in z.city_codes]
    return [z for z in zones if z.level == "national"], [z for z in zones if z.level == "provincial"]


def zone_of(credit_code: str, region_code: str) -> str | None:
    """The sample enterprise's zone (None: outside any zone)."""
    national, provincial = _in_city(region_code[:4])
    roll = _hash(credit_code, "share") % 100
    pool = national if roll < 33 else provincial if roll < 78 else []
    if not pool:
        pool = national if roll < 78 and not provincial else pool
    if not pool:
        return None
    # the city's first 高新区 weighs most (南昌高新区 above all)
    ordered = sorted(pool, key=lambda z: (z.type != "hitech", z.zone_id))
    weights = [3] + [1] * (len(ordered) - 1)
    pick = _hash(credit_code, "zone") % sum(weights)
    for zone, weight in zip(ordered, weights, strict=True):
        if pick < weight:
            return zone.zone_id
        pick -= weight
    return ordered[-1].zone_id


def registry_cell(credit_code: str, region_code: str) -> str | None:
    """What the registry file's 所属园区 column says: the zone's id or its Chinese name; empty for the
    zones whose members come from their unit lists."""
    zone = zone_of(credit_code, region_code)
    if zone is None or zone in UNIT_LIST_ZONES:
        return None
    return zone if _hash(credit_code, "cell") % 2 else shipped().zones[zone].name_zh


@dataclass(frozen=True)
class Roll:
    zone_id: str
    path: Path
    key: str
    rows: int


def write_rolls(out_dir: Path, enterprises: Iterable[tuple[str, str]], year: int) -> list[Roll]:
    """The unit lists of UNIT_LIST_ZONES (credit code, region code pairs in), one CSV each; the first
    enterprise of 南昌高新区 is also on 南昌经开区's roll of earlier years (the mover)."""
    members: dict[str, list[Sequence[str]]] = {z: [] for z in UNIT_LIST_ZONES}
    mover_done = False
    for code, region in enterprises:
        zone = zone_of(code, region)
        if zone in members:
            members[zone].append((code, f"{year}-01-01", ""))
        elif zone == "NC-HTZ" and not mover_done:
            old, start, end = MOVER_FROM
            members[old].append((code, start.isoformat(), end.isoformat()))
            mover_done = True
    rolls = []
    for zone, rows in members.items():
        name = f"{year}年入统企业名录.csv"
        path = out_dir / "zones" / zone / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8-sig", newline="") as stream:
            writer = csv.writer(stream, lineterminator="\r\n")
            writer.writerow(ROLL_HEADER)
            writer.writerows(rows)
        rolls.append(Roll(zone, path, f"zones/{zone}/{name}", len(rows)))
    return rolls
