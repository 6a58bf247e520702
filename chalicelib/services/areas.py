"""Where an enterprise lies, for the area check (contract 15): its region code and its zone today."""

from __future__ import annotations

from chalicelib.domain.areas import Location
from chalicelib.stores.facts import FactsRepository


def location_of(credit_code: str) -> Location | None:
    """The enterprise's location; None when the service has no master data for it.

    The region code is the current master record's. The zone is the membership valid today
    (contract 14); it arrives with the membership store (issue 19), until then no enterprise has one."""
    master = FactsRepository().load_master(credit_code)
    if master is None:
        return None
    return Location(credit_code=credit_code, region_code=master.region_code, zone_id=None)
