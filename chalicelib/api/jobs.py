"""GET /jobs/{job_id}: how far a job (backtest, activation, full rescore, policy publishing) has come."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from chalicelib.api.auth import ADMIN, DEPARTMENT, Principal
from chalicelib.api.problems import ApiProblem, Code
from chalicelib.api.routing import Routes
from chalicelib.api.schemas import NoParams
from chalicelib.settings import Settings
from chalicelib.stores import jobs

routes = Routes(__name__)


class JobOut(BaseModel):
    """Contract 11: `status`, `done` and `total` (enterprises), `result` once succeeded."""

    model_config = ConfigDict(frozen=True)

    job_id: str
    kind: str
    status: Literal["running", "succeeded", "failed"]
    period: int | None
    done: int
    total: int
    planned: bool  # false while the enterprises are still being enumerated (`total` not yet known)
    result: dict[str, Any] | None
    error: str | None
    created_at: str
    finished_at: str | None


@routes(
    "/jobs/{job_id}",
    "GET",
    roles=(ADMIN, DEPARTMENT),
    response=JobOut,
    params=NoParams,
    not_found=True,
    summary="A job's progress and result",
)
def job(principal: Principal, settings: Settings, params: NoParams, job_id: str) -> JobOut:
    found = jobs.get(job_id) if 0 < len(job_id) <= 64 else None
    if found is not None and principal.role != ADMIN and found.started_by != principal.key_id:
        found = None  # contract 13.1: admin and the key that started it; to anyone else it does not exist
    if found is None:
        raise ApiProblem(Code.JOB_NOT_FOUND, f"no job {job_id}", f"没有编号为 {job_id} 的任务")
    return JobOut(
        job_id=found.job_id,
        kind=found.kind,
        status=found.status,
        period=found.period,
        done=found.done,
        total=found.total,
        planned=found.planned,
        result=found.result,
        error=found.error,
        created_at=found.created_at,
        finished_at=found.finished_at,
    )
