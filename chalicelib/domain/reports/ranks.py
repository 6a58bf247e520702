"""Cohort ranks, precomputed by the report builder: a portrait finds its rank in one read, whatever the
cohort's size, instead of counting the cohort (O(cohort) reads) on every request.

A cohort (period, stage) is cut into chunks of consecutive rank keys (`scoring.ranking.rank_key`, the
same string the score indexes sort on). A chunk knows how many keys come before it and the cohort's
size, so a key's rank is the chunk's offset plus its position in the chunk.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from chalicelib.domain.reports.inputs import CardFacts
from chalicelib.domain.scoring.ranking import rank_key

# ~26 characters a key: 2,000 keys are ~55 KB, well inside DynamoDB's 400 KB item, and a cohort of
# 15,000 is 8 items.
CHUNK: Final = 2000


@dataclass(frozen=True, slots=True)
class RankChunk:
    stage: str
    offset: int  # keys of the cohort before this chunk
    cohort: int  # the cohort's size
    keys: tuple[str, ...]  # ascending: rank order

    @property
    def first(self) -> str:
        return self.keys[0]

    def rank_of(self, key: str) -> int | None:
        """The 1-based rank of `key` in the cohort, or None when the chunk does not hold it."""
        at = bisect_left(self.keys, key)
        return self.offset + at + 1 if at < len(self.keys) and self.keys[at] == key else None


def rank_chunks(cards: Iterable[CardFacts], size: int = CHUNK) -> list[RankChunk]:
    """Every stage's cohort in rank order, cut into chunks of at most `size` keys."""
    cohorts: dict[str, list[str]] = defaultdict(list)
    for card in cards:
        cohorts[card.stage].append(rank_key(card.score, card.credit_code))
    chunks: list[RankChunk] = []
    for stage in sorted(cohorts):
        keys = sorted(cohorts[stage])
        chunks += [
            RankChunk(stage, start, len(keys), tuple(keys[start : start + size]))
            for start in range(0, len(keys), size)
        ]
    return chunks
