"""The job kind `rescore`: every enterprise of a period (or of all periods) rescored, chunk by chunk.

A chunk runs the rescore service itself (the same plan, transaction and outbox as the rescore queue),
so a redelivered chunk finds nothing changed and writes no second event. What it committed is relayed
at once; what the relay misses stays pending for the scheduled drain. `params["model_version"]`
names the model to score with (the activation's); without it, the active one. The rescorer (with its
listeners) is built by the composition root, `chalicelib/wiring.py`, and handed in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from aws_lambda_powertools import Logger

from chalicelib.domain.model.schema import ScoringModel
from chalicelib.services.model_registry import active_model, model_by_version
from chalicelib.services.relay import relay_items
from chalicelib.services.rescore import Rescorer
from chalicelib.stores.jobs import Job

logger = Logger(child=True)

RescorerFor = Callable[[ScoringModel], Rescorer]
"""Builds a rescorer, listeners and all, for a model: handed in by the composition root (`wiring.py`)."""


def job_model(job: Job) -> ScoringModel:
    version = job.params.get("model_version")
    return model_by_version(str(version)) if version else active_model()


def rescore_chunk(rescorer: Rescorer, codes: Sequence[str], period: int | None) -> dict[str, Any]:
    periods = frozenset({period}) if period is not None else None
    try:
        outbox = rescorer.rescore_all(dict.fromkeys(codes, periods), None)  # read in bulk, 100 keys a call
    finally:
        rescorer.flush_listeners()  # the reports listener's move counts, once per chunk
    if outbox:
        try:
            relay_items(outbox)
        except Exception:  # committed: the outbox drain publishes them
            logger.exception(
                "immediate relay failed; the outbox drain will publish", extra={"events": len(outbox)}
            )
    tally = rescorer.tally
    return {"enterprises": tally.enterprises, "cards_written": tally.cards_written, "events": tally.events}


class RescoreJob:
    """The job kind `rescore` (`services/jobs.py` calls `run_chunk` and `finish`)."""

    def __init__(self, rescorer_for: RescorerFor) -> None:
        self._rescorer_for = rescorer_for

    def run_chunk(self, job: Job, codes: Sequence[str]) -> dict[str, Any] | None:
        return run_chunk(job, codes, rescorer_for=self._rescorer_for)

    def finish(self, job: Job, partials: Iterator[dict[str, Any]]) -> dict[str, Any] | None:
        return finish(job, partials)


def run_chunk(job: Job, codes: Sequence[str], *, rescorer_for: RescorerFor) -> dict[str, Any] | None:
    return rescore_chunk(rescorer_for(job_model(job)), codes, job.period)


def finish(job: Job, partials: Iterator[dict[str, Any]]) -> dict[str, Any] | None:
    total = {"enterprises": 0, "cards_written": 0, "events": 0}
    for partial in partials:
        for key in total:
            total[key] += int(partial.get(key, 0))
    return {**total, "model_version": job_model(job).version}
