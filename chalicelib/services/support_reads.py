"""Reads of support records for the API's lists: the recent list, the overdue applications, a support
file's report. Queries through the stores (never a Scan); the API (`api/support.py`) parses, authorises
and shapes around them. One record, its versions and an enterprise's records are `services/support.py`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from chalicelib.stores import objects
from chalicelib.stores import support as store
from chalicelib.stores.support import Filters, Stored

__all__ = ["Filters", "Stored", "file_report", "pending", "recent"]


def recent(filters: Filters, after: str | None, limit: int) -> list[tuple[str, Stored]]:
    """Current records narrowed by `filters`, newest first: up to `limit` + 1 (the extra one says more
    follow), each with the key a next page resumes after."""
    return store.recent(filters, after, limit)


def pending(
    waiting_before: date, org: str | None, region: str | None, after: str | None, limit: int
) -> list[tuple[str, Stored]]:
    """Applications of whitelisted enterprises made before `waiting_before` and still `applied`,
    longest waiting first (up to `limit` + 1, as `recent`)."""
    return store.pending(waiting_before, org, region, after, limit)


def file_report(bucket: str, report_key: str) -> dict[str, Any] | None:
    """The stored report of a support file, or None while it is not written."""
    return objects.get_report(bucket, report_key)
