"""Areas: the part of the province a caller may see (contract 15, 16). One concept, decided here.

A key's area follows from its role and org (`api/auth.py` builds it once per request): the province
(admin, banks, investors, departments), a city (`city`: a 4-digit city code), a zone (`zone`: a zone id)
or one enterprise (`enterprise`: its credit code). Every enterprise-level read asks `Area.contains`;
every list asks `narrow` for the filters it may apply, so no route can forget the rule.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Literal

AreaKind = Literal["province", "city", "zone", "enterprise"]


class OutsideAreaError(ValueError):
    """A filter reaches outside the caller's area (403 OUTSIDE_AREA at the API)."""


@dataclass(frozen=True, slots=True)
class Location:
    """Where an enterprise lies: its region code (master data) and its zone today (contract 14)."""

    credit_code: str
    region_code: str | None
    zone_id: str | None


@dataclass(frozen=True, slots=True)
class Scope:
    """The filters a list applies after `narrow`: a region prefix, a zone, one enterprise (or None)."""

    region: str | None
    zone: str | None
    credit_code: str | None = None


@dataclass(frozen=True, slots=True)
class Area:
    kind: AreaKind
    key: str | None = None  # the city code, the zone id or the credit code; None for the province

    @property
    def whole(self) -> bool:
        """The whole province: no check needed, no read needed."""
        return self.kind == "province"

    @property
    def needs_location(self) -> bool:
        """Whether `contains` needs the enterprise's region or zone (a read), not only its code."""
        return self.kind in ("city", "zone")

    def contains(self, location: Location) -> bool:
        """Whether the enterprise at `location` lies inside this area."""
        if self.kind == "province":
            return True
        if self.kind == "enterprise":
            return location.credit_code == self.key
        if self.kind == "city":
            return location.region_code is not None and location.region_code.startswith(self.key or "")
        return location.zone_id is not None and location.zone_id == self.key

    def contains_code(self, credit_code: str) -> bool | None:
        """Decided by the code alone (province, enterprise); None when the location is needed."""
        if self.kind == "province":
            return True
        if self.kind == "enterprise":
            return credit_code == self.key
        return None

    def narrow(
        self,
        region: str | None,
        zone: str | None,
        zone_cities: Callable[[str], Collection[str] | None] = lambda _zone: None,
    ) -> Scope:
        """The filters to apply inside this area; OutsideAreaError when a filter reaches outside it.

        `zone_cities(zone_id)` answers the 4-digit cities a zone lies in (None: unknown zone), for a city
        key naming a zone. Filters narrow inside the area: a city key's `region` must start with its
        code and its `zone` must lie in its city; a zone key may name only its own zone, and its `region`
        narrows within the zone (contract 19.1)."""
        if self.kind == "province":
            return Scope(region, zone)
        if self.kind == "city":
            city = self.key or ""
            if region is not None and not region.startswith(city):
                raise OutsideAreaError(f"region {region} lies outside city {city}")
            if zone is not None and city not in (zone_cities(zone) or ()):
                raise OutsideAreaError(f"zone {zone} does not lie in city {city}")
            return Scope(region or city, zone)
        if self.kind == "zone":
            if zone is not None and zone != self.key:
                raise OutsideAreaError(f"zone {zone} is not zone {self.key}")
            return Scope(region, self.key)
        raise OutsideAreaError("an enterprise key reads no lists but its own objections")


PROVINCE = Area("province")
