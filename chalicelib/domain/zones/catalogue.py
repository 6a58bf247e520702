"""The zone catalogue (contract 14): a versioned data file shipped beside the code, validated on load, with
the edits made through `PUT /zones/{id}` laid over it (renames keep former names; merges point on).

Pure: plain data in, plain data out. `stores/zones.py` keeps the edits; `services/zones.py` joins them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any, Final, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from chalicelib.domain.creditcode import fold_width
from chalicelib.domain.regions import CITIES

ZONE_ID: Final = re.compile(r"^[A-Z0-9-]{3,24}$")
FILES: Final = Path(__file__).parent / "files"
SHIPPED: Final = "jx-zones-2025.1.yaml"
HITECH_DUE: Final = "2025-12-31"  # 高新区 pilot by the end of 2025
OTHERS_DUE: Final = "2026-12-31"  # every other 开发区 by the end of 2026
CITY_DUE: Final = "2027-12-31"  # the whole province by the end of 2027

Level = Literal["national", "provincial"]
ZoneType = Literal["hitech", "econ", "new_area", "park"]
Status = Literal["active", "merged"]
LEVELS: Final = ("national", "provincial")
TYPES: Final = ("hitech", "econ", "new_area", "park")


class ZoneProblem(ValueError):
    """A zone or an edit that does not hold: `field` names what is wrong (400 at the API)."""

    def __init__(self, field: str, en: str, zh: str) -> None:
        super().__init__(en)
        self.field = field
        self.en = en
        self.zh = zh


@dataclass(frozen=True, slots=True)
class Zone:
    zone_id: str
    name_zh: str
    level: Level
    type: ZoneType
    city_codes: tuple[str, ...]
    former_names: tuple[str, ...] = ()
    status: Status = "active"
    merged_into: str | None = None

    @property
    def pilot(self) -> bool:
        return self.type == "hitech"

    @property
    def rollout_due(self) -> str:
        return HITECH_DUE if self.type == "hitech" else OTHERS_DUE

    @property
    def active(self) -> bool:
        return self.status == "active"

    def as_dict(self) -> dict[str, Any]:
        return {
            "zone_id": self.zone_id,
            "name_zh": self.name_zh,
            "level": self.level,
            "type": self.type,
            "city_codes": list(self.city_codes),
            "former_names": list(self.former_names),
            "status": self.status,
            "merged_into": self.merged_into,
            "pilot": self.pilot,
            "rollout_due": self.rollout_due,
        }


class ZoneFields(BaseModel):
    """A zone as the file and `PUT /zones/{id}` give it. Unknown fields are refused by name."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name_zh: str = Field(min_length=2, max_length=60)
    level: Level
    type: ZoneType
    city_codes: list[str] = Field(min_length=1, max_length=11)
    status: Status = "active"
    merged_into: str | None = None

    @field_validator("name_zh")
    @classmethod
    def _name(cls, value: str) -> str:
        text = fold_width(value).strip()
        if len(text) < 2:
            raise ValueError("name_zh: at least 2 characters")
        return text

    @field_validator("city_codes")
    @classmethod
    def _cities(cls, value: list[str]) -> list[str]:
        unknown = [c for c in value if c not in CITIES]
        if unknown:
            raise ValueError(f"not a Jiangxi city code (3601-3611): {', '.join(unknown)}")
        return sorted(set(value))

    @model_validator(mode="after")
    def _merge(self) -> ZoneFields:
        if self.status == "merged" and not self.merged_into:
            raise ValueError("merged_into: a merged zone names the zone it merged into")
        if self.status == "active" and self.merged_into is not None:
            raise ValueError("merged_into: only a merged zone names one")
        return self


class _FileZone(ZoneFields):
    zone_id: str
    former_names: list[str] = Field(default_factory=list)


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: str
    zones: list[_FileZone]


