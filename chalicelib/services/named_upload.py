"""One use case for the uploads of files of named fields: support files (contract 8), qualification files
(17) and a zone's unit list (15).

`<prefix>/<owner>/<name>` in the upload bucket arrives as every upload does (S3 notification → uploads
queue → the ingest Lambda, which hands the key to its kind); the owner comes from the key, never from
the file. The steps are the same for every kind: the batch (one per key and version, however often it
is delivered) marked `processing`, the file refused whole (too large, or the kind's own reason) or
downloaded and read (`domain.validation.named_files`), its file errors rejecting it, its rows handed to
the kind, and the report in the batch report's shape (row errors in row order) at the upload's report
key — and in the batches table (`GET /batches?key=`) for the kinds that keep it there. One upload
(key and version) is processed once.

A kind gives only what differs (`Kind`): where its owner stands in the key, how it reads its rows
(its columns and row checks, in `domain/`) and what it does with the accepted ones (`Plan.accept`).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final, Generic, Protocol, TypeVar

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)

from chalicelib.domain.messages import Issue, file_too_large
from chalicelib.domain.timestamps import now, stamp_ms
from chalicelib.domain.upload_event import Upload, batch_id_for
from chalicelib.domain.validation.report import BatchReport, RowCounts, receipt
from chalicelib.observability import logger, metrics
from chalicelib.settings import get_settings
from chalicelib.stores import objects
from chalicelib.stores.batches import BatchesRepository

IDEMPOTENCY_SECONDS: Final = 7 * 24 * 3600


class Found(Protocol):
    """What a kind's reader found: at least why the file is rejected as a whole (empty when it is not)."""

    @property
    def file_errors(self) -> list[Issue]: ...


F = TypeVar("F", bound=Found)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a kind made of a file's rows: all counted, the accepted ones written."""

    total: int
    accepted: int
    row_errors: list[dict[str, Any]]  # in any order: the report lists them by row
    enterprises_affected: int


class Plan(Protocol[F]):
    """One upload of one kind."""

    def refused(self) -> Issue | None:
        """Why the upload is refused before it is read (its owner is unknown…), or None."""
        ...

    def read(self, path: Path, max_inflated_bytes: int) -> AbstractContextManager[F]:
        """The kind's reader of the downloaded file (its columns and row checks live in `domain/`)."""
        ...

    def accept(self, found: F) -> Outcome:
        """Write what the rows say (the file has no file errors); count and report its rows."""
        ...


@dataclass(frozen=True)
class Kind(Generic[F]):
    """What one kind of upload gives the use case."""

    name: str  # in the log: "<name> finished"
    module: str  # the kind's module: its idempotency records keep the key they had (see `handler`)
    idempotency_name: str
    owner_key: str  # the log key that names the owner
    owner: Callable[[Upload], str | None]
    department: Callable[[str], str]  # the report's `department`, from the owner
    plan: Callable[[Upload, str, str], Plan[F]]  # (upload, owner, batch id)
    in_batches_table: bool = True  # else the report in S3 is the only one (marked processing there)
    # a failure (then retried) leaves `failed` in the batches table; else the batch stays `processing`
    # until a retry ends it (unit lists, as before the kinds shared this use case)
    records_failure: bool = False
    max_listed_errors: int | None = None  # a report lists this many row errors; all are counted
    metric_prefix: str | None = None  # `<prefix>RowsAccepted` and `<prefix>RowsRejected`, when given


def _now() -> str:
    return stamp_ms(now())


