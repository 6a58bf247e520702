"""What a peers request reads (contract 16): the enterprise's card and its period's built mark (one
BatchGetItem, `portrait_reads`), then its cohorts' figures from that build (one BatchGetItem)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chalicelib.stores.reports import cohort_key
from chalicelib.stores.tables import ReportItem


def cohort_figures(
    period: int, generation: str, cohorts: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], dict[str, Any]]:
    """(kind, key) -> the stored figure, for the cohorts the build holds (one BatchGetItem)."""
    by_key = {cohort_key(period, generation, kind, key): (kind, key) for kind, key in cohorts}
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for item in ReportItem.batch_get(list(by_key), attributes_to_get=["pk", "sk", "data"]):
        found[by_key[(item.pk, item.sk)]] = dict(item.data or {})
    return found
