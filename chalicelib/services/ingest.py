"""Ingest: one department upload in, facts stored, a batch report out, affected pairs queued.

Flow per upload: size cap (from the event, before any download) → download to a temporary file →
validate (domain.validation, pure) → for each chunk of accepted rows, write their history (one item
per row: the upload's values of that enterprise and period; 25 a BatchWriteItem), compare with the
stored current values and write the changes → report to S3 and the batches table → affected
(enterprise, period) pairs to the rescore queue.

Latest upload wins per (enterprise, period, indicator) by the upload's `order` (event time, then S3's
sequencer): an older version processed late adds history but never overwrites a newer value.
A duplicate delivery of one key and version is a no-op (Powertools Idempotency on DynamoDB; its record
keeps only the batch's receipt, `report.receipt`, never the report, which may exceed an item's 400 KB).
A fault of ours marks the batch `failed` and re-raises, so SQS retries the event.
"""

from __future__ import annotations

import functools
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)

from chalicelib.domain.messages import Code, enterprise_not_registered, file_too_large, issue
from chalicelib.domain.model.schema import ScoringModel
from chalicelib.domain.records import FactValue, Master
from chalicelib.domain.scoring.affected import Change, affected_pairs, requests_for
from chalicelib.domain.timestamps import now, stamp_ms
from chalicelib.domain.upload_event import Upload, batch_id_for, uploads_from_body
from chalicelib.domain.validation.report import BatchReport, RowCounts, receipt
from chalicelib.domain.validation.rows import ZONE_COLUMN, ZONE_COLUMN_ZH, FactRow, MasterRow
from chalicelib.domain.validation.upload import validate_upload
from chalicelib.domain.zones.membership import Membership, china_date
from chalicelib.observability import logger, metrics
from chalicelib.services.model_registry import active_model
from chalicelib.services.zones import registry_zone
from chalicelib.settings import get_settings
from chalicelib.stores import objects
from chalicelib.stores.batches import BatchesRepository
from chalicelib.stores.facts import (
    Current,
    FactKey,
    FactsRepository,
    HistoryItem,
    Stored,
    master_history_item,
    master_value,
    upload_history_item,
    write_items,
)
from chalicelib.stores.rescore_queue import send_requests
from chalicelib.stores.zones import Placement, count_registered, membership_item, placement

CHUNK_ROWS = 100  # rows merged and written together: one BatchGetItem and one transaction a chunk
MAX_ATTEMPTS = 5  # rounds of re-reading enterprises another upload changed meanwhile
IDEMPOTENCY_SECONDS = 7 * 24 * 3600
T = TypeVar("T")


def _now() -> str:
    return stamp_ms(now())


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


class IngestConflictError(RuntimeError):
    """Enterprises' current facts kept changing under this upload; the event is retried later."""

    code = "INGEST_CONFLICT"

    def __init__(self, codes: set[str], attempts: int) -> None:
        shown = ", ".join(sorted(codes)[:5])
        super().__init__(
            f"current facts of {len(codes)} enterprise(s) ({shown}) changed concurrently {attempts} "
            f"times in a row / {len(codes)} 家企业（{shown}）的当前数据连续 {attempts} 次被并发修改，稍后重试"
        )


@dataclass
class _Merged:
    """One enterprise's rows merged into its current item: whether to write it, and what it changes."""

    current: Current
    before: Placement = (None, None)  # where it counted as registered before this upload (coverage)
    write: bool = False
    changes: list[tuple[int, Change]] = field(default_factory=list)  # (row number, change)
    warnings: list[tuple[int, dict[str, Any]]] = field(default_factory=list)


