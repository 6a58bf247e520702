"""Zones as the service sees them (contract 14): the catalogue (shipped file + stored edits), an
enterprise's zone today, its membership records, and what a list's zone filters select."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Final, Protocol

from chalicelib.domain.areas import Area, Location
from chalicelib.domain.china import today_in_china
from chalicelib.domain.zones.catalogue import ZONE_ID, Catalogue, Zone, ZoneProblem, shipped, zone_fields
from chalicelib.domain.zones.membership import Membership, decoded, newest_first, registry_membership
from chalicelib.domain.zones.membership import zone_today as raw_zone_today
from chalicelib.stores import zones as store
from chalicelib.stores.facts import Current

CACHE_SECONDS: Final = 30.0  # a rename or merge reaches every Lambda within this


@dataclass
class _Cached:
    catalogue: Catalogue | None = None
    read_at: float = 0.0


_CACHE = _Cached()


def catalogue(*, fresh: bool = False) -> Catalogue:
    """The shipped catalogue with the API's edits over it (one Query, cached for CACHE_SECONDS)."""
    clock = time.monotonic()
    if fresh or _CACHE.catalogue is None or clock - _CACHE.read_at > CACHE_SECONDS:
        _CACHE.catalogue = shipped().with_zones(store.edited_zones())
        _CACHE.read_at = clock
    return _CACHE.catalogue


def forget_cache() -> None:
    _CACHE.catalogue = None


def put_zone(zone_id: str, body: Mapping[str, Any]) -> Zone:
    """`PUT /zones/{zone_id}`: add or change a zone (ZoneProblem naming the field otherwise)."""
    if not isinstance(body, Mapping):
        raise ZoneProblem("body", "the body must be a JSON object", "请求体必须是 JSON 对象")
    zone = catalogue(fresh=True).edited(zone_id, zone_fields(body))
    store.save_zone(zone)
    forget_cache()
    return zone


def zone_today(memberships: Iterable[Membership], today: date | None = None) -> str | None:
    """The enterprise's zone today, merges followed (None: no membership valid today)."""
    return catalogue().resolve(raw_zone_today(memberships, today or today_in_china()))


def location_of(credit_code: str) -> Location | None:
    """Where the enterprise lies (region code, zone today); None without master data."""
    found = store.placed(credit_code)
    if found is None:
        return None
    return Location(credit_code, found.region_code, zone_today(found.memberships))


def memberships(credit_code: str) -> list[Membership]:
    """`GET /enterprises/{code}/zones`: every membership record, newest first."""
    return newest_first(store.memberships_of(credit_code))


def resolved(zone_id: str | None) -> str | None:
    """A zone id as stored on a card, merges followed."""
    return catalogue().resolve(zone_id) if zone_id is not None else None


def zone_brief(zone_id: str | None) -> dict[str, Any] | None:
    """The portrait's `zone`: {zone_id, name_zh, level, type} of the zone today, or None."""
    zone = catalogue().get(resolved(zone_id) or "") if zone_id is not None else None
    if zone is None:
        return None
    return {"zone_id": zone.zone_id, "name_zh": zone.name_zh, "level": zone.level, "type": zone.type}


def zone_cities(zone_id: str) -> tuple[str, ...] | None:
    """The cities a zone lies in (None: unknown zone), for `list_scope`."""
    return catalogue().cities_of(zone_id)


def selected(zone: str | None, zone_type: str | None, zone_level: str | None) -> frozenset[str] | None:
    """The stored zone ids a list's zone filters keep (merged zones with their heir); None: no filter."""
    if zone is None and zone_type is None and zone_level is None:
        return None  # no read of the catalogue's edits
    return catalogue().select(zone, zone_type, zone_level)


def cities_of_selected(wanted: Iterable[str]) -> frozenset[str]:
    """The cities the zones `selected` kept lie in (merges followed): where their members' rows are."""
    cat = catalogue()
    return frozenset(city for zone_id in wanted for city in cat.cities_of(zone_id) or ())


def members_among(wanted: frozenset[str]) -> Callable[[Sequence[str]], set[str]]:
    """A filter for lists whose rows do not carry the zone (support records): given credit codes, those
    whose zone today (merges followed) is among `wanted` (as `selected` gave it). Each enterprise is
    looked up once per filter: one BatchGetItem of current items (a projection) per 100 new codes."""
    known: dict[str, str | None] = {}

    def keep(codes: Sequence[str]) -> set[str]:
        new = [code for code in dict.fromkeys(codes) if code not in known]
        if new:
            found = store.placed_many(new)
            for code in new:
                placed = found.get(code)
                known[code] = zone_today(placed.memberships) if placed is not None else None
        return {code for code in codes if known[code] in wanted}

    return keep


def criteria_fields(zone_id: str | None) -> dict[str, str]:
    """Policy criteria fields `zone_id`, `zone_type`, `zone_level` (missing when no zone; contract 14)."""
    zone = catalogue().get(resolved(zone_id) or "") if zone_id is not None else None
    if zone is None:
        return {}
    return {"zone_id": zone.zone_id, "zone_type": zone.type, "zone_level": zone.level}


@dataclass(frozen=True, slots=True)
class RegistryZone:
    """What a registry row's zone cell did: `known` False is UNKNOWN_ZONE; `added` the membership it
    recorded on the enterprise's current item (None: its zone today is that zone already)."""

    known: bool
    added: Membership | None = None


def registry_zone(current: Current, cell: str, source: str, batch_id: str, received_at: str) -> RegistryZone:
    """Merge a registry row's zone cell (contract 14) into the enterprise's current item (as read)."""
    cat = catalogue()
    zone_id = cat.find(cell)
    if zone_id is None:
        return RegistryZone(False)
    membership = registry_membership(current.credit_code, zone_id, received_at, source, batch_id)
    if membership.encoded() in current.zones:  # our own earlier attempt recorded it
        return RegistryZone(True, membership)
    records = [decoded(current.credit_code, z) for z in current.zones]
    if cat.resolve(raw_zone_today(records, membership.valid_from)) == cat.resolve(zone_id):
        return RegistryZone(True)
    current.zones = [*current.zones, membership.encoded()]
    return RegistryZone(True, membership)


_CITY_ISSUER = re.compile(r"^36(0[1-9]|1[01])$")


def issuer_area(issuer: str) -> Area | None:
    """The area a local policy is confined to (contract 15): a city's code, a zone's id; None otherwise."""
    if _CITY_ISSUER.match(issuer):
        return Area("city", issuer)
    if ZONE_ID.match(issuer) and catalogue().get(issuer) is not None:
        return Area("zone", issuer)
    return None


class _Placed(Protocol):
    @property
    def region_code(self) -> str: ...

    @property
    def zone_id(self) -> str | None: ...

    @property
    def card(self) -> Any: ...


def within_issuer(issuer: str, view: _Placed) -> bool:
    """Whether an enterprise (its current card's view) lies in a local policy's issuer's area; True for
    province-wide issuers (admin, departments)."""
    area = issuer_area(issuer)
    if area is None:
        return True
    location = Location(view.card.credit_code, view.region_code, resolved(view.zone_id))
    return area.contains(location)