def problem_of(exc: ValidationError) -> ZoneProblem:
    """The first error of a pydantic validation, naming its field."""
    first = exc.errors()[0]
    field = ".".join(str(p) for p in first["loc"]) or "body"
    message = str(first["msg"]).removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        return ZoneProblem(field, f"unknown field {field}", f"未知字段 {field}")
    return ZoneProblem(field, f"{field}: {message}", f"字段 {field} 无效：{message}")


def check_zone_id(zone_id: str) -> str:
    if not ZONE_ID.match(zone_id):
        raise ZoneProblem(
            "zone_id",
            f"zone_id: {zone_id!r} is not 3-24 of A-Z, 0-9 and -",
            f"开发区编号 {zone_id!r} 无效：应为 3–24 位大写字母、数字或 -",
        )
    return zone_id


@dataclass(frozen=True)
class Catalogue:
    """Every zone by id, with lookups by name (current or former) and merges followed."""

    version: str
    zones: Mapping[str, Zone]

    @property
    def by_name(self) -> dict[str, str]:
        names: dict[str, str] = {}
        for zone in self.zones.values():
            for name in (*zone.former_names, zone.name_zh):
                names[fold_width(name).strip()] = zone.zone_id
        return names

    def get(self, zone_id: str) -> Zone | None:
        return self.zones.get(zone_id)

    def resolve(self, zone_id: str | None) -> str | None:
        """The zone a member of `zone_id` belongs to today: merges followed (a cycle stops where it began)."""
        seen: set[str] = set()
        current = zone_id
        while current is not None and current not in seen:
            seen.add(current)
            zone = self.zones.get(current)
            if zone is None or zone.status != "merged" or zone.merged_into is None:
                return current
            current = zone.merged_into
        return zone_id

    def find(self, text: str) -> str | None:
        """A registry cell's zone (contract 14): a zone id, its name or a former name; None if unknown."""
        cell = fold_width(text).strip()
        if cell.upper() in self.zones:
            return cell.upper()
        return self.by_name.get(cell)

    def active(self) -> list[Zone]:
        return [z for z in self.zones.values() if z.active]

    def absorbed(self, zone_id: str) -> frozenset[str]:
        """`zone_id` and every zone whose members resolve into it (a merge moves members everywhere)."""
        return frozenset(z for z in self.zones if self.resolve(z) == zone_id) | {zone_id}

    def select(
        self, zone: str | None = None, zone_type: str | None = None, zone_level: str | None = None
    ) -> frozenset[str] | None:
        """The zone ids (merged ones included) a list's `zone=`, `zone_type=`, `zone_level=` filters keep;
        None when no zone filter is given."""
        if zone is None and zone_type is None and zone_level is None:
            return None
        wanted = [
            z
            for z in self.active()
            if (zone is None or z.zone_id == zone)
            and (zone_type is None or z.type == zone_type)
            and (zone_level is None or z.level == zone_level)
        ]
        return frozenset().union(*(self.absorbed(z.zone_id) for z in wanted)) if wanted else frozenset()

    def cities_of(self, zone_id: str) -> tuple[str, ...] | None:
        zone = self.zones.get(self.resolve(zone_id) or zone_id)
        return zone.city_codes if zone is not None else None

    def edited(self, zone_id: str, fields: ZoneFields) -> Zone:
        """The zone after `PUT /zones/{zone_id}`: a new name keeps the old one among the former names;
        a merge must point at another known, active zone. ZoneProblem otherwise."""
        check_zone_id(zone_id)
        before = self.zones.get(zone_id)
        if fields.status == "merged":
            target = fields.merged_into or ""
            if target == zone_id:
                raise ZoneProblem(
                    "merged_into", "merged_into: a zone cannot merge into itself", "开发区不能合并到自身"
                )
            found = self.zones.get(target)
            if found is None:
                raise ZoneProblem(
                    "merged_into", f"merged_into: unknown zone {target}", f"未知的开发区 {target}"
                )
            if self.resolve(target) == zone_id:
                raise ZoneProblem(
                    "merged_into",
                    f"{target} is merged into {zone_id}",
                    f"{target} 已并入 {zone_id}，不能互相合并",
                )
            if found.status == "merged":
                raise ZoneProblem(
                    "merged_into", f"{target} is itself merged", f"{target} 已被合并，请指向现存开发区"
                )
        former = list(before.former_names) if before is not None else []
        if before is not None and before.name_zh != fields.name_zh and before.name_zh not in former:
            former.append(before.name_zh)
        former = [n for n in former if n != fields.name_zh]
        taken = self.by_name.get(fields.name_zh)
        if taken is not None and taken != zone_id:
            raise ZoneProblem(
                "name_zh",
                f"name {fields.name_zh} belongs to {taken}",
                f"名称 {fields.name_zh} 已属于 {taken}",
            )
        return Zone(
            zone_id=zone_id,
            name_zh=fields.name_zh,
            level=fields.level,
            type=fields.type,
            city_codes=tuple(fields.city_codes),
            former_names=tuple(former),
            status=fields.status,
            merged_into=fields.merged_into,
        )

    def with_zones(self, zones: Iterable[Zone]) -> Catalogue:
        merged = dict(self.zones)
        for zone in zones:
            merged[zone.zone_id] = zone
        return replace(self, zones=merged)