class FactsMerger:
    """Merges a chunk of accepted rows into the enterprises' current items and writes what is new.

    Per chunk: history items (one per row, BatchWriteItem, 25 a call), the current items of the
    chunk's enterprises (BatchGetItem, 100 a call), the merge, and the changed items in
    version-conditional transactions (100 a call). An enterprise another upload changed in between
    is re-read and merged again.
    """

    def __init__(
        self,
        model: ScoringModel,
        upload: Upload,
        department: str,
        batch_id: str,
        facts: FactsRepository | None = None,
    ) -> None:
        self.model = model
        self.order = upload.order
        self.department = department
        self.batch_id = batch_id
        self.received_at = upload.event_time
        self.key = upload.key
        self.today = china_date(upload.event_time)
        self.memberships: dict[str, Membership] = {}  # recorded from the registry's zone column
        self.cross_check = department == model.cross_check.department
        self.facts = facts or FactsRepository()
        self.changes: list[Change] = []
        self.warnings: list[dict[str, Any]] = []
        self.enterprises: set[str] = set()
        self.versions: dict[str, int] = {}  # the facts version this upload wrote last, per enterprise

    def _newer(self, stored: Stored | None, same: bool) -> tuple[bool, bool]:
        """(write the current value?, is it a change?) for a new value against the stored one."""
        if stored is None:
            return True, True
        if stored.order > self.order:
            return False, False  # an older upload arriving late: history only
        if stored.order == self.order:
            return False, True  # our own earlier attempt wrote it: still announce the change
        return (not same), (not same)

    def merge(self, rows: list[FactRow | MasterRow]) -> None:
        by_code: dict[str, list[FactRow | MasterRow]] = {}
        for row in rows:
            code = row.master.credit_code if isinstance(row, MasterRow) else row.credit_code
            by_code.setdefault(code, []).append(row)
        self.enterprises.update(by_code)
        write_items(self._history(rows))  # first: a retry after a crash finds the history complete
        merged = {
            code: self._merge(current, by_code[code])
            for code, current in self.facts.read_many(by_code).items()
        }
        pending = [code for code, m in merged.items() if m.write]
        for attempt in range(1, MAX_ATTEMPTS + 1):
            conflicted = self.facts.commit([merged[code].current for code in pending])
            if not conflicted:
                break
            logger.info("current facts changed concurrently, merging again", extra={"attempt": attempt})
            for code, current in self.facts.read_many(conflicted).items():
                merged[code] = self._merge(current, by_code[code])
            pending = [code for code in conflicted if merged[code].write]
        else:
            raise IngestConflictError(conflicted, MAX_ATTEMPTS)
        moved = [(m.before, placement(m.current, self.today)) for m in merged.values() if m.write]
        count_registered(m for m in moved if m[0] != m[1])  # registered per city and zone (coverage)
        if self.memberships:  # each membership's own record (GET /enterprises/{code}/zones)
            write_items([membership_item(m) for m in self.memberships.values()])
            self.memberships.clear()
        for code, m in merged.items():
            if m.write or m.changes:
                self.versions[code] = (m.current.version or 0) + m.write  # commit wrote read + 1
        changes = sorted((c for m in merged.values() for c in m.changes), key=lambda c: c[0])
        warnings = sorted((w for m in merged.values() for w in m.warnings), key=lambda w: w[0])
        self.changes.extend(change for _, change in changes)
        self.warnings.extend(warning for _, warning in warnings)

    def _history(self, rows: list[FactRow | MasterRow]) -> list[HistoryItem]:
        """One item per master record, and ONE per (enterprise, period) holding all of this upload's
        values of it (issue 24: a row of v values costs one item, not v). A file has one row per
        (enterprise, period) (duplicates are rejected); rows written together here (a follower's, one
        value each) share the item, the first value of an indicator kept, as the current item keeps it."""
        items: list[HistoryItem] = []
        values: dict[tuple[str, int], dict[str, Decimal]] = {}
        for row in rows:
            if isinstance(row, MasterRow):
                items.append(master_history_item(self._master(row), self.department, self.order))
                continue
            if row.values:
                found = values.setdefault((row.credit_code, row.period), {})
                for ind, value in row.values.items():
                    found.setdefault(ind, value)
        for (code, period), by_indicator in values.items():
            items.append(
                upload_history_item(
                    code,
                    period,
                    by_indicator,
                    cross_check=self.cross_check,
                    department=self.department,
                    batch_id=self.batch_id,
                    received_at=self.received_at,
                    order=self.order,
                )
            )
        return items

    def _master(self, row: MasterRow) -> Master:
        m = row.master
        return Master(
            m.credit_code,
            m.name,
            m.established_on,
            m.region_code,
            m.industry_code,
            self.batch_id,
            self.received_at,
        )

    def _value(self, value: Decimal) -> FactValue:
        return FactValue(value, self.department, self.batch_id, self.received_at)

    def _merge(self, current: Current, rows: list[FactRow | MasterRow]) -> _Merged:
        """The rows of one enterprise merged into its current item (the newer order wins per value)."""
        merged = _Merged(current, placement(current, self.today))
        registered = current.master is not None
        for row in rows:
            if isinstance(row, MasterRow):
                self._merge_master(merged, row)
            else:
                if not registered:
                    merged.warnings.append(
                        (row.row, enterprise_not_registered(row.row, row.credit_code).to_dict())
                    )
                self._merge_facts(merged, row)
        return merged

    def _merge_master(self, merged: _Merged, row: MasterRow) -> None:
        master = self._master(row)
        stored = merged.current.get(FactKey(master.credit_code))
        write, changed = self._newer(stored, stored is not None and stored.value == master_value(master))
        if write:
            merged.current.set_master(master, self.department, self.order)
            merged.write = True
        if row.zone is not None and self._merge_zone(merged, row, row.zone):
            merged.write = changed = True  # a new zone: every card of the enterprise carries it
        if changed:
            merged.changes.append((row.row, Change(master.credit_code, None)))

    def _merge_zone(self, merged: _Merged, row: MasterRow, cell: str) -> bool:
        """The registry's zone cell (contract 14): a membership from the upload's China date when the
        enterprise's zone today differs; UNKNOWN_ZONE (the rest of the row kept) for an unknown zone."""
        found = registry_zone(merged.current, cell, self.key, self.batch_id, self.received_at)
        if not found.known:
            warning = issue(
                Code.UNKNOWN_ZONE, row=row.row, column=ZONE_COLUMN, column_zh=ZONE_COLUMN_ZH, value=cell
            )
            merged.warnings.append((row.row, warning.to_dict()))
            return False
        if found.added is None:
            return False
        self.memberships[found.added.credit_code] = found.added
        return True

    def _merge_facts(self, merged: _Merged, row: FactRow) -> None:
        code = row.credit_code
        for ind, value in row.values.items():
            key = FactKey(code, row.period, ind, self.cross_check)
            stored = merged.current.get(key)
            same = stored is not None and stored.value is not None and Decimal(stored.value) == value
            write, changed = self._newer(stored, same)
            if write:
                merged.current.set_fact(key, self._value(value), self.order)
                merged.write = True
            if changed:
                merged.changes.append((row.row, Change(code, row.period, ind)))


