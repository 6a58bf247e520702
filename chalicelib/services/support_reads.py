"""Reads of support records for the API's lists: the recent list, the overdue applications, a support
file's report. Queries through the stores (never a Scan); the API (`api/support.py`) parses, authorises
and shapes around them. One record, its versions and an enterprise's records are `services/support.py`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from chalicelib.services import zones
from chalicelib.stores import objects
from chalicelib.stores import support as store
from chalicelib.stores.support import Filters, Found, Stored

__all__ = ["Filters", "Found", "Stored", "file_report", "pending", "recent"]


def recent(filters: Filters, after: str | None, limit: int, in_zones: frozenset[str] | None = None) -> Found:
    """Current records narrowed by `filters`, newest first, read within a budget: a page (maybe short)
    and the key the next page resumes after (None at the end).

    `in_zones` (the zone ids `zones.selected` kept; None: no zone filter) keeps the records of
    enterprises whose zone today is among them (contract 14: zones are current data, so the record does
    not carry one): only the partitions of those zones' cities are read, and each request's rows are
    checked by one BatchGetItem of their enterprises (per 100 not yet seen), within the same budget."""
    if in_zones is None:
        return store.recent(filters, after, limit)
    if not in_zones:
        return Found([], None)  # the filters select no zone: nothing to read
    narrowed = replace(filters, cities=zones.cities_of_selected(in_zones))
    return store.recent(narrowed, after, limit, keep=zones.members_among(in_zones))


def pending(
    waiting_before: date, org: str | None, region: str | None, after: str | None, limit: int
) -> Found:
    """Applications of whitelisted enterprises made before `waiting_before` and still `applied`,
    longest waiting first (a page within a budget, as `recent`)."""
    return store.pending(waiting_before, org, region, after, limit)


def file_report(bucket: str, report_key: str) -> dict[str, Any] | None:
    """The stored report of a support file, or None while it is not written."""
    return objects.get_report(bucket, report_key)
