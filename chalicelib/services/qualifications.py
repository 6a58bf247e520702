"""Qualification files: `qualifications/<department>/<name>` → certificates stored → flag facts → rescore.

The same path as department files (S3 notification → uploads queue → the ingest Lambda, whose wiring
hands `qualifications/…` keys here). The department comes from the key. Per file:

1. read and check every row (`domain.qualifications.file_rows`): a bad row is reported with its code,
   the valid ones are kept;
2. merge the rows into each enterprise's current certificates (identity: credit_code, qualification,
   certificate_no; the later upload wins) and keep every version in its history (一企一档);
3. one truth with the model (contract 17, 19.1): for each enterprise the file touched and each period in
   which it has another accepted value, write the flags of this department's qualifications (1 when one
   is held for P, 0 when it has records of that kind but none held) as facts of this department with the
   file's batch — through ingest's own fact path, so history, newest-wins and the rescore follow;
4. mark the periods for the report builder (candidates depend on held qualifications too);
5. the report, in the batch report's shape, at `reports/qualifications/<department>/<name>.report.json`
   and in the batches table (`GET /batches?key=`).

Steps 1 and 5 (and the batch's life) are those every named-field upload shares (`services.named_upload`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Any, Final

from chalicelib.domain.cultivation.programs import CultivationFile, load_programs
from chalicelib.domain.messages import Issue
from chalicelib.domain.model.schema import ScoringModel
from chalicelib.domain.qualifications.file_rows import (
    QualificationFile,
    QualificationRow,
    read_qualification_file,
)
from chalicelib.domain.qualifications.records import Qualification, flag_periods, flag_values
from chalicelib.domain.scoring.affected import Change, affected_pairs, requests_for
from chalicelib.domain.timestamps import stamp
from chalicelib.domain.upload_event import Upload
from chalicelib.domain.validation.rows import FactRow
from chalicelib.observability import logger
from chalicelib.services.ingest import FactsMerger
from chalicelib.services.model_registry import active_model
from chalicelib.services.named_upload import Kind, Outcome, handler, ingest
from chalicelib.settings import get_settings
from chalicelib.stores.facts import FactsRepository
from chalicelib.stores.qualifications import Held, QualificationsRepository
from chalicelib.stores.reports import ReportsRepository
from chalicelib.stores.rescore_queue import send_requests

CHUNK: Final = 100  # enterprises merged together: one BatchGetItem of their certificates, one of their facts
MAX_ATTEMPTS: Final = 5


def catalogue() -> CultivationFile:
    return load_programs(active_model())


def _record(row: QualificationRow, department: str, batch_id: str, upload: Upload) -> Qualification:
    return Qualification(
        row.credit_code,
        row.qualification,
        row.certificate_no,
        row.valid_from,
        row.valid_to,
        department,
        batch_id,
        upload.event_time,
        upload.order,
    )


def _chunks(codes: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(codes), size):
        yield codes[start : start + size]


class _Writer:
    def __init__(self, upload: Upload, department: str, batch_id: str, ladder: CultivationFile) -> None:
        self.upload = upload
        self.department = department
        self.batch_id = batch_id
        self.ladder = ladder
        self.repository = QualificationsRepository()
        self.facts = FactsRepository()
        self.model = active_model()
        self.store = FactsMerger(self.model, upload, department, batch_id)
        self.periods: set[int] = set()
        self.warnings: list[dict[str, Any]] = []
        # the flags this department's qualifications set (a sci file never writes miit's flag)
        self.flags = {
            flag: ids
            for flag, ids in ladder.flags().items()
            if any((q := ladder.qualification(i)) is not None and q.issuer == department for i in ids)
        }

    def write(self, rows: list[QualificationRow]) -> None:
        by_code: dict[str, list[Qualification]] = {}
        for row in rows:
            by_code.setdefault(row.credit_code, []).append(
                _record(row, self.department, self.batch_id, self.upload)
            )
        self.repository.write_history([r for records in by_code.values() for r in records])
        for chunk in _chunks(sorted(by_code), CHUNK):
            held = self._merge(chunk, by_code)
            self._flags(held)

    def _merge(self, codes: list[str], by_code: dict[str, list[Qualification]]) -> dict[str, Held]:
        held = self.repository.read_many(codes)
        for code in codes:
            for attempt in range(MAX_ATTEMPTS):
                current = held[code]
                changed = [current.merge(r) for r in by_code[code]]
                if not any(changed) or self.repository.commit(current):
                    break
                logger.info("certificates changed concurrently, merging again", extra={"attempt": attempt})
                held[code] = self.repository.read(code)
            else:
                raise RuntimeError(
                    f"{code}: certificates kept changing / 企业 {code} 的资质记录持续被并发修改"
                )
        return held

    def _flags(self, held: dict[str, Held]) -> None:
        if not self.flags:
            return
        currents = self.facts.read_many(held)
        rows: list[FactRow] = []
        for code, mine in held.items():
            current = currents[code]
            periods = flag_periods({p: list(v) for p, v in current.facts.items()}, self.ladder.flags())
            self.periods.update(periods)
            values = flag_values(self.ladder, mine.records.values(), periods)
            for period, flags in values.items():
                wanted: dict[str, Decimal] = {f: v for f, v in flags.items() if f in self.flags}
                if wanted:
                    rows.append(FactRow(0, code, period, wanted))
        if rows:
            self.store.merge(list(rows))

    def finish(self) -> None:
        settings = get_settings()
        affected = affected_pairs(self.model, self.store.changes)
        versions = self.store.versions  # the facts versions written: coalesced like an upload's (issue 24)
        send_requests(
            requests_for(affected, self.batch_id, settings.rescore_chunk_size, versions),
            settings.rescore_delay_s,
        )
        marks = ReportsRepository()
        at = stamp(datetime.now(UTC))
        for period in sorted(self.periods):
            marks.mark_dirty(period, at)


class _QualificationFile:
    """One qualification file: read whole and checked against the catalogue, then merged and flagged."""

    def __init__(self, upload: Upload, department: str, batch_id: str) -> None:
        self.upload = upload
        self.department = department
        self.batch_id = batch_id

    @cached_property
    def ladder(self) -> CultivationFile:
        return catalogue()

    def refused(self) -> Issue | None:
        return None

    def read(self, path: Path, max_inflated_bytes: int) -> AbstractContextManager[QualificationFile]:
        return read_qualification_file(
            path, self.upload.filename, self.department, self.ladder, max_inflated_bytes=max_inflated_bytes
        )

    def accept(self, found: QualificationFile) -> Outcome:
        writer = _Writer(self.upload, self.department, self.batch_id, self.ladder)
        writer.write(found.rows)
        writer.finish()
        enterprises = len({r.credit_code for r in found.rows})
        return Outcome(found.total, len(found.rows), found.row_errors, enterprises)


KIND: Final = Kind[QualificationFile](
    name="qualification file",
    module=__name__,
    idempotency_name="qualification_file",
    owner_key="department",
    owner=lambda upload: upload.qualifications_department,
    department=lambda department: department,
    plan=_QualificationFile,
    records_failure=True,
)


def ingest_qualification_file(upload: Upload) -> dict[str, Any]:
    """Process one qualification file end to end; returns its report."""
    return ingest(KIND, upload)


handle: Final = handler(KIND)
"""One qualification file from the uploads queue, once per (key, version)."""


def _upload_of(order: str, received_at: str) -> Upload:
    """An upload whose `order` is `order`: a flag written later keeps its certificate's place in time."""
    event_time, _, sequencer = order.partition("#")
    return Upload(
        bucket="",
        key="",
        size=0,
        version_id=None,
        event_time=event_time or received_at,
        sequencer=sequencer.lstrip("0") or None,
    )


