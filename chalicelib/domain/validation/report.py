"""The batch report of contract 2.4: the answer a department gets for every upload."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Status = Literal["processing", "completed", "rejected", "failed"]


class RowCounts(BaseModel):
    total: int = 0
    accepted: int = 0
    rejected: int = 0
    warnings: int = 0


class BatchReport(BaseModel):
    model_config = ConfigDict(extra="allow")  # e.g. `row_errors_truncated` in the table copy

    batch_id: str
    key: str
    version_id: str
    department: str | None
    status: Status
    received_at: str
    finished_at: str | None = None
    rows: RowCounts = Field(default_factory=RowCounts)
    file_errors: list[dict[str, Any]] = Field(default_factory=list)
    row_errors: list[dict[str, Any]] = Field(default_factory=list)
    warnings: list[dict[str, Any]] = Field(default_factory=list)
    enterprises_affected: int = 0


def receipt(report: Mapping[str, Any]) -> dict[str, Any]:
    """What an idempotency record keeps of a processed upload: which batch, how it ended, its counts.

    Never the report itself: a file of ~1,000 rows each with a warning makes a report over DynamoDB's
    400 KB item limit, and an idempotency record that cannot be saved leaves the upload "in progress"
    to every retry. The report is kept whole in S3 and (its first errors) in the batches table.
    """
    return {
        "batch_id": report.get("batch_id"),
        "status": report.get("status"),
        "rows": report.get("rows"),
        "file_errors": len(report.get("file_errors") or ()),
    }
