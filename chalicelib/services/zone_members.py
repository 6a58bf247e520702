"""A zone's unit list (入统企业名录, contract 15): `zones/<zone_id>/<name>` in the upload bucket → membership
records (basis `unit_list`) → a report at `reports/zones/<zone_id>/<name>.report.json` and in the batches
table (`GET /batches?key=`). Same path as every upload: S3 notification → uploads queue → ingest Lambda,
which hands `zones/…` keys here. The zone comes from the key, never from the file.

Rows: `INVALID_CREDIT_CODE`, `CREDIT_CODE_CHECKSUM`, `INVALID_DATE` (`valid_to` before `valid_from` too) and
`OUTSIDE_ZONE_CITY` (a registered enterprise whose city is not among the zone's). A membership change
requests a rescore of the enterprise (every period): its cards then carry the zone, and its published
policies are matched again (contract 14).
"""

from __future__ import annotations

import tempfile
import uuid
from functools import cache
from pathlib import Path
from typing import Any, Final

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)

from chalicelib.domain.messages import Code, Issue, file_too_large, issue
from chalicelib.domain.regions import CITIES
from chalicelib.domain.scoring.affected import requests_for
from chalicelib.domain.timestamps import now, stamp_ms
from chalicelib.domain.upload_event import Upload
from chalicelib.domain.validation.report import BatchReport, RowCounts, receipt
from chalicelib.domain.zones.membership import UNIT_LIST, Membership, china_date
from chalicelib.domain.zones.unit_list import UnitRow, read_unit_list
from chalicelib.observability import logger
from chalicelib.services import zones
from chalicelib.settings import get_settings
from chalicelib.stores import objects
from chalicelib.stores import zones as store
from chalicelib.stores.batches import BatchesRepository
from chalicelib.stores.rescore_queue import send_requests

IDEMPOTENCY_SECONDS: Final = 7 * 24 * 3600
DEPARTMENT: Final = "zone_members"  # the report's `department`: who sent it is the zone in the key


def batch_id_for(bucket: str, key: str, version_id: str) -> str:
    """One upload (key + version) is one batch, however often it is delivered (as ingest's batches)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"s3://{bucket}/{key}?versionId={version_id}"))


def _now() -> str:
    return stamp_ms(now())


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


def ingest_unit_list(upload: Upload) -> dict[str, Any]:
    """Process one unit list end to end; returns its report."""
    settings = get_settings()
    zone_id = upload.zone_id
    assert zone_id is not None, upload.key
    version_id = upload.version_id or objects.resolve_version(upload.bucket, upload.key)
    report = BatchReport(
        batch_id=batch_id_for(upload.bucket, upload.key, version_id),
        key=upload.key,
        version_id=version_id,
        department=DEPARTMENT,
        status="processing",
        received_at=upload.event_time,
    )
    logger.append_keys(batch_id=report.batch_id, key=upload.key, zone_id=zone_id)
    batches = BatchesRepository()
    batches.save(report)
    cities = zones.catalogue(fresh=True).cities_of(zone_id)
    if cities is None:
        found = issue(
            Code.UNKNOWN_DEPARTMENT, department=zone_id, department_zh=zone_id, allowed="", allowed_zh=""
        )
        report = _rejected(report, [found.to_dict()])
    elif upload.size > settings.max_upload_bytes:
        report = _rejected(report, [file_too_large(upload.size, settings.max_upload_bytes).to_dict()])
    else:
        report = _process(upload, version_id, zone_id, cities, report, settings.max_inflated_bytes)
    batches.save(report)
    objects.put_report(upload.bucket, upload.report_key, report.model_dump(mode="json"))
    logger.info("unit list finished", extra={"status": report.status, "rows": report.rows.model_dump()})
    return report.model_dump(mode="json")


def _process(
    upload: Upload,
    version_id: str,
    zone_id: str,
    cities: tuple[str, ...],
    report: BatchReport,
    max_inflated: int,
) -> BatchReport:
    today = china_date(upload.event_time)
    with tempfile.TemporaryDirectory(prefix="zone-members-") as tmp:
        path = Path(tmp) / "upload"
        objects.download(upload.bucket, upload.key, version_id, path)
        with read_unit_list(path, upload.filename, today, max_inflated_bytes=max_inflated) as found:
            if found.file_errors:
                return _rejected(report, [e.to_dict() for e in found.file_errors])
            rows, errors, total = found.rows, list(found.row_errors), found.total
    placed = store.placed_many(row.credit_code for row in rows)
    accepted: list[Membership] = []
    for row in rows:
        located = placed.get(row.credit_code)
        problem = outside_city(row, located.region_code if located else None, cities)
        if problem is not None:
            errors.append(problem)
            continue
        accepted.append(
            Membership(
                row.credit_code,
                zone_id,
                row.valid_from,
                row.valid_to,
                UNIT_LIST,
                upload.key,
                report.batch_id,
                upload.event_time,
            )
        )
    changed = store.add_memberships(accepted)
    if changed:
        affected: dict[str, set[int] | None] = dict.fromkeys(changed)
        send_requests(requests_for(affected, report.batch_id, get_settings().rescore_chunk_size))
    errors.sort(key=lambda e: e.row or 0)
    return report.model_copy(
        update={
            "status": "completed",
            "finished_at": _now(),
            "rows": RowCounts(total=total, accepted=len(accepted), rejected=total - len(accepted)),
            "row_errors": [e.to_dict() for e in errors],
            "enterprises_affected": len(changed),
        }
    )


def _rejected(report: BatchReport, file_errors: list[dict[str, Any]]) -> BatchReport:
    return report.model_copy(update={"status": "rejected", "finished_at": _now(), "file_errors": file_errors})


@cache
def _idempotent() -> Any:
    """Built lazily: the persistence layer creates its client at construction (STACK-NOTES)."""
    persistence = DynamoDBPersistenceLayer(table_name=get_settings().idempotency_table)
    config = IdempotencyConfig(
        event_key_jmespath="[bucket, key, version_id]", expires_after_seconds=IDEMPOTENCY_SECONDS
    )

    @idempotent_function(data_keyword_argument="upload", persistence_store=persistence, config=config)  # type: ignore[untyped-decorator]
    def unit_list(upload: dict[str, Any]) -> dict[str, Any]:  # the name keys its idempotency records
        return receipt(ingest_unit_list(Upload.model_validate(upload)))

    return unit_list


def handle(upload: Upload) -> None:
    """One unit list from the uploads queue, once per (key, version)."""
    if upload.version_id is None:
        upload = upload.model_copy(update={"version_id": objects.resolve_version(upload.bucket, upload.key)})
    _idempotent()(upload=upload.model_dump())