def ingest_upload(upload: Upload) -> dict[str, Any]:
    """Process one upload end to end; returns its report (contract 2.4)."""
    settings = get_settings()
    model = active_model()
    version_id = upload.version_id or objects.resolve_version(upload.bucket, upload.key)
    batch_id = batch_id_for(upload.bucket, upload.key, version_id)
    department = upload.department
    logger.append_keys(batch_id=batch_id, key=upload.key, department=department)
    batches = BatchesRepository()
    report = BatchReport(
        batch_id=batch_id,
        key=upload.key,
        version_id=version_id,
        department=department,
        status="processing",
        received_at=upload.event_time,
    )
    batches.save(report)
    try:
        report = _process(
            model, upload, version_id, report, settings.max_upload_bytes, settings.max_inflated_bytes
        )
    except Exception:
        logger.exception("ingest failed; the event will be retried")
        metrics.add_metric(name="BatchesFailed", unit=MetricUnit.Count, value=1)
        batches.save(report.model_copy(update={"status": "failed", "finished_at": _now()}))
        raise
    batches.save(report)
    if _is_newest(batches, report):
        objects.put_report(upload.bucket, upload.report_key, report.model_dump(mode="json"))
    metrics.add_metric(name="RowsAccepted", unit=MetricUnit.Count, value=report.rows.accepted)
    metrics.add_metric(name="RowsRejected", unit=MetricUnit.Count, value=report.rows.rejected)
    logger.info("batch finished", extra={"status": report.status, "rows": report.rows.model_dump()})
    return report.model_dump(mode="json")


def _is_newest(batches: BatchesRepository, report: BatchReport) -> bool:
    """A late event for an older version must not overwrite the newer version's report in S3."""
    return all(
        item.received_at <= report.received_at or item.status == "failed"
        for item in batches.for_key(report.key)
        if item.batch_id != report.batch_id
    )


