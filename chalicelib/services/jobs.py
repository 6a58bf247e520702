"""Jobs: work over every enterprise of a period (or of all periods), fanned out over the jobs queue.

`start_job` writes the job and sends one `plan` message; the jobs Lambda enumerates the enterprises
there (so the API answers 202 at once, even for a national run), stores the chunks of `job_chunk_size`
enterprises, and then sends a `chunk` message per stored chunk. Each chunk runs the kind's `run_chunk`,
stores its partial result and is counted once (see `stores/jobs.py`). Whoever counts the last chunk
(or finishes the plan after the last chunk was counted) runs the kind's `finish` over the partials and
flips the job to `succeeded`; the flip is conditional, so a redelivered last chunk finishes nothing
twice. `finish` must therefore be safe to run again after a crash, as `run_chunk` must be safe to run
again on a redelivery.

A use case becomes a job kind with one line in `KINDS`: a module with
`run_chunk(job, codes) -> dict | None` and `finish(job, partials) -> dict | None`, and optionally
`enterprises(job) -> Iterable[str]` when its enterprises are not the scored ones of the job's period.
The jobs Lambda is handed the kinds by the composition root (`wiring.job_kinds()`), which imports each
module named here, or builds an object in its place when the kind needs collaborators (the rescore's
listeners); this module imports none of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Final, Protocol, cast

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from chalicelib.domain.china import china_year
from chalicelib.domain.jobs import JobMessage, cut
from chalicelib.settings import get_settings
from chalicelib.stores import jobs
from chalicelib.stores.jobs import FAILED, RUNNING, SUCCEEDED, Job
from chalicelib.stores.jobs_queue import send_job_messages

# The kinds of job, each the module of its use case (imported only by the Lambda that runs it, through
# the composition root: `wiring.job_kinds()`).
KINDS: Final[Mapping[str, str]] = {
    "rescore": "chalicelib.services.rescore_job",
    "backtest": "chalicelib.services.backtest",
    "activate": "chalicelib.services.activation",
    "policy_match": "chalicelib.services.policy_match_job",
}
# SQS moves a message to the DLQ after this many receives (infra/resources.yaml, scripts/provision.py):
# on the last one a failing step marks its job failed, so that nobody waits for it forever.
MAX_RECEIVE_COUNT: Final = 5
PLAN_GRACE_S: Final = 120.0  # a plan step not started by then was never queued (as the activation's)

logger = Logger(child=True)


class JobKind(Protocol):
    def run_chunk(self, job: Job, codes: Sequence[str]) -> dict[str, Any] | None: ...

    def finish(self, job: Job, partials: Iterator[dict[str, Any]]) -> dict[str, Any] | None: ...


class UnknownJobKindError(ValueError):
    code = "UNKNOWN_JOB_KIND"


Kinds = Mapping[str, JobKind]


def kind_module(kind: str, kinds: Kinds) -> JobKind:
    if kind not in KINDS or kind not in kinds:
        raise UnknownJobKindError(f"unknown job kind {kind!r} / 未知的任务类型 {kind!r}")
    return kinds[kind]


def start_job(kind: str, params: dict[str, Any], period: int | None, started_by: str | None = None) -> str:
    """Create a job and queue its plan step; return its id. Nothing is enumerated here. `started_by`
    (the starting credential) may read it, with admin."""
    if kind not in KINDS:
        raise UnknownJobKindError(f"unknown job kind {kind!r} / 未知的任务类型 {kind!r}")
    job = jobs.create(kind, params, period, started_by)
    queue_plan(job)
    return job.job_id


def overdue_plan(job_id: str | None) -> Job | None:
    """A job whose plan step never ran (running, not planned) long after it was written: its plan message
    was probably never sent (a crash right after the job's transaction). Sending it again is safe."""
    job = jobs.get(job_id) if job_id else None
    if job is None or job.planned or job.status != RUNNING:
        return None
    created = datetime.strptime(job.created_at, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    return job if (datetime.now(UTC) - created).total_seconds() > PLAN_GRACE_S else None


def queue_plan(job: Job) -> None:
    """Send a job's plan step (for a job item written elsewhere, e.g. in the activation's transaction)."""
    send_job_messages([JobMessage(job_id=job.job_id, kind=job.kind, step="plan", period=job.period)])


def rescore_size(period: int | None) -> int:
    """How many enterprises a `rescore` job of `period` covers, each once (its plan's `total` when nothing
    is scored meanwhile): one counting Query per shard for a period; every period's keys otherwise."""
    from chalicelib.stores.scores import count_scored_enterprises

    if period is not None:
        return count_scored_enterprises(period)
    return sum(1 for _ in scored_codes(None))  # each enterprise once already


def scored_codes(period: int | None) -> Iterator[str]:
    """The scored enterprises of `period`, or of every period (each once, in any order)."""
    from chalicelib.services.rescore import full_rescore_pairs

    for pair in full_rescore_pairs(period, china_year()):
        yield pair.credit_code


def _enterprises(job: Job, module: JobKind) -> Iterable[str]:
    custom = getattr(module, "enterprises", None)
    if custom is not None:
        return cast(Iterable[str], custom(job))
    return scored_codes(job.period)


def plan(message: JobMessage, kinds: Kinds, planner: str = "local") -> None:
    """The plan step: enumerate once, store the chunks, fix the plan, then send them.

    The chunks are stored before any is sent and the plan is fixed (`set_plan`) before sending, so a
    redelivered plan step (a crash while sending) sends the same chunks again, never a re-enumeration
    that could cut other ones; chunks already counted are not sent again.
    """
    job = jobs.get(message.job_id)
    if job is None:
        logger.warning("plan step of an unknown job: dropped", extra={"job_id": message.job_id})
        return
    if job.status != RUNNING:
        return
    if not job.planned:
        if not jobs.claim_plan(job.job_id, planner):
            logger.info("another plan step plans this job", extra={"job_id": job.job_id})
            return
        module = kind_module(job.kind, kinds)
        chunks = list(cut(_enterprises(job, module), get_settings().job_chunk_size))
        jobs.save_plan(job.job_id, job.kind, chunks)
        job = jobs.set_plan(job.job_id, len(chunks), sum(len(c) for c in chunks)) or jobs.get(job.job_id)
        assert job is not None
        logger.info("job planned", extra={"job_id": job.job_id, "kind": job.kind, "chunks": job.chunks})
    if not job.plan_sent:
        assert job.chunks is not None
        counted = job.counted
        send_job_messages(
            JobMessage(
                job_id=job.job_id, kind=job.kind, step="chunk", chunk=n, codes=codes, period=job.period
            )
            for n, codes in jobs.plan_chunks(job.job_id, job.chunks)
            if n not in counted
        )
        job = jobs.mark_plan_sent(job.job_id)
    _maybe_finish(job, kinds)


def run_chunk(message: JobMessage, kinds: Kinds) -> None:
    assert message.chunk is not None
    job = jobs.get(message.job_id)
    if job is None:
        logger.warning("chunk of an unknown job: dropped", extra={"job_id": message.job_id})
        return
    if job.status != RUNNING:  # failed (or finished): no more work for it
        return
    partial = kind_module(job.kind, kinds).run_chunk(job, message.codes)
    if partial is not None:
        jobs.save_partial(job.job_id, job.kind, message.chunk, partial)
    after, _ = jobs.count_chunk(job.job_id, message.chunk, len(message.codes))
    _maybe_finish(after, kinds)


def _maybe_finish(job: Job, kinds: Kinds) -> None:
    if job.status != RUNNING or not job.all_counted:
        return
    result = kind_module(job.kind, kinds).finish(job, jobs.partials(job.job_id))
    if jobs.finish(job.job_id, SUCCEEDED, result=result):
        logger.info("job succeeded", extra={"job_id": job.job_id, "kind": job.kind})


def handle_message(message: JobMessage, kinds: Kinds, message_id: str = "local") -> None:
    if message.step == "plan":
        plan(message, kinds, message_id)
    else:
        run_chunk(message, kinds)


def handle_sqs_event(event: dict[str, Any], context: Any = None, *, kinds: Kinds) -> dict[str, Any]:
    """The jobs Lambda: one record = one plan or chunk step; a failed record is reported and retried.

    `kinds` are the job kinds as the composition root built them (`wiring.job_kinds()`)."""
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)

    def record_handler(record: SQSRecord) -> None:
        message = JobMessage.model_validate_json(record.body)
        try:
            handle_message(message, kinds, record.message_id)
        except Exception as exc:
            receives = int(record.attributes.approximate_receive_count or 1)
            if receives >= MAX_RECEIVE_COUNT:  # the last try: say so on the job before the DLQ takes it
                logger.exception("job step failed for good", extra={"job_id": message.job_id})
                jobs.finish(message.job_id, FAILED, error=f"{message.step} {message.chunk}: {exc}")
            raise

    return dict(
        process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )
    )
