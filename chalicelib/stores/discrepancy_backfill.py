"""One-off: set the sparse `discrepancy` flag on cards written before the score indexes carried it.

`/verifications` filters the by_period index on the flag (the indexes no longer carry cards); a card
written before the flag existed holds its discrepancies only inside `card`, and a rescore rewrites a card
only when its numbers move. This reads a period's keys from by_period, the cards by BatchGetItem (100 a
call), and sets the flag on each card that holds a discrepancy (one UpdateItem each, conditional on the
card being unchanged since it was read). Idempotent: a flagged card is skipped.
"""

from __future__ import annotations

from collections.abc import Iterator

from pynamodb.exceptions import UpdateError

from chalicelib.domain.regions import all_shards, period_partition
from chalicelib.domain.scoring.cardcodec import CardDecodeError, card_from_dict
from chalicelib.stores.tables import ScoreItem

BATCH_GET_KEYS = 100


def _keys(period: int) -> Iterator[list[tuple[str, str]]]:
    chunk: list[tuple[str, str]] = []
    for shard in all_shards():
        for item in ScoreItem.by_period.query(period_partition(period, shard), attributes_to_get=["pk"]):
            chunk.append((item.pk, f"S#{period}"))
            if len(chunk) == BATCH_GET_KEYS:
                yield chunk
                chunk = []
    if chunk:
        yield chunk


def backfill(period: int) -> tuple[int, int]:
    """Flag the period's cards that hold a discrepancy; return (cards read, cards flagged)."""
    read = flagged = 0
    for keys in _keys(period):
        for item in ScoreItem.batch_get(
            keys, attributes_to_get=["pk", "sk", "card", "discrepancy", "version"]
        ):
            read += 1
            if item.discrepancy or not item.card:
                continue
            try:
                if not card_from_dict(item.card).discrepancies:
                    continue
            except CardDecodeError:
                continue
            try:
                item.update(
                    actions=[ScoreItem.discrepancy.set("1")], condition=ScoreItem.version == item.version
                )
            except UpdateError:  # rewritten meanwhile: the new write set (or cleared) the flag itself
                continue
            flagged += 1
    return read, flagged