def _process(
    model: ScoringModel,
    upload: Upload,
    version_id: str,
    report: BatchReport,
    max_bytes: int,
    max_inflated: int,
) -> BatchReport:
    if upload.size > max_bytes:
        return _rejected(report, [file_too_large(upload.size, max_bytes).to_dict()])
    with tempfile.TemporaryDirectory(prefix="ingest-") as tmp:
        path = Path(tmp) / "upload"
        objects.download(upload.bucket, upload.key, version_id, path)
        with validate_upload(
            model, upload.department, path, upload.filename, max_inflated_bytes=max_inflated
        ) as validation:
            if validation.file_errors:
                return _rejected(report, [e.to_dict() for e in validation.file_errors])
            assert upload.department is not None  # validation rejects unknown departments
            merger = FactsMerger(model, upload, upload.department, report.batch_id)
            accepted = 0
            for chunk in _chunks(validation.records(), CHUNK_ROWS):
                merger.merge(chunk)
                accepted += len(chunk)
            row_errors = [e.to_dict() for e in validation.row_errors]
    settings = get_settings()
    changes = list(merger.changes)
    followed: list[Change] = []
    for follow in _FOLLOWERS.get():  # e.g. the qualification flags of a period first seen (contract 19.1)
        followed += follow(model, merger.changes)
    affected = affected_pairs(model, changes + followed)
    # a follower wrote those enterprises' facts again after this upload: their pairs go unversioned
    # (scored as named), or the version this upload wrote would look stale and be left to nobody
    versions = {
        code: v for code, v in merger.versions.items() if code not in {c.credit_code for c in followed}
    }
    requests = requests_for(affected, report.batch_id, settings.rescore_chunk_size, versions)
    send_requests(requests, settings.rescore_delay_s)  # delayed: a burst's files coalesce
    return report.model_copy(
        update={
            "status": "completed",
            "finished_at": _now(),
            "rows": RowCounts(
                total=validation.total,
                accepted=accepted,
                rejected=validation.rejected,
                warnings=len(merger.warnings),
            ),
            "row_errors": row_errors,
            "warnings": merger.warnings,
            "enterprises_affected": len(merger.enterprises),
        }
    )


def _rejected(report: BatchReport, file_errors: list[dict[str, Any]]) -> BatchReport:
    return report.model_copy(update={"status": "rejected", "finished_at": _now(), "file_errors": file_errors})


@cache
def _idempotency_config() -> IdempotencyConfig:
    return IdempotencyConfig(
        event_key_jmespath="[bucket, key, version_id]", expires_after_seconds=IDEMPOTENCY_SECONDS
    )


@cache
def _idempotent_ingest() -> Any:
    """Built lazily: the persistence layer creates its client at construction (STACK-NOTES)."""
    store = DynamoDBPersistenceLayer(table_name=get_settings().idempotency_table)

    @idempotent_function(
        data_keyword_argument="upload", persistence_store=store, config=_idempotency_config()
    )  # type: ignore[untyped-decorator]
    def run(upload: dict[str, Any]) -> dict[str, Any]:
        return receipt(ingest_upload(Upload.model_validate(upload)))  # small: the record must fit an item

    return run


UploadRoute = Callable[[Upload], None]
"""Another use case's files in the same bucket (`qualifications/…`), wired in by app.py by key prefix."""
ChangeFollower = Callable[[ScoringModel, Sequence[Change]], list[Change]]
"""Writes what follows from an upload's stored changes (facts of its own, through this same path) and
returns those changes, rescored with the upload's; wired in by app.py."""
_FOLLOWERS: ContextVar[tuple[ChangeFollower, ...]] = ContextVar("ingest_followers", default=())


def _record_handler(record: SQSRecord, routes: Mapping[str, UploadRoute] | None = None) -> None:
    for upload in uploads_from_body(record.body):
        route = next((r for prefix, r in (routes or {}).items() if upload.key.startswith(prefix)), None)
        if route is not None:
            route(upload)
            continue
        if upload.support_org is not None:  # support/<org>/…: a bank's or department's support file
            from chalicelib.services import support_files

            support_files.handle(upload)
            continue
        if upload.zone_id is not None:  # zones/<zone_id>/…: a zone's unit list (contract 15)
            from chalicelib.services import zone_members

            zone_members.handle(upload)
            continue
        if upload.version_id is None:  # key the idempotency record on the real version
            version = objects.resolve_version(upload.bucket, upload.key)
            upload = upload.model_copy(update={"version_id": version})
        _idempotent_ingest()(upload=upload.model_dump())


def handle_sqs_event(
    event: dict[str, Any],
    context: Any = None,
    routes: Mapping[str, UploadRoute] | None = None,
    followers: Sequence[ChangeFollower] = (),
) -> dict[str, Any]:
    """The uploads queue's Lambda: each SQS record holds one S3 notification.

    The Lambda context gives the idempotency record its in-progress expiry (the time this invocation
    has left): an invocation that dies mid-file (a timeout) leaves a record that a retry may take over
    once that time has passed, instead of one that refuses every retry until the whole expiry.
    """
    if context is not None:
        _idempotency_config().register_lambda_context(context)
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    handler = functools.partial(_record_handler, routes=routes)
    token = _FOLLOWERS.set(tuple(followers))
    try:
        return dict(process_partial_response(event=event, record_handler=handler, processor=processor))
    finally:
        _FOLLOWERS.reset(token)
