"""`python -m scripts.backfill_discrepancy --period 2025`: flag cards written before the score indexes
carried the `discrepancy` flag (issue 24; see chalicelib/stores/discrepancy_backfill.py). Table names come
from the environment (SCORES_TABLE, as in the Lambda); credentials and region as for the AWS CLI."""

from __future__ import annotations

import argparse

from chalicelib.stores.discrepancy_backfill import backfill


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--period", type=int, action="append", required=True, help="a scored year (repeatable)"
    )
    args = parser.parse_args(argv)
    for period in args.period:
        read, flagged = backfill(period)
        print(f"{period}: {read:,} cards read, {flagged:,} flagged")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
