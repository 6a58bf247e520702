"""Which periods have score cards: one small item per period, so "the latest scored period" (a list
asked without `period`) is one Query of a Limit of 1, not a probe of every city shard of every year.

Key design (the reports table; this module alone writes these keys):

    pk "SCORED"    sk "<period>"    written when a card of the period is first written (the rescore's
                                    listener, `services/scored_periods.py`); never removed

Periods are four-digit years, so the sort key's text order is their order. A period whose cards were
all retired later keeps its item: lists without `period` then default to it (and show no items) until
a card of a later period exists. Data written before this item existed has none: readers fall back to
probing the indexes (`score_index.any_scored`) while `latest()` answers None.
"""

from __future__ import annotations

from typing import Final

from chalicelib.stores.tables import ReportItem

SCORED: Final = "SCORED"


def record(period: int) -> None:
    """Note that `period` has cards (one PutItem; writing it again changes nothing)."""
    ReportItem(SCORED, str(period)).save()


def latest() -> int | None:
    """The latest period with cards, or None when none was ever recorded (one Query, one item)."""
    query = ReportItem.query(SCORED, scan_index_forward=False, limit=1, attributes_to_get=["sk"])
    first = next(iter(query), None)
    return int(first.sk) if first is not None else None
