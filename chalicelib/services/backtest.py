"""The job kind `backtest`: every enterprise of a period scored under a candidate and under the model
that was active when the backtest started, from the same facts; nothing written but the job. It scores
with the production engine (`domain/scoring/engine.py`, as the rescore and what-if do): one engine, so a
backtest's figures are what an activation would write. bench/bench_backtest.py measures its cost.

`params`: `model_version` (the candidate) and `against` (the active version, fixed at the start so that
an activation during the run does not mix two baselines).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from chalicelib.domain.scoring.backtest import Comparison, compare, merge
from chalicelib.domain.scoring.engine import score_period
from chalicelib.services.model_registry import model_by_version
from chalicelib.stores.facts import FactsRepository
from chalicelib.stores.jobs import Job


def run_chunk(job: Job, codes: Sequence[str]) -> dict[str, Any] | None:
    assert job.period is not None  # a backtest is of one period
    candidate = model_by_version(str(job.params["model_version"]))
    active = model_by_version(str(job.params["against"]))
    comparisons = []
    for code, data in FactsRepository().load_many(codes).items():  # one BatchGetItem per 100
        if data.master is None:
            continue
        before, after = score_period(active, data, job.period), score_period(candidate, data, job.period)
        comparisons.append(Comparison(code, data.master.region_code, before=before, after=after))
    return compare(comparisons)


def finish(job: Job, partials: Iterator[dict[str, Any]]) -> dict[str, Any] | None:
    return {
        **merge(partials),
        "period": job.period,
        "model_version": job.params["model_version"],
        "against": job.params["against"],
    }
