"""Keeping "which periods have score cards" (stores/scored_periods.py) as the rescore writes cards, so
lists asked without `period` find the latest one in one read.

A listener of the rescore (`card_listeners`): the first card of a period this container commits writes
the period's item once; every later one costs nothing (remembered per container, across invocations:
`card_listeners()` builds new listeners for each batch, so the memory is the module's).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from aws_lambda_powertools import Logger

from chalicelib.stores import scored_periods
from chalicelib.stores.scores import CardWrite

logger = Logger(child=True)
_recorded_here: set[int] = set()  # periods this container has recorded


class ScoredPeriodsListener:
    def __init__(
        self, record: Callable[[int], None] = scored_periods.record, known: set[int] | None = None
    ) -> None:
        self._record = record
        self._known = _recorded_here if known is None else known

    def __call__(self, writes: Sequence[CardWrite]) -> None:
        for period in sorted({w.card.period for w in writes} - self._known):
            # the cards are committed: a failure here must not fail (and retry) the rescore; the next
            # card of the period tries again, and readers probe the indexes while no item exists
            try:
                self._record(period)
            except Exception:
                logger.exception("scored period not recorded", extra={"period": period})
                continue
            self._known.add(period)
