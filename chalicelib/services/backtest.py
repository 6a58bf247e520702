"""The job kind `backtest`: every enterprise of a period scored under a candidate and under the model
that was active when the backtest started, from the same facts; nothing written but the job. Only the
score, grade and whitelist matter here, so it uses the engine's summary scorer (`domain/scoring/summary.py`,
held equal to the engine by its tests), not whole cards.

`params`: `model_version` (the candidate) and `against` (the active version, fixed at the start so that
an activation during the run does not mix two baselines).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import Any

from chalicelib.domain.model.schema import ScoringModel
from chalicelib.domain.scoring.backtest import Comparison, compare, merge
from chalicelib.domain.scoring.summary import Compiled, compile_model, prepare, summarize
from chalicelib.services.model_registry import model_by_version
from chalicelib.stores.facts import FactsRepository
from chalicelib.stores.jobs import Job


def run_chunk(job: Job, codes: Sequence[str]) -> dict[str, Any] | None:
    assert job.period is not None  # a backtest is of one period
    candidate = compiled(model_by_version(str(job.params["model_version"])))
    active = compiled(model_by_version(str(job.params["against"])))
    comparisons = []
    for code, data in FactsRepository().load_many(codes).items():  # one BatchGetItem per 100
        prepared = prepare(data, job.period)
        if prepared is None or data.master is None:
            continue
        before, after = summarize(active, prepared), summarize(candidate, prepared)
        comparisons.append(Comparison(code, data.master.region_code, before=before, after=after))
    return compare(comparisons)


@lru_cache(maxsize=8)
def compiled(model: ScoringModel) -> Compiled:
    """A model's summary scorer, compiled once per container (models hash by identity)."""
    return compile_model(model)


def finish(job: Job, partials: Iterator[dict[str, Any]]) -> dict[str, Any] | None:
    return {
        **merge(partials),
        "period": job.period,
        "model_version": job.params["model_version"],
        "against": job.params["against"],
    }
