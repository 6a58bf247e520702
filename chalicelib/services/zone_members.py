"""A zone's unit list (入统企业名录, contract 15): `zones/<zone_id>/<name>` in the upload bucket → membership
records (basis `unit_list`) → a report at `reports/zones/<zone_id>/<name>.report.json` and in the batches
table (`GET /batches?key=`). Same path as every upload: S3 notification → uploads queue → ingest Lambda,
which hands `zones/…` keys here. The zone comes from the key, never from the file.

Rows: `INVALID_CREDIT_CODE`, `CREDIT_CODE_CHECKSUM`, `INVALID_DATE` (`valid_to` before `valid_from` too) and
`OUTSIDE_ZONE_CITY` (a registered enterprise whose city is not among the zone's). A membership change
requests a rescore of the enterprise (every period): its cards then carry the zone, and its published
policies are matched again (contract 14). The steps every named-field upload shares are
`services.named_upload`'s; here is what a unit list adds: its zone checked, its rows become memberships.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Final

from chalicelib.domain.messages import Code, Issue, issue
from chalicelib.domain.regions import CITIES
from chalicelib.domain.scoring.affected import requests_for
from chalicelib.domain.upload_event import Upload
from chalicelib.domain.zones.membership import UNIT_LIST, Membership, china_date
from chalicelib.domain.zones.unit_list import UnitList, UnitRow, read_unit_list
from chalicelib.services import zones
from chalicelib.services.named_upload import Kind, Outcome, handler, ingest
from chalicelib.settings import get_settings
from chalicelib.stores import zones as store
from chalicelib.stores.rescore_queue import send_requests

DEPARTMENT: Final = "zone_members"  # the report's `department`: who sent it is the zone in the key


def outside_city(row: UnitRow, region_code: str | None, cities: tuple[str, ...]) -> Issue | None:
    """OUTSIDE_ZONE_CITY for a registered enterprise whose city is not among the zone's."""
    if region_code is None or region_code[:4] in cities:
        return None
    return issue(
        Code.OUTSIDE_ZONE_CITY,
        row=row.row,
        column="credit_code",
        value=row.credit_code,
        city=CITIES.get(region_code[:4], region_code[:4]),
        cities="、".join(CITIES.get(c, c) for c in cities),
    )


class _UnitList:
    """One unit list: its rows in the zone's cities become memberships; a change asks for a rescore."""

    def __init__(self, upload: Upload, zone_id: str, batch_id: str) -> None:
        self.upload = upload
        self.zone_id = zone_id
        self.batch_id = batch_id
        self.cities: tuple[str, ...] = ()

    def refused(self) -> Issue | None:
        cities = zones.catalogue(fresh=True).cities_of(self.zone_id)
        if cities is None:
            zone = self.zone_id
            return issue(
                Code.UNKNOWN_DEPARTMENT, department=zone, department_zh=zone, allowed="", allowed_zh=""
            )
        self.cities = cities
        return None

    def read(self, path: Path, max_inflated_bytes: int) -> AbstractContextManager[UnitList]:
        today = china_date(self.upload.event_time)
        return read_unit_list(path, self.upload.filename, today, max_inflated_bytes=max_inflated_bytes)

    def accept(self, found: UnitList) -> Outcome:
        errors = list(found.row_errors)
        placed = store.placed_many(row.credit_code for row in found.rows)
        accepted: list[Membership] = []
        for row in found.rows:
            located = placed.get(row.credit_code)
            problem = outside_city(row, located.region_code if located else None, self.cities)
            if problem is not None:
                errors.append(problem)
                continue
            accepted.append(
                Membership(
                    row.credit_code,
                    self.zone_id,
                    row.valid_from,
                    row.valid_to,
                    UNIT_LIST,
                    self.upload.key,
                    self.batch_id,
                    self.upload.event_time,
                )
            )
        changed = store.add_memberships(accepted)
        if changed:
            affected: dict[str, set[int] | None] = dict.fromkeys(changed)
            send_requests(requests_for(affected, self.batch_id, get_settings().rescore_chunk_size))
        return Outcome(found.total, len(accepted), [e.to_dict() for e in errors], len(changed))


KIND: Final = Kind[UnitList](
    name="unit list",
    module=__name__,
    idempotency_name="unit_list",
    owner_key="zone_id",
    owner=lambda upload: upload.zone_id,
    department=lambda _zone: DEPARTMENT,
    plan=_UnitList,
)


def ingest_unit_list(upload: Upload) -> dict[str, Any]:
    """Process one unit list end to end; returns its report."""
    return ingest(KIND, upload)


handle: Final = handler(KIND)
"""One unit list from the uploads queue, once per (key, version)."""
