"""The batches table: one item per upload (key + version), holding its report."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final

from chalicelib.domain.validation.report import BatchReport
from chalicelib.stores.tables import BatchItem

# A DynamoDB item holds at most 400 KB: the table keeps the first errors, S3 keeps them all. A count
# alone is no bound: a row's errors in Chinese, stored as JSON with \u escapes, take 1-2 KB, so 500 of
# them overflowed the item and the whole file failed to report. The entries kept are bounded by size too.
MAX_ERRORS_IN_TABLE: Final = 500
MAX_ENTRY_BYTES_IN_TABLE: Final = 300_000  # of row errors and warnings together; the rest is small


def _table_copy(report: BatchReport) -> dict[str, Any]:
    data = report.model_dump(mode="json")
    budget = MAX_ENTRY_BYTES_IN_TABLE
    for field in ("row_errors", "warnings"):
        kept: list[Any] = []
        for entry in data[field][:MAX_ERRORS_IN_TABLE]:
            size = len(json.dumps(entry))  # as the JSON attribute stores it (ASCII, \u escapes)
            if size > budget:
                break
            budget -= size
            kept.append(entry)
        if len(kept) < len(data[field]):
            data[field] = kept
            data[f"{field}_truncated"] = True
    return data


@dataclass(frozen=True, slots=True)
class StoredBatch:
    batch_id: str
    department: str
    received_at: str
    report: BatchReport


def _stored(item: BatchItem) -> StoredBatch:
    return StoredBatch(
        item.batch_id, item.department, item.received_at, BatchReport.model_validate(item.report)
    )


class BatchesRepository:
    def save(self, report: BatchReport) -> None:
        self._item(report).save()

    def get(self, batch_id: str) -> BatchReport | None:
        try:
            return BatchReport.model_validate(BatchItem.get(batch_id).report)
        except BatchItem.DoesNotExist:
            return None

    def for_key(self, key: str, *, newest_first: bool = True) -> Iterator[BatchItem]:
        return BatchItem.by_key.query(key, scan_index_forward=not newest_first)

    def find(self, batch_id: str) -> StoredBatch | None:
        try:
            return _stored(BatchItem.get(batch_id))
        except BatchItem.DoesNotExist:
            return None

    def page_for_key(
        self, key: str, after: tuple[str, str] | None, limit: int
    ) -> tuple[list[StoredBatch], bool]:
        """The batches of `key`, newest first: up to `limit` after `after` (batch_id, received_at)."""
        start = None
        if after is not None:
            start = {"batch_id": {"S": after[0]}, "key": {"S": key}, "received_at": {"S": after[1]}}
        found = list(
            BatchItem.by_key.query(
                key, scan_index_forward=False, limit=limit + 1, page_size=limit + 1, last_evaluated_key=start
            )
        )
        return [_stored(i) for i in found[:limit]], len(found) > limit

    @staticmethod
    def _item(report: BatchReport) -> BatchItem:
        return BatchItem(
            report.batch_id,
            key=report.key,
            version_id=report.version_id,
            department=report.department or "",
            status=report.status,
            received_at=report.received_at,
            finished_at=report.finished_at,
            report=_table_copy(report),
        )
