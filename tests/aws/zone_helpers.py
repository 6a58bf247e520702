"""Helpers for the zone tests: enterprises placed in cities and zones, as registry and rolls would."""

from __future__ import annotations

from datetime import date

from chalicelib.domain.records import Master
from chalicelib.domain.zones.membership import REGISTRATION, Membership
from chalicelib.stores.facts import Current, StoredMaster, seed_current, write_items
from chalicelib.stores.zones import membership_item


def place(code: str, region_code: str, zone_id: str | None, name: str = "江西某科技有限公司") -> None:
    """Master data in `region_code` and, with `zone_id`, a registry membership valid since 2024."""
    master = Master(code, name, date(2015, 1, 1), region_code, "C3911", "b-1", "2024-01-01T00:00:00Z")
    current = Current(code, StoredMaster(master, "registry", "2024-01-01T00:00:00Z#0"))
    if zone_id is not None:
        membership = Membership(
            code,
            zone_id,
            date(2024, 1, 1),
            None,
            REGISTRATION,
            "incoming/registry/a.csv",
            "b-1",
            "2024-01-01T00:00:00Z",
        )
        current.zones = [membership.encoded()]
        write_items([membership_item(membership)])
    seed_current([current])
