"""`make recount-registered`: recount coverage's `registered` enterprises per city and zone (contract 14).

Ingest keeps these counters as it goes (`stores/zones.py`: one counter item per city code and per zone id
in the reports table, moved by each registry row and membership change). Enterprises registered before
the counters existed were never counted, and a dated membership that starts or ends later is only
counted again when the enterprise next changes. This recounts every counter from the facts table — each
enterprise with a master record counts in its city and in its zone today (merges are followed by the
coverage reader, as for the kept counters) — and writes the counters that differ.

Idempotent: the counts come from the data, never from the counters, so running it twice gives the same
counts (the second run writes nothing). One Scan of the facts table (a projection of the current items;
history items are read and dropped by the filter, so it costs read units for the whole table: a one-off,
never a request path), then one UpdateItem per counter that changed.

When to run: once after deploying the counters over a stage that already holds enterprises, then whenever
coverage looks off (e.g. after memberships with future dates came due). Ingest moves the counters while it
runs, and a move made between the Scan and the write could be lost or counted twice: pause the uploads
queue's event source (as for `make migrate-facts`) or run it again when ingest is quiet. Table names come
from the environment (FACTS_TABLE, REPORTS_TABLE; `make recount-registered STAGE=…` sets them);
credentials and region as for the AWS CLI. `--dry-run` prints the changes without writing them.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from chalicelib.domain.china import today_in_china
from chalicelib.domain.regions import CITIES
from chalicelib.stores.zones import count_registered_now, registered, set_registered


@dataclass(frozen=True)
class Recount:
    counts: dict[str, int]  # key (city code or zone id) -> registered enterprises
    changes: dict[str, tuple[int, int]]  # key -> (before, after), the counters that differed
    written: bool


def recount(*, dry_run: bool = False, say: Callable[[str], None] = print) -> Recount:
    started = time.monotonic()
    counts = dict(count_registered_now(today_in_china()))
    if dry_run:
        stored = registered()
        changes = {
            key: (stored.get(key, 0), counts.get(key, 0))
            for key in sorted(set(stored) | set(counts))
            if stored.get(key, 0) != counts.get(key, 0)
        }
    else:
        changes = set_registered(counts)
    for key, (before, after) in changes.items():
        say(f"{key}: {before} -> {after}")
    cities = sum(n for key, n in counts.items() if key in CITIES)
    say(
        f"{'would change' if dry_run else 'changed'} {len(changes)} of {len(counts)} counters "
        f"({cities:,} registered enterprises in cities) in {time.monotonic() - started:.1f} s"
    )
    return Recount(counts, changes, written=not dry_run)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--dry-run", action="store_true", help="print the changes, write nothing")
    args = parser.parse_args(argv)
    recount(dry_run=args.dry_run)
    return 0


if __name__ == "__main__":
    sys.exit(main())
