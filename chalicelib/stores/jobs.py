"""The jobs table: long work fanned out in chunks, its progress counted atomically.

A job item (sk "JOB") holds the status, the counters (`done` enterprises, `chunks_counted`), the set
of chunk numbers already counted and, at the end, the result. A chunk is counted with one conditional
update: `ADD` to the counters and the chunk's number to the set, on condition that the number is not
in the set yet. A redelivered chunk (SQS delivers at least once) therefore counts once, however often
it runs. A chunk's partial result is its own item (sk "CHUNK#<n>"), written before the chunk is
counted, so the finisher finds every partial once every chunk is counted. The plan's chunks are items
too (sk "PLAN#<n>"), written before any chunk message is sent, so a redelivered plan step sends the
chunks it first planned, not a new enumeration.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Final

from pynamodb.exceptions import DoesNotExist, UpdateError

from chalicelib.domain.timestamps import now, stamp
from chalicelib.stores.tables import JobItem

RUNNING: Final = "running"
SUCCEEDED: Final = "succeeded"
FAILED: Final = "failed"
JOB_SK: Final = "JOB"
_CHUNK_PREFIX: Final = "CHUNK#"
_PLAN_PREFIX: Final = "PLAN#"


def chunk_sk(chunk: int) -> str:
    return f"{_CHUNK_PREFIX}{chunk:06d}"


def plan_sk(chunk: int) -> str:
    return f"{_PLAN_PREFIX}{chunk:06d}"


def _now() -> str:
    return stamp(now())


@dataclass(frozen=True, slots=True)
class Job:
    """A job as read: plain data."""

    job_id: str
    kind: str
    status: str
    period: int | None
    params: dict[str, Any]
    created_at: str
    updated_at: str | None
    finished_at: str | None
    total: int
    done: int
    chunks: int | None  # None while the plan step has not finished
    chunks_counted: int
    result: dict[str, Any] | None
    error: str | None
    counted: frozenset[int] = frozenset()  # the chunk numbers counted
    plan_sent: bool = False  # every chunk message of the stored plan was sent
    started_by: str | None = None  # the credential that started it (with admin, its only reader)

    @property
    def planned(self) -> bool:
        return self.chunks is not None

    @property
    def all_counted(self) -> bool:
        return self.chunks is not None and self.chunks_counted >= self.chunks


def _job(item: JobItem) -> Job:
    return Job(
        job_id=item.job_id,
        kind=item.kind,
        status=item.status or RUNNING,
        period=int(item.period) if item.period is not None else None,
        params=dict(item.params or {}),
        created_at=item.created_at,
        updated_at=item.updated_at,
        finished_at=item.finished_at,
        total=int(item.total or 0),
        done=int(item.done or 0),
        chunks=int(item.chunks) if item.chunks is not None else None,
        chunks_counted=int(item.chunks_counted or 0),
        result=dict(item.result) if item.result is not None else None,
        error=item.error,
        counted=frozenset(int(n) for n in item.chunks_done or ()),
        plan_sent=bool(item.plan_sent),
        started_by=item.started_by,
    )


def new_job_id() -> str:
    return uuid.uuid4().hex


def new_item(
    kind: str,
    params: dict[str, Any],
    period: int | None,
    job_id: str | None = None,
    started_by: str | None = None,
) -> JobItem:
    """A fresh job item (status running, not planned), for `create` or another store's transaction."""
    now = _now()
    return JobItem(
        job_id or new_job_id(),
        JOB_SK,
        kind=kind,
        status=RUNNING,
        period=period,
        params=params,
        created_at=now,
        updated_at=now,
        total=0,
        done=0,
        chunks_counted=0,
        started_by=started_by,
    )


def create(kind: str, params: dict[str, Any], period: int | None, started_by: str | None = None) -> Job:
    item = new_item(kind, params, period, started_by=started_by)
    item.save(condition=JobItem.job_id.does_not_exist())
    return _job(item)


def get(job_id: str) -> Job | None:
    try:
        return _job(JobItem.get(job_id, JOB_SK, consistent_read=True))
    except DoesNotExist:
        return None


def _key(job_id: str) -> JobItem:
    return JobItem(job_id, JOB_SK)


