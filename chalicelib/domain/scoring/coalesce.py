"""Coalesced rescoring: which enterprises of a rescore message to score now, and which to leave to a
later message of the same burst (pure).

An upload's rescore pairs carry `facts_version`: the version of the enterprise's current facts item
that upload wrote last. Upload messages are sent with a delay (`RESCORE_DELAY_S`, 30 s by default). When
a message is consumed, the rescore reads each enterprise's current facts item anyway (one BatchGetItem
per 100); if its version is newer than the pair's, another write came after this upload, and that
writer sends a message of its own, later, naming the enterprise: this message leaves it to that one
(and scores nothing of it). The message that finds its own version current scores every period of the
enterprise, so the periods of the earlier messages it stands for are all covered.

The rule: an enterprise is scored once per burst, by the message of the last write of the burst that
touched it, `RESCORE_DELAY_S` (+ the queue's wait) after that write. A lone upload is scored after the
delay; a burst after the delay that follows its last file touching the enterprise. Intermediate states
(an enterprise the first file would put on the whitelist and the third would take off) are never scored,
so never published: only states that persist past the delay become whitelist events.

The invariant it relies on: every writer of the current facts item sends a rescore message naming the
enterprise after its write (ingest does, retries included: a retried upload announces its changes
again). Pairs without `facts_version` (a full rescore, other callers) are scored as named, as before.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from chalicelib.domain.scoring.rescore_request import Pair


@dataclass(frozen=True, slots=True)
class Settled:
    """What a message scores now (periods per enterprise; None: every period) and whom it leaves."""

    now: dict[str, frozenset[int] | None]
    left: frozenset[str]  # enterprises a later write's message will score


def versions_of(pairs: Iterable[Pair]) -> dict[str, int]:
    """The facts version each enterprise's pairs were sent for (the highest, if a message names two)."""
    found: dict[str, int] = {}
    for pair in pairs:
        if pair.facts_version is not None:
            found[pair.credit_code] = max(pair.facts_version, found.get(pair.credit_code, 0))
    return found


def settle(
    grouped: Mapping[str, frozenset[int] | None],
    sent_for: Mapping[str, int],
    current: Mapping[str, int | None],
) -> Settled:
    """`grouped`: periods per enterprise as the message names them; `sent_for`: the facts version a
    versioned enterprise's pairs were sent for; `current`: the version read now (None: no item)."""
    now: dict[str, frozenset[int] | None] = {}
    left: set[str] = set()
    for code, periods in grouped.items():
        version = sent_for.get(code)
        if version is None:
            now[code] = periods
        elif (current.get(code) or 0) > version:
            left.add(code)
        else:
            now[code] = None  # it stands for the burst's earlier messages: every period
    return Settled(now, frozenset(left))