def follow_new_periods(model: ScoringModel, changes: Sequence[Change]) -> list[Change]:
    """After another department's upload (ingest's follower, wired in app.py): the flags of the periods it
    gave enterprises with certificates, where no flag value is stored yet — written as the certificate's
    own department, batch and upload order (so a later value of anyone's still wins), and returned so
    ingest rescores them with its own changes. One BatchGetItem of certificates per 100 enterprises."""
    ladder = load_programs(model)
    kinds = ladder.flags()
    by_code: dict[str, set[int]] = {}
    for change in changes:
        if change.period is not None and change.indicator not in kinds:
            by_code.setdefault(change.credit_code, set()).add(change.period)
    out: list[Change] = []
    repository = QualificationsRepository()
    for chunk in _chunks(sorted(by_code), CHUNK):
        held = {code: h for code, h in repository.read_many(chunk).items() if h.records}
        if not held:
            continue
        currents = FactsRepository().read_many(held)
        writes: dict[tuple[str, str, str, str], list[FactRow]] = {}
        for code, mine in held.items():
            facts = currents[code].facts
            periods = [
                p for p in flag_periods({p: list(v) for p, v in facts.items()}, kinds) if p in by_code[code]
            ]
            for period, flags in flag_values(ladder, mine.records.values(), periods).items():
                for flag, value in flags.items():
                    if flag in facts.get(period, {}):
                        continue  # written before: certificate files and departments decide it
                    latest = max(
                        (r for r in mine.records.values() if r.qualification in kinds[flag]),
                        key=lambda r: r.order,
                    )
                    key = (latest.department, latest.batch_id, latest.received_at, latest.order)
                    writes.setdefault(key, []).append(FactRow(0, code, period, {flag: value}))
        for (department, batch_id, received_at, order), rows in writes.items():
            store = FactsMerger(model, _upload_of(order, received_at), department, batch_id)
            store.merge(list(rows))
            out += store.changes
    return out


def history(credit_code: str) -> list[Qualification]:
    """Every uploaded version of an enterprise's certificates (一企一档), oldest first."""
    return QualificationsRepository().history(credit_code)
