"""The job kind `policy_match`: a published policy matched against every enterprise scored for its period.

Each chunk runs `matching.match_chunk` (decisions conditional on the stored sequence, events through
the outbox), so a redelivered chunk finds nothing changed and publishes nothing twice.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from chalicelib.services.matching import match_chunk
from chalicelib.stores.jobs import Job

COUNTS = ("evaluated", "matched", "unmatched")


def run_chunk(job: Job, codes: Sequence[str]) -> dict[str, Any] | None:
    result = match_chunk(str(job.params["policy_id"]), codes)
    return {"evaluated": result.evaluated, "matched": result.matched, "unmatched": result.unmatched}


def finish(job: Job, partials: Iterator[dict[str, Any]]) -> dict[str, Any] | None:
    total = dict.fromkeys(COUNTS, 0)
    for partial in partials:
        for key in COUNTS:
            total[key] += int(partial.get(key, 0))
    return {"policy_id": job.params["policy_id"], **total}
