"""The job kind `rescore`: every enterprise of a period (or of all periods) rescored, chunk by chunk.

A chunk runs the rescore service itself (the same plan, transaction and outbox as the rescore queue),
so a redelivered chunk finds nothing changed and writes no second event. What it committed is relayed
at once; what the relay misses stays pending for the scheduled drain. `params["model_version"]`
names the model to score with (the activation's); without it, the active one.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from aws_lambda_powertools import Logger

from chalicelib.domain.model.schema import ScoringModel
from chalicelib.stores.jobs import Job

logger = Logger(child=True)


def job_model(job: Job) -> ScoringModel:
    from chalicelib.services.model_registry import active_model, model_by_version

    version = job.params.get("model_version")
    return model_by_version(str(version)) if version else active_model()


def rescore_chunk(model: ScoringModel, codes: Sequence[str], period: int | None) -> dict[str, Any]:
    from chalicelib.services.relay import relay_items
    from chalicelib.services.rescore import Rescorer, card_listeners

    rescorer = Rescorer(model=model, listeners=card_listeners())
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


def run_chunk(job: Job, codes: Sequence[str]) -> dict[str, Any] | None:
    return rescore_chunk(job_model(job), codes, job.period)


def finish(job: Job, partials: Iterator[dict[str, Any]]) -> dict[str, Any] | None:
    total = {"enterprises": 0, "cards_written": 0, "events": 0}
    for partial in partials:
        for key in total:
            total[key] += int(partial.get(key, 0))
    return {**total, "model_version": job_model(job).version}