def parse_catalogue(text: str) -> Catalogue:
    """A catalogue file's text, validated: ids well formed and unique, names unique, merges known."""
    try:
        data = _File.model_validate(yaml.safe_load(text))
    except ValidationError as exc:
        raise problem_of(exc) from exc
    zones: dict[str, Zone] = {}
    for raw in data.zones:
        check_zone_id(raw.zone_id)
        if raw.zone_id in zones:
            raise ZoneProblem("zone_id", f"zone {raw.zone_id} twice", f"开发区 {raw.zone_id} 重复")
        zones[raw.zone_id] = Zone(
            raw.zone_id,
            raw.name_zh,
            raw.level,
            raw.type,
            tuple(raw.city_codes),
            tuple(raw.former_names),
            raw.status,
            raw.merged_into,
        )
    catalogue = Catalogue(data.version, zones)
    names: dict[str, str] = {}
    for zone in zones.values():
        for name in (zone.name_zh, *zone.former_names):
            if names.setdefault(name, zone.zone_id) != zone.zone_id:
                raise ZoneProblem("name_zh", f"name {name} twice", f"名称 {name} 重复")
        if zone.merged_into is not None and zone.merged_into not in zones:
            raise ZoneProblem(
                "merged_into", f"unknown zone {zone.merged_into}", f"未知的开发区 {zone.merged_into}"
            )
    return catalogue


@cache
def shipped() -> Catalogue:
    """The catalogue shipped with the code (read once per process)."""
    return parse_catalogue((FILES / SHIPPED).read_text(encoding="utf-8"))


def zone_fields(body: Mapping[str, Any]) -> ZoneFields:
    """`PUT /zones/{id}`'s body; ZoneProblem naming the field (unknown fields too)."""
    try:
        return ZoneFields.model_validate(body)
    except ValidationError as exc:
        raise problem_of(exc) from exc


def stored_zone(data: Mapping[str, Any]) -> Zone:
    """A zone as `stores/zones.py` keeps an edit (its `as_dict`)."""
    return Zone(
        zone_id=str(data["zone_id"]),
        name_zh=str(data["name_zh"]),
        level=data["level"],
        type=data["type"],
        city_codes=tuple(data["city_codes"]),
        former_names=tuple(data.get("former_names") or ()),
        status=data.get("status", "active"),
        merged_into=data.get("merged_into"),
    )


def sorted_zones(zones: Sequence[Zone]) -> list[Zone]:
    """National before provincial, then hitech, econ, new area, park, then id."""
    return sorted(zones, key=lambda z: (LEVELS.index(z.level), TYPES.index(z.type), z.zone_id))
