"""The job kind `activate`: after the switch (one transaction, `services/model_registry.activate`),
every enterprise is rescored under the new version, all periods, through the rescore service itself.

A redelivered or resumed chunk finds the cards already at the new version and writes nothing, so a
crash mid-activation resumes to completion without a second event for anyone.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from chalicelib.services import rescore_job
from chalicelib.services.model_registry import model_by_version
from chalicelib.stores.jobs import Job


def run_chunk(job: Job, codes: Sequence[str]) -> dict[str, Any] | None:
    return rescore_job.rescore_chunk(model_by_version(str(job.params["model_version"])), codes, None)


def finish(job: Job, partials: Iterator[dict[str, Any]]) -> dict[str, Any] | None:
    result = rescore_job.finish(job, partials) or {}
    return {**result, "previous_version": job.params.get("previous")}
