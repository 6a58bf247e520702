"""Cohort ranks, precomputed by the report builder: a portrait finds its rank in one read, whatever the
cohort's size, instead of counting the cohort (O(cohort) reads) on every request.

A cohort (period, stage) is cut into chunks of consecutive rank keys (`scoring.ranking.rank_key`, the
same string the score indexes sort on). A chunk knows how many keys come before it and the cohort's
size, so a key's rank is the chunk's offset plus its position in the chunk.

A chunk is stored under the lowest key it answers for (`lower`): its first key, except the cohort's
first chunk, which answers for every key from "" on, so that a card whose score now leads its cohort still
finds a chunk (and with it the cohort's size). A key that finds no chunk of its stage at all is then a
card of a stage the build had no card of (its reader counts that cohort instead: `stores/rank_reads.py`).

`place` answers for a key the build does not hold (a card rescored since the build): its position among
the build's keys, i.e. its rank "as of the build, with this card's current score".
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

    @property
    def lower(self) -> str:
        """The lowest key this chunk answers for: the one its stored sort key names."""
        return "" if self.offset == 0 else self.first

    @property
    def last_of_cohort(self) -> bool:
        return self.offset + len(self.keys) >= self.cohort

    def covers(self, key: str) -> bool:
        """Whether this chunk is the one a reader finds for `key` (known without the next chunk only for
        keys up to its last one, or in the cohort's last chunk)."""
        return self.lower <= key and (key <= self.keys[-1] or self.last_of_cohort)

    def rank_of(self, key: str) -> int | None:
        """The 1-based rank of `key` in the cohort, or None when the chunk does not hold it."""
        at = bisect_left(self.keys, key)
        return self.offset + at + 1 if at < len(self.keys) and self.keys[at] == key else None


@dataclass(frozen=True, slots=True)
class Placed:
    """A card's rank and cohort size among a build's keys."""

    rank: int
    cohort: int
    in_build: bool  # the build holds exactly this key: the rank is the build's own


def place(chunk: RankChunk, key: str, credit_code: str, *, first_card: bool = False) -> Placed:
    """The rank of `key` (the card's CURRENT rank key) among the keys of the build, `chunk` being the
    chunk a reader finds for it.

    A key the build holds gets the build's rank, exactly. Any other key is placed: rank = the build's keys
    ahead of it + 1, not counting the enterprise's own old key (its score at the build) when that is ahead
    of it in the same chunk. When the old key lies in an earlier chunk (the card lost enough points to
    cross a chunk boundary), it is inside `offset` and counted: the rank is then one too high, as of the
    build. The cohort is the build's, +1 when the enterprise is not in it: `first_card` (the card item's
    first version: the enterprise had no card of the period before, so its one key would have been found)
    tells a newcomer. A card that moved here from another stage is not told apart (its old key is in the
    other stage's cohort): the cohort then stays the build's, one short. The cohort is never below the rank
    (a rank one too high at the cohort's end makes it one too high as well).
    """
    at = bisect_left(chunk.keys, key)
    if at < len(chunk.keys) and chunk.keys[at] == key:
        return Placed(chunk.offset + at + 1, chunk.cohort, True)
    # a rank key ends "#<credit_code>" (`scoring.ranking.rank_key`): the enterprise's keys share the tail
    tail = key[-len(credit_code) - 1 :]
    own = [n for n, k in enumerate(chunk.keys) if k.endswith(tail)]
    own_ahead = any(n < at for n in own)
    rank = chunk.offset + at + 1 - own_ahead
    cohort = chunk.cohort + 1 if first_card and not own else chunk.cohort
    return Placed(rank, max(cohort, rank), False)


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
