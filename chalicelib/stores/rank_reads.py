"""A card's rank within (period, stage) and the cohort's size, whatever the cohort's size: from the
period's last report build (its rank chunks, `domain/reports/ranks.py`), counted only before any build.

1. The period is clean since its last build (the mark's `marked_at` is not after the build's
   `covered_until`) and the build holds the card's rank key: the build's rank and cohort, exact.
2. The card changed since the build (its key is not in the build, or the period is dirty): the card's
   CURRENT key placed among the build's keys (`ranks.place`): "as of the last build, with this card's
   current score". One Query either way: the chunk whose first key is not after the card's key.
3. No build of the period yet (the first minute after a period is first scored), or a build without any
   card of the card's stage: COUNT Queries on the by_stage index, per shard (`score_index.count_rank`):
   O(cohort) reads, exact, until the first build that ranks that cohort.

`rank_as_of` is the build's time in 1 and 2, None in 3.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.domain.reports.ranks import RankChunk, place
from chalicelib.stores import score_index
from chalicelib.stores.reports import Mark, ReportsRepository


@dataclass(frozen=True, slots=True)
class BuiltMark:
    """A period's last report build, as far as ranks need it: its generation, when it was built, and
    whether a card of the period changed after what it covers."""

    generation: str
    as_of: str
    dirty: bool = False

    @staticmethod
    def of(mark: Mark | None) -> BuiltMark | None:
        if mark is None or not mark.generation or not mark.as_of:
            return None
        return BuiltMark(mark.generation, mark.as_of, mark.dirty)


@dataclass(frozen=True, slots=True)
class CohortRank:
    rank: int
    cohort_size: int
    as_of: str | None  # the build's time; None when counted (no build yet)
    exact: bool  # case 1 or 3: the figure is the cohort's as it stands (as of the build's time in 1)


def built_mark(period: int) -> BuiltMark | None:
    """The period's build as a reader of ranks needs it (one GetItem of its mark)."""
    return BuiltMark.of(ReportsRepository().mark(period))


def _chunk(data: dict[str, Any] | None, stage: str) -> RankChunk | None:
    if data is None:
        return None
    return RankChunk(stage, int(data["offset"]), int(data["cohort"]), tuple(data["keys"]))


class RankReader:
    """Ranks of one period's cards against one build; chunks already read answer later keys they cover
    (a policy run over a whole period reads each chunk about once, not once per enterprise)."""

    def __init__(self, period: int, built: BuiltMark | None, repository: ReportsRepository | None = None):
        self.period = period
        self.built = built
        self.repository = repository or ReportsRepository()
        self._chunks: dict[str, list[RankChunk]] = {}

    def _find(self, stage: str, key: str) -> RankChunk | None:
        assert self.built is not None
        for read in self._chunks.get(stage, ()):
            if read.covers(key):
                return read
        data = self.repository.rank_chunk(self.period, self.built.generation, stage, key)
        chunk = _chunk(data, stage)
        if chunk is not None:
            self._chunks.setdefault(stage, []).append(chunk)
        return chunk

    def rank(self, stage: str, key: str, credit_code: str, *, first_card: bool = False) -> CohortRank:
        """The rank of the card whose CURRENT rank key is `key` (≤ 1 Query with a build, COUNTs without);
        `first_card`: the item's first version (no card of the period before), see `ranks.place`."""
        chunk = self._find(stage, key) if self.built is not None else None
        if chunk is None or self.built is None:
            # no build yet; or a build that ranked no card of this stage (a stage's first cards since the
            # build, or a generation written before the first chunk was stored from "" with a card that
            # now leads): that cohort is counted, as before a first build
            rank, cohort = score_index.count_rank(self.period, stage, key)
            return CohortRank(rank, cohort, None, True)
        placed = place(chunk, key, credit_code, first_card=first_card)
        return CohortRank(
            placed.rank, placed.cohort, self.built.as_of, placed.in_build and not self.built.dirty
        )
