"""Support files: `support/<org>/<name>` in the upload bucket → records written → a report.

The same path as department files (S3 notification → uploads queue → ingest Lambda, which hands
`support/…` keys here). The institution comes from the key, never from the file. Each row is written
as a record posted to the API would be (`services.support.write_many`, in chunks of 500): a bad row
is reported with its code, the valid ones are kept. The report, in the batch report's shape, goes
to `reports/support/<org>/<name>.report.json`. One upload (key and version) is processed once.
The steps every named-field upload shares are `services.named_upload`'s; here is what support files
add: their rows, read as they go, written as records (`_SupportFile`).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from itertools import islice
from pathlib import Path
from typing import Any, Final

from chalicelib.domain.messages import Issue
from chalicelib.domain.model.schema import load_model
from chalicelib.domain.support.fields import SupportProblem
from chalicelib.domain.support.file_rows import ORG_COLUMNS, Row, SupportFile, read_support_file, row_error
from chalicelib.domain.upload_event import Upload
from chalicelib.services import support
from chalicelib.services.named_upload import Kind, Outcome, handler, ingest
from chalicelib.settings import get_settings

CHUNK: Final = support.MAX_BATCH
MAX_LISTED_ERRORS: Final = 10_000  # a report lists this many row errors; all are counted


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


class _SupportFile:
    """One support file: its rows written as records, in chunks, as the file is read."""

    def __init__(self, upload: Upload, org: str, batch_id: str) -> None:
        self.filename = upload.filename
        self.org = org

    def refused(self) -> Issue | None:
        return None

    def read(self, path: Path, max_inflated_bytes: int) -> AbstractContextManager[SupportFile]:
        return read_support_file(path, self.filename, self.org, max_inflated_bytes=max_inflated_bytes)

    def accept(self, found: SupportFile) -> Outcome:
        writer = writer_for(self.org)
        total = accepted = 0
        errors: list[dict[str, Any]] = []
        enterprises: set[str] = set()
        while chunk := list(islice(found.rows, CHUNK)):
            results = support.write_many([_item(row, writer) for row in chunk])
            total += len(chunk)
            errors += _errors_of(chunk, results)
            for result in results:
                if result.record is not None:
                    accepted += 1
                    enterprises.add(result.record.credit_code)
        # the rows that are not records at all, found while reading
        return Outcome(total + len(found.row_errors), accepted, found.row_errors + errors, len(enterprises))


KIND: Final = Kind[SupportFile](
    name="support file",
    module=__name__,
    idempotency_name="support_file",
    owner_key="org",
    owner=lambda upload: upload.support_org,
    department=lambda org: org,
    plan=_SupportFile,
    in_batches_table=False,
    max_listed_errors=MAX_LISTED_ERRORS,
    metric_prefix="Support",
)


def ingest_support_file(upload: Upload) -> dict[str, Any]:
    """Process one support file end to end; returns its report."""
    return ingest(KIND, upload)


handle: Final = handler(KIND)
"""One support file from the uploads queue, once per (key, version)."""
