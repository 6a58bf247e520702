"""The composition root: the one place that knows which use case follows which (ARCHITECTURE.md).

Use cases receive their collaborators instead of importing each other: the rescore is handed its card
listeners (policy re-matching, region reports, scored periods), the jobs Lambda its job kinds (the
rescore and activation kinds with a rescorer built here), and so nothing in `services/` has to import
upwards or sideways into another use case's internals. `app.py`'s handlers call the functions below;
nothing in `chalicelib/` imports this module.

The registry's two sides are named here too: the read side (`services/model_registry.py`: which
version is active, every registered one) is what every rescorer scores with; the activation side
(`services/activation.py`) switches the version and runs the job kind `activate` with the rescorer
built here.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any, cast

from chalicelib.domain.jobs import JobMessage
from chalicelib.domain.model.schema import ScoringModel
from chalicelib.services import jobs, rescore, rescore_job
from chalicelib.services.activation import ActivationJob
from chalicelib.services.matching import PolicyRematcher
from chalicelib.services.reports import ReportsListener
from chalicelib.services.rescore import CardListener, Rescorer
from chalicelib.services.scored_periods import ScoredPeriodsListener


def card_listeners() -> list[CardListener]:
    """What follows every committed card change: new ones for each batch (the reports listener buffers)."""
    return [
        PolicyRematcher(),  # published policies of that period, matched again
        ReportsListener(),  # region reports: moves and dirty marks
        ScoredPeriodsListener(),  # lists' default period
    ]


def rescorer(model: ScoringModel | None = None) -> Rescorer:
    """A rescorer with every listener; `model` None: the registry's active one."""
    return Rescorer(model, listeners=card_listeners())


def rescore_chunk(model: ScoringModel, codes: Sequence[str], period: int | None) -> dict[str, Any]:
    """One chunk of a full rescore under `model`, as the job kinds run it (listeners, relay, tally)."""
    return rescore_job.rescore_chunk(rescorer(model), codes, period)


def job_kinds() -> dict[str, jobs.JobKind]:
    """Every kind of `jobs.KINDS`: an object with its collaborators where it needs them, else its module."""
    wired: dict[str, jobs.JobKind] = {
        "rescore": rescore_job.RescoreJob(rescorer),
        "activate": ActivationJob(rescorer),
    }
    return {
        kind: wired[kind] if kind in wired else cast(jobs.JobKind, importlib.import_module(module))
        for kind, module in jobs.KINDS.items()
    }


def handle_ingest_event(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """The ingest Lambda: department files, and the upload kinds routed to their own use case
    (qualification files, contract 17) with the followers of a file's changes (the qualification flags
    of a period first seen, contract 19.1)."""
    from chalicelib.domain.upload_event import QUALIFICATIONS_PREFIX
    from chalicelib.services import ingest, qualifications

    return ingest.handle_sqs_event(
        event,
        context,
        routes={QUALIFICATIONS_PREFIX: qualifications.handle},
        followers=(qualifications.follow_new_periods,),
    )


def handle_rescore_event(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """The rescore Lambda."""
    return rescore.handle_sqs_event(event, context, rescorer=rescorer())


def handle_jobs_event(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """The jobs Lambda."""
    return jobs.handle_sqs_event(event, context, kinds=job_kinds())


def handle_job_message(message: JobMessage) -> None:
    """One plan or chunk step, as the jobs Lambda runs it (tests, benchmarks)."""
    jobs.handle_message(message, job_kinds())
