"""The registry's activation side: `activate` switches the active version (one transaction) and starts
the job kind `activate`, which rescores every enterprise under the new version, all periods, through
the rescore service itself. The read side (which version is active, every registered one) is
`services/model_registry.py`; this module uses it, never the other way round.

A redelivered or resumed chunk finds the cards already at the new version and writes nothing, so a
crash mid-activation resumes to completion without a second event for anyone.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, Final

from chalicelib.domain.model.schema import available_versions
from chalicelib.services import jobs as job_runner
from chalicelib.services import rescore_job
from chalicelib.services.model_registry import (
    UnknownModelError,
    forget_cache,
    model_by_version,
    registered_models,
)
from chalicelib.stores import jobs, model_registry
from chalicelib.stores.jobs import Job

PLAN_GRACE_S: Final = 120.0  # a plan step not started by then was never queued


def _never_planned(job_id: str | None) -> Job | None:
    """The activation's job if its plan step never ran (nothing counted, long after it was written)."""
    job = jobs.get(job_id) if job_id else None
    if job is None or job.planned or job.status != jobs.RUNNING:
        return None
    created = datetime.strptime(job.created_at, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    return job if (datetime.now(UTC) - created).total_seconds() > PLAN_GRACE_S else None


class ModelAlreadyActiveError(RuntimeError):
    code = "MODEL_ALREADY_ACTIVE"


def activate(version: str) -> str:
    """Make `version` active and start the full rescore under it; return the job id.

    One transaction switches the pointer, the statuses and writes the job (a concurrent activation
    loses with `ActivationConflictError`); then the job's plan step is queued. Should that send fail
    after the switch, activating the same version again queues it (instead of 409) once the plan step
    is clearly overdue.
    """
    registered_models()  # seeds the registry on first use
    target = model_registry.get(version)
    if target is None and version not in available_versions():
        raise UnknownModelError(version)
    pointer = model_registry.pointer()
    assert pointer is not None
    if pointer.active_version == version:
        stuck = _never_planned(pointer.activation_job_id)
        if stuck is not None:  # switched, but the plan step was never queued (a crash right after)
            job_runner.queue_plan(stuck)
            return stuck.job_id
        raise ModelAlreadyActiveError(version)
    model_by_version(version)  # it parses (a registered model always does; this fails loudly if not)
    job_id = model_registry.activate(
        version,
        pointer.active_version,
        "activate",
        {"model_version": version, "previous": pointer.active_version},
    )
    forget_cache()
    job = jobs.get(job_id)
    assert job is not None
    job_runner.queue_plan(job)
    return job_id


# --- the job kind `activate` ---------------------------------------------------------------------


class ActivationJob:
    """The job kind `activate` (`services/jobs.py` calls `run_chunk` and `finish`)."""

    def __init__(self, rescorer_for: rescore_job.RescorerFor) -> None:
        self._rescorer_for = rescorer_for

    def run_chunk(self, job: Job, codes: Sequence[str]) -> dict[str, Any] | None:
        model = model_by_version(str(job.params["model_version"]))
        return rescore_job.rescore_chunk(self._rescorer_for(model), codes, None)

    def finish(self, job: Job, partials: Iterator[dict[str, Any]]) -> dict[str, Any] | None:
        result = rescore_job.finish(job, partials) or {}
        return {**result, "previous_version": job.params.get("previous")}
