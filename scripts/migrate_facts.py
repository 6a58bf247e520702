"""`make migrate-facts`: fold the facts table's per-value current items into one item per enterprise.

Before this release the facts table held one current item per value ("C#M", "C#F#<period>#<indicator>",
"C#X#…"); now each enterprise has ONE current item ("C") that ingest, rescore and the API read
(issue 15). This folds the old items of each enterprise into its current item (the newer `order`
winning value by value, so a value written by the new code is never overwritten by an older one),
commits it version-conditionally, and deletes the old items. History items ("H#…") are untouched.

When to run: once per stage, right after deploying the release, BEFORE uploads and rescores run
again — the new code does not read the old items, so until an enterprise is migrated a rescore would
see it without facts (and retire its cards). So: disable the uploads and rescore queues' event sources
(messages wait in the queues), deploy, run this, re-enable them. The API keeps serving meanwhile
(portraits read cards; their master fields are the only facts read).

Idempotent and resumable: a migrated enterprise has no old items left, so a rerun (after a crash or
Ctrl-C) continues with the rest; running it twice changes nothing. Progress is printed every
`--every` enterprises. Table names come from the environment (FACTS_TABLE and MODELS_TABLE, as in the
Lambda; `make migrate-facts STAGE=…` sets them); credentials and region as for the AWS CLI.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice

from chalicelib.services.model_registry import active_model
from chalicelib.stores.facts import FactsRepository
from chalicelib.stores.facts_migration import delete_legacy, fold, legacy_enterprises, legacy_items

CHUNK = 100  # enterprises read (BatchGetItem) and committed (one transaction) together
MAX_ATTEMPTS = 5


@dataclass
class Progress:
    enterprises: int = 0
    folded: int = 0  # current items written
    items_deleted: int = 0


class MigrationConflictError(RuntimeError):
    def __init__(self, codes: set[str]) -> None:
        super().__init__(
            f"{len(codes)} enterprise(s) kept changing during the migration "
            f"({', '.join(sorted(codes)[:5])}); "
            f"rerun it / {len(codes)} 家企业在迁移期间持续被修改，请重新运行迁移"
        )


def _chunks(codes: Iterator[str], size: int) -> Iterator[list[str]]:
    while chunk := list(islice(codes, size)):
        yield chunk


def migrate_chunk(codes: Sequence[str], registry_department: str, progress: Progress) -> None:
    facts = FactsRepository()
    legacy = {code: legacy_items(code) for code in codes}
    pending = [code for code in codes if legacy[code]]
    currents = facts.read_many(pending)
    for _ in range(MAX_ATTEMPTS):
        changed = [
            currents[code] for code in pending if fold(currents[code], legacy[code], registry_department)
        ]
        conflicted = facts.commit(changed)
        progress.folded += len(changed) - len(conflicted)
        if not conflicted:
            break
        currents.update(facts.read_many(conflicted))  # an upload wrote meanwhile: fold into its item
        pending = sorted(conflicted)
    else:
        raise MigrationConflictError(conflicted)
    old = [item for code in codes for item in legacy[code]]
    delete_legacy(old)  # only once every value of the chunk is in its current item
    progress.items_deleted += len(old)
    progress.enterprises += len(codes)


def migrate(
    *, every: int = 1000, registry_department: str | None = None, say: Callable[[str], None] = print
) -> Progress:
    department = registry_department or next(d.id for d in active_model().departments if d.master_data)
    progress = Progress()
    started = time.monotonic()
    next_report = every
    for chunk in _chunks(legacy_enterprises(), CHUNK):
        migrate_chunk(chunk, department, progress)
        if progress.enterprises >= next_report:
            rate = progress.enterprises / max(time.monotonic() - started, 1e-9)
            say(
                f"{progress.enterprises:,} enterprises migrated "
                f"({progress.items_deleted:,} old items folded, "
                f"{rate:,.0f}/s)"
            )
            next_report += every
    say(
        f"done: {progress.enterprises:,} enterprises, {progress.folded:,} current items written, "
        f"{progress.items_deleted:,} old items folded and deleted in {time.monotonic() - started:.1f} s"
    )
    return progress


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--every", type=int, default=1000, help="print progress every N enterprises")
    parser.add_argument(
        "--registry-department",
        help="the department id the master records came from (default: the active model's master-data "
        "department; the old items all said 'registry')",
    )
    args = parser.parse_args(argv)
    migrate(every=args.every, registry_department=args.registry_department)
    return 0


if __name__ == "__main__":
    sys.exit(main())