def ingest(kind: Kind[F], upload: Upload) -> dict[str, Any]:
    """Process one upload of `kind` end to end; returns its report."""
    settings = get_settings()
    owner = kind.owner(upload)
    assert owner is not None, upload.key
    version_id = upload.version_id or objects.resolve_version(upload.bucket, upload.key)
    report = BatchReport(
        batch_id=batch_id_for(upload.bucket, upload.key, version_id),
        key=upload.key,
        version_id=version_id,
        department=kind.department(owner),
        status="processing",
        received_at=upload.event_time,
    )
    logger.append_keys(batch_id=report.batch_id, key=upload.key, **{kind.owner_key: owner})
    batches = BatchesRepository() if kind.in_batches_table else None
    # the uploader watches this report (GET /batches, GET /support/files): say at once it is being read
    if batches is not None:
        batches.save(report)
    else:
        objects.put_report(upload.bucket, upload.report_key, report.model_dump(mode="json"))
    try:
        plan = kind.plan(upload, owner, report.batch_id)
        if (refused := plan.refused()) is not None:
            report = _rejected(report, [refused.to_dict()])
        elif upload.size > settings.max_upload_bytes:
            report = _rejected(report, [file_too_large(upload.size, settings.max_upload_bytes).to_dict()])
        else:
            report = _process(kind, plan, upload, version_id, report, settings.max_inflated_bytes)
    except Exception:
        if batches is None or not kind.records_failure:
            raise
        logger.exception(f"{kind.name} failed; the event will be retried")
        batches.save(report.model_copy(update={"status": "failed", "finished_at": _now()}))
        raise
    if batches is not None:
        batches.save(report)
    objects.put_report(upload.bucket, upload.report_key, report.model_dump(mode="json"))
    if kind.metric_prefix is not None:
        rows = report.rows
        metrics.add_metric(
            name=f"{kind.metric_prefix}RowsAccepted", unit=MetricUnit.Count, value=rows.accepted
        )
        metrics.add_metric(
            name=f"{kind.metric_prefix}RowsRejected", unit=MetricUnit.Count, value=rows.rejected
        )
    logger.info(f"{kind.name} finished", extra={"status": report.status, "rows": report.rows.model_dump()})
    return report.model_dump(mode="json")


def _process(
    kind: Kind[F],
    plan: Plan[F],
    upload: Upload,
    version_id: str,
    report: BatchReport,
    max_inflated: int,
) -> BatchReport:
    with tempfile.TemporaryDirectory(prefix="upload-") as tmp:
        path = Path(tmp) / "upload"
        objects.download(upload.bucket, upload.key, version_id, path)
        with plan.read(path, max_inflated) as found:
            if found.file_errors:
                return _rejected(report, [e.to_dict() for e in found.file_errors])
            outcome = plan.accept(found)
            if found.file_errors:  # a fault deep in a file read as it goes (e.g. broken quotes)
                return _rejected(report, [e.to_dict() for e in found.file_errors])
    errors = sorted(outcome.row_errors, key=lambda e: e["row"] or 0)
    if kind.max_listed_errors is not None:
        errors = errors[: kind.max_listed_errors]
    return report.model_copy(
        update={
            "status": "completed",
            "finished_at": _now(),
            "rows": RowCounts(
                total=outcome.total, accepted=outcome.accepted, rejected=outcome.total - outcome.accepted
            ),
            "row_errors": errors,
            "enterprises_affected": outcome.enterprises_affected,
        }
    )


def _rejected(report: BatchReport, file_errors: list[dict[str, Any]]) -> BatchReport:
    return report.model_copy(update={"status": "rejected", "finished_at": _now(), "file_errors": file_errors})


def handler(kind: Kind[F]) -> Callable[[Upload], None]:
    """The kind's handler of the uploads queue: one upload of it, once per (key, version)."""

    @cache
    def once() -> Any:
        """Built lazily: the persistence layer creates its client at construction (STACK-NOTES)."""
        store = DynamoDBPersistenceLayer(table_name=get_settings().idempotency_table)
        config = IdempotencyConfig(
            event_key_jmespath="[bucket, key, version_id]", expires_after_seconds=IDEMPOTENCY_SECONDS
        )

        def process(upload: dict[str, Any]) -> dict[str, Any]:
            return receipt(ingest(kind, Upload.model_validate(upload)))  # small enough for an item

        # the function's module and name key its idempotency records: kept as they were when each kind
        # built its own (`<module>._idempotent.<locals>.<name>`), so a delivery across a deploy still counts
        process.__module__ = kind.module
        process.__qualname__ = f"_idempotent.<locals>.{kind.idempotency_name}"
        decorate = idempotent_function(data_keyword_argument="upload", persistence_store=store, config=config)
        return decorate(process)

    def handle(upload: Upload) -> None:
        if upload.version_id is None:  # key the idempotency record on the real version
            version = objects.resolve_version(upload.bucket, upload.key)
            upload = upload.model_copy(update={"version_id": version})
        once()(upload=upload.model_dump())

    return handle