def claim_plan(job_id: str, planner: str) -> bool:
    """Let one plan step (`planner`: its message id, the same on each redelivery) enumerate the job; False
    when another one holds it (a duplicate plan message: the holder finishes, or its redelivery does)."""
    try:
        _key(job_id).update(
            actions=[JobItem.planner.set(planner)],
            condition=JobItem.sk.exists() & (JobItem.planner.does_not_exist() | (JobItem.planner == planner)),
        )
    except UpdateError as exc:
        if _condition_failed(exc):
            return False
        raise
    return True


def save_plan(job_id: str, kind: str, chunks: Sequence[Sequence[str]]) -> None:
    """Store the chunks of a plan (25 items a request) before any is sent; a redelivered plan step that
    has not fixed its plan yet (`set_plan`) rewrites them (items past its count are never read)."""
    now = _now()
    with JobItem.batch_write() as batch:
        for n, codes in enumerate(chunks):
            batch.save(JobItem(job_id, plan_sk(n), kind=kind, created_at=now, codes=list(codes)))


def plan_chunks(job_id: str, chunks: int) -> Iterator[tuple[int, list[str]]]:
    """The stored plan's chunks (number, codes), in order: the first `chunks` of them."""
    for item in JobItem.query(job_id, JobItem.sk.startswith(_PLAN_PREFIX), consistent_read=True):
        n = int(item.sk[len(_PLAN_PREFIX) :])
        if n >= chunks:
            break
        yield n, list(item.codes or [])


def mark_plan_sent(job_id: str) -> Job:
    item = _key(job_id)
    item.update(actions=[JobItem.plan_sent.set(True), JobItem.updated_at.set(_now())])
    return _job(item)


def set_plan(job_id: str, chunks: int, total: int) -> Job | None:
    """Record the chunks sent and the enterprises they hold, once; None if the job was planned already."""
    item = _key(job_id)
    try:
        item.update(
            actions=[
                JobItem.chunks.set(chunks),
                JobItem.total.set(total),
                JobItem.updated_at.set(_now()),
            ],
            condition=JobItem.sk.exists() & JobItem.chunks.does_not_exist(),
        )
    except UpdateError as exc:
        if _condition_failed(exc):
            return None
        raise
    return _job(item)


def save_partial(job_id: str, kind: str, chunk: int, partial: dict[str, Any]) -> None:
    """A chunk's partial result; a redelivered chunk rewrites the same item."""
    JobItem(job_id, chunk_sk(chunk), kind=kind, created_at=_now(), partial=partial).save()


def count_chunk(job_id: str, chunk: int, enterprises: int) -> tuple[Job, bool]:
    """Count a finished chunk once: (the job after it, whether this call counted it)."""
    item = _key(job_id)
    try:
        item.update(
            actions=[
                JobItem.done.add(enterprises),
                JobItem.chunks_counted.add(1),
                JobItem.chunks_done.add({chunk}),
                JobItem.updated_at.set(_now()),
            ],
            condition=JobItem.sk.exists() & ~JobItem.chunks_done.contains(chunk),
        )
    except UpdateError as exc:
        if not _condition_failed(exc):
            raise
        job = get(job_id)
        if job is None:
            raise LookupError(f"job {job_id} does not exist / 任务 {job_id} 不存在") from exc
        return job, False
    return _job(item), True


def partials(job_id: str) -> Iterator[dict[str, Any]]:
    """Every chunk's partial result, in chunk order."""
    for item in JobItem.query(job_id, JobItem.sk.startswith(_CHUNK_PREFIX), consistent_read=True):
        if item.partial is not None:
            yield dict(item.partial)


def finish(
    job_id: str, status: str, *, result: dict[str, Any] | None = None, error: str | None = None
) -> bool:
    """Flip a running job to `status` (succeeded or failed), once; False if it was no longer running."""
    now = _now()
    actions: list[Any] = [
        JobItem.status.set(status),
        JobItem.updated_at.set(now),
        JobItem.finished_at.set(now),
    ]
    if result is not None:
        actions.append(JobItem.result.set(result))
    if error is not None:
        actions.append(JobItem.error.set(error[:2000]))
    try:
        _key(job_id).update(actions=actions, condition=JobItem.status == RUNNING)
    except UpdateError as exc:
        if _condition_failed(exc):
            return False
        raise
    return True


def _condition_failed(exc: UpdateError) -> bool:
    return exc.cause_response_code == "ConditionalCheckFailedException"
