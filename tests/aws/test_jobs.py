"""Jobs: the plan step fans out chunks, each chunk counts once, the last one finishes the job once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.services import jobs as jobs_service
from chalicelib.settings import get_settings
from chalicelib.stores import jobs
from chalicelib.stores.tables import ScoreItem
from scripts.provision import Resources
from tests.aws.jobs_helpers import drain_jobs, queued_bodies
from tests.aws.rescore_helpers import MID, P, enterprise, rescore


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("JOB_CHUNK_SIZE", "2")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def scored(n: int, first: int = 1) -> list[str]:
    codes = [enterprise(i, MID) for i in range(first, first + n)]
    rescore([(c, P) for c in codes])
    return codes


def test_a_rescore_job_runs_every_chunk_and_counts_every_enterprise(
    aws: Resources, small_chunks: None
) -> None:
    codes = scored(5)
    job_id = jobs_service.start_job("rescore", {}, P)
    started = jobs.get(job_id)
    assert started is not None and started.status == "running" and not started.planned

    invocations = drain_jobs(aws)

    job = jobs.get(job_id)
    assert job is not None
    assert invocations == 1 + 3  # the plan step, then 5 enterprises in chunks of 2
    assert (job.status, job.done, job.total, job.chunks) == ("succeeded", 5, 5, 3)
    assert job.result is not None and job.result["enterprises"] == len(codes)
    assert job.finished_at is not None


def test_a_rescore_job_rewrites_cards_scored_under_another_version(aws: Resources) -> None:
    (code,) = scored(1)
    item = ScoreItem.get(f"E#{code}", f"S#{P}")
    old = {**item.card, "model_version": "jx-old"}  # as an older model left it
    item.update(actions=[ScoreItem.card.set(old), ScoreItem.model_version.set("jx-old")])

    job_id = jobs_service.start_job("rescore", {}, P)
    drain_jobs(aws)

    job = jobs.get(job_id)
    assert job is not None and job.result is not None
    assert job.result["cards_written"] == 1
    assert ScoreItem.get(f"E#{code}", f"S#{P}").card["model_version"] == get_settings().model_version


def test_a_chunk_counts_once_however_often_it_is_delivered(aws: Resources) -> None:
    job = jobs.create("rescore", {}, P)
    jobs.set_plan(job.job_id, 2, 7)

    first, counted = jobs.count_chunk(job.job_id, 0, 4)
    again, counted_again = jobs.count_chunk(job.job_id, 0, 4)

    assert counted and not counted_again
    assert (first.done, first.chunks_counted) == (4, 1)
    assert (again.done, again.chunks_counted) == (4, 1)
    last, _ = jobs.count_chunk(job.job_id, 1, 3)
    assert last.done == 7 and last.all_counted


def test_a_plan_is_recorded_once(aws: Resources) -> None:
    job = jobs.create("rescore", {}, P)
    assert jobs.set_plan(job.job_id, 3, 500) is not None
    assert jobs.set_plan(job.job_id, 4, 600) is None
    after = jobs.get(job.job_id)
    assert after is not None and (after.chunks, after.total) == (3, 500)


def test_a_redelivered_last_chunk_finishes_nothing_twice(
    aws: Resources, small_chunks: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    scored(3)
    finished: list[str] = []
    from chalicelib.services import rescore_job

    real_finish = rescore_job.finish

    def counting_finish(job: jobs.Job, partials: Iterator[dict[str, Any]]) -> dict[str, Any] | None:
        finished.append(job.job_id)
        return real_finish(job, partials)

    monkeypatch.setattr(rescore_job, "finish", counting_finish)
    job_id = jobs_service.start_job("rescore", {}, P)
    drain_jobs(aws)
    done = jobs.get(job_id)
    assert done is not None and done.status == "succeeded"

    # SQS delivers the last chunk again, and the plan step too
    from chalicelib.domain.jobs import JobMessage
    from chalicelib.wiring import handle_job_message

    handle_job_message(JobMessage(job_id=job_id, kind="rescore", chunk=1, codes=["x"], period=P))
    handle_job_message(JobMessage(job_id=job_id, kind="rescore", step="plan", period=P))

    again = jobs.get(job_id)
    assert finished == [job_id]
    assert again is not None and (again.done, again.finished_at, again.result) == (
        done.done,
        done.finished_at,
        done.result,
    )


def test_a_job_over_a_period_without_cards_succeeds_with_nothing_to_do(aws: Resources) -> None:
    job_id = jobs_service.start_job("rescore", {}, 2003)
    drain_jobs(aws)
    job = jobs.get(job_id)
    assert job is not None and (job.status, job.total, job.done, job.chunks) == ("succeeded", 0, 0, 0)


def test_a_job_over_all_periods_takes_each_enterprise_once(aws: Resources, small_chunks: None) -> None:
    codes = [enterprise(i, MID, previous=MID) for i in (1, 2, 3)]
    rescore([(c, None) for c in codes])
    job_id = jobs_service.start_job("rescore", {}, None)
    drain_jobs(aws)
    job = jobs.get(job_id)
    assert job is not None and (job.status, job.total, job.done) == ("succeeded", 3, 3)


def test_a_chunk_failing_on_its_last_delivery_fails_the_job(
    aws: Resources, monkeypatch: pytest.MonkeyPatch
) -> None:
    scored(1)
    from chalicelib.services import rescore_job

    def broken(job: jobs.Job, codes: Any, **collaborators: Any) -> dict[str, Any]:
        raise RuntimeError("facts table unavailable")

    monkeypatch.setattr(rescore_job, "run_chunk", broken)
    monkeypatch.setattr(jobs_service, "MAX_RECEIVE_COUNT", 2)
    job_id = jobs_service.start_job("rescore", {}, P)
    drain_jobs(aws)

    job = jobs.get(job_id)
    assert job is not None and job.status == "failed"
    assert job.error is not None and "facts table unavailable" in job.error
    assert job.done == 0


def test_chunk_messages_carry_the_contracted_fields(aws: Resources, small_chunks: None) -> None:
    codes = scored(3)
    job_id = jobs_service.start_job("rescore", {}, P)
    from chalicelib.domain.jobs import JobMessage
    from chalicelib.services.jobs import plan
    from chalicelib.wiring import job_kinds

    (plan_body,) = queued_bodies(aws)
    plan(JobMessage.model_validate(plan_body), job_kinds())
    bodies = [b for b in queued_bodies(aws) if b["step"] == "chunk"]
    assert sorted(c for b in bodies for c in b["codes"]) == sorted(codes)
    assert {b["job_id"] for b in bodies} == {job_id}
    assert sorted(b["chunk"] for b in bodies) == [0, 1]
    assert all(b["period"] == P and b["kind"] == "rescore" for b in bodies)
