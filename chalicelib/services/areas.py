"""Where an enterprise lies, for the area check (contract 15): its region code and its zone today."""

from __future__ import annotations

from chalicelib.domain.areas import Location
from chalicelib.services import zones


def location_of(credit_code: str) -> Location | None:
    """The enterprise's location; None when the service has no master data for it.

    The region code is the current master record's; the zone is the membership valid today with the
    latest start, merges followed (contract 14): one GetItem of the enterprise's current item."""
    return zones.location_of(credit_code)
