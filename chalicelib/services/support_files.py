"""Support files: `support/<org>/<name>` in the upload bucket → records written → a report.

The same path as department files (S3 notification → uploads queue → ingest Lambda, which hands
`support/…` keys here). The institution comes from the key, never from the file. Each row is written
as a record posted to the API would be (`services.support.write_many`, in chunks of 500): a bad row
is reported with its code, the valid ones are kept. The report, in the batch report's shape, goes
to `reports/support/<org>/<name>.report.json`. One upload (key and version) is processed once.
"""

from __future__ import annotations

import tempfile
from functools import cache
from itertools import islice
from pathlib import Path
from typing import Any, Final

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)

from chalicelib.domain.messages import file_too_large
from chalicelib.domain.model.schema import load_model
from chalicelib.domain.support.fields import SupportProblem
from chalicelib.domain.support.file_rows import ORG_COLUMNS, Row, read_support_file, row_error
from chalicelib.domain.timestamps import now, stamp_ms
from chalicelib.domain.upload_event import Upload, batch_id_for
from chalicelib.domain.validation.report import BatchReport, RowCounts, receipt
from chalicelib.observability import logger, metrics
from chalicelib.services import support
from chalicelib.settings import get_settings
from chalicelib.stores import objects

CHUNK: Final = support.MAX_BATCH
IDEMPOTENCY_SECONDS: Final = 7 * 24 * 3600
MAX_LISTED_ERRORS: Final = 10_000  # a report lists this many row errors; all are counted


def _now() -> str:
    return stamp_ms(now())


def writer_for(org: str) -> support.Writer:
    """A department's id makes a department writer; any other institution is a bank."""
    departments = {d.id for d in load_model(get_settings().model_version).departments}
    return support.Writer(org, "department" if org in departments else "bank")


def _item(row: Row, writer: support.Writer) -> support.Item:
    cells = dict(row.cells)
    for column in ORG_COLUMNS:
        sent = cells.pop(column, None)
        expected = writer.org if column == "org" else writer.org_type
        if sent is not None and str(sent).strip() != expected:
            problem = SupportProblem(
                "INVALID_FIELD",
                column,
                f"{column}: this file is {writer.org}'s ({writer.org_type}); the row says {sent}",
                f"字段 {column}：文件属于 {writer.org}，该行填写为 {sent}",
            )
            return support.Item(cells, None, problem)
    return support.Item(cells, writer)


def _errors_of(rows: list[Row], results: list[support.Result]) -> list[dict[str, Any]]:
    errors = []
    for row, result in zip(rows, results, strict=True):
        problem = result.problem
        if problem is not None:
            value = row.cells.get(problem.field) if problem.field else None
            errors.append(
                row_error(
                    row.number, problem.field, value, problem.code, problem.detail_zh, problem.detail_en
                )
            )
    return errors


def ingest_support_file(upload: Upload) -> dict[str, Any]:
    """Process one support file end to end; returns its report."""
    settings = get_settings()
    org = upload.support_org
    assert org is not None, upload.key
    version_id = upload.version_id or objects.resolve_version(upload.bucket, upload.key)
    report = BatchReport(
        batch_id=batch_id_for(upload.bucket, upload.key, version_id),
        key=upload.key,
        version_id=version_id,
        department=org,
        status="processing",
        received_at=upload.event_time,
    )
    logger.append_keys(batch_id=report.batch_id, key=upload.key, org=org)
    # the uploader watches this report (GET /support/files): say at once that the file is being read
    objects.put_report(upload.bucket, upload.report_key, report.model_dump(mode="json"))
    if upload.size > settings.max_upload_bytes:
        report = _rejected(report, [file_too_large(upload.size, settings.max_upload_bytes).to_dict()])
    else:
        report = _process(upload, version_id, org, report, settings.max_inflated_bytes)
    objects.put_report(upload.bucket, upload.report_key, report.model_dump(mode="json"))
    metrics.add_metric(name="SupportRowsAccepted", unit=MetricUnit.Count, value=report.rows.accepted)
    metrics.add_metric(name="SupportRowsRejected", unit=MetricUnit.Count, value=report.rows.rejected)
    logger.info("support file finished", extra={"status": report.status, "rows": report.rows.model_dump()})
    return report.model_dump(mode="json")


def _process(
    upload: Upload, version_id: str, org: str, report: BatchReport, max_inflated: int
) -> BatchReport:
    writer = writer_for(org)
    total = accepted = 0
    errors: list[dict[str, Any]] = []
    enterprises: set[str] = set()
    with tempfile.TemporaryDirectory(prefix="support-") as tmp:
        path = Path(tmp) / "upload"
        objects.download(upload.bucket, upload.key, version_id, path)
        with read_support_file(path, upload.filename, org, max_inflated_bytes=max_inflated) as found:
            if found.file_errors:
                return _rejected(report, [e.to_dict() for e in found.file_errors])
            while chunk := list(islice(found.rows, CHUNK)):
                results = support.write_many([_item(row, writer) for row in chunk])
                total += len(chunk)
                errors += _errors_of(chunk, results)
                for result in results:
                    if result.record is not None:
                        accepted += 1
                        enterprises.add(result.record.credit_code)
            if found.file_errors:  # a fault deep in the file (e.g. broken quotes): nothing more was read
                return _rejected(report, [e.to_dict() for e in found.file_errors])
            errors = found.row_errors + errors
            total += len(found.row_errors)
    errors.sort(key=lambda e: e["row"])
    return report.model_copy(
        update={
            "status": "completed",
            "finished_at": _now(),
            "rows": RowCounts(total=total, accepted=accepted, rejected=total - accepted),
            "row_errors": errors[:MAX_LISTED_ERRORS],
            "enterprises_affected": len(enterprises),
        }
    )


def _rejected(report: BatchReport, file_errors: list[dict[str, Any]]) -> BatchReport:
    return report.model_copy(update={"status": "rejected", "finished_at": _now(), "file_errors": file_errors})


@cache
def _idempotent() -> Any:
    """Built lazily: the persistence layer creates its client at construction (STACK-NOTES)."""
    store = DynamoDBPersistenceLayer(table_name=get_settings().idempotency_table)
    config = IdempotencyConfig(
        event_key_jmespath="[bucket, key, version_id]", expires_after_seconds=IDEMPOTENCY_SECONDS
    )

    @idempotent_function(data_keyword_argument="upload", persistence_store=store, config=config)  # type: ignore[untyped-decorator]
    def support_file(upload: dict[str, Any]) -> dict[str, Any]:  # the name keys its idempotency records
        return receipt(ingest_support_file(Upload.model_validate(upload)))  # small enough for an item

    return support_file


def handle(upload: Upload) -> None:
    """One support file from the uploads queue, once per (key, version)."""
    if upload.version_id is None:  # key the idempotency record on the real version
        upload = upload.model_copy(update={"version_id": objects.resolve_version(upload.bucket, upload.key)})
    _idempotent()(upload=upload.model_dump())
