"""A job's plan is persisted before its chunks are sent: a plan step redelivered after a crash sends the
same chunks again (same numbers, same enterprises), however the scored enterprises changed meanwhile."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pytest

from chalicelib.domain.jobs import JobMessage
from chalicelib.services import jobs as jobs_service
from chalicelib.settings import get_settings
from chalicelib.stores import jobs
from chalicelib.wiring import job_kinds
from scripts.provision import Resources
from tests.aws.jobs_helpers import drain_jobs
from tests.aws.rescore_helpers import MID, P, enterprise, rescore


@pytest.fixture
def one_per_chunk(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("JOB_CHUNK_SIZE", "1")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_a_redelivered_plan_sends_the_chunks_it_first_planned(
    aws: Resources, one_per_chunk: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    codes = [enterprise(i, MID) for i in (5, 6, 7)]
    rescore([(c, P) for c in codes])
    send = jobs_service.send_job_messages
    sent: dict[int, set[tuple[str, ...]]] = {}
    crash = [True]

    def sending(messages: Iterable[JobMessage]) -> int:
        count = 0
        for message in messages:
            if message.step == "chunk":
                assert message.chunk is not None
                sent.setdefault(message.chunk, set()).add(tuple(message.codes))
            count += send([message])
            if crash[0] and message.step == "chunk":
                crash[0] = False
                raise RuntimeError("the Lambda died after its first chunk message")
        return count

    monkeypatch.setattr(jobs_service, "send_job_messages", sending)
    job_id = jobs_service.start_job("rescore", {}, P)
    with pytest.raises(RuntimeError):  # the plan step's first delivery dies after one chunk message
        plan = JobMessage(job_id=job_id, kind="rescore", step="plan", period=P)
        jobs_service.handle_message(plan, job_kinds())
    early = enterprise(1, MID)  # before its redelivery another enterprise is scored, sorting first
    rescore([(early, P)])
    assert early < min(codes)
    drain_jobs(aws)  # the plan message again, and every chunk

    assert all(len(contents) == 1 for contents in sent.values()), sent  # never two contents for one number
    job = jobs.get(job_id)
    assert job is not None and job.status == "succeeded"
    assert (job.total, job.done, job.chunks) == (3, 3, 3)
    assert sorted(c for contents in sent.values() for (c,) in contents) == sorted(codes)
