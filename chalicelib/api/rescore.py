"""POST /rescore: rescore every enterprise (after a model change)."""

from __future__ import annotations

from chalicelib.api.auth import ADMIN, Principal
from chalicelib.api.routing import Routes
from chalicelib.api.schemas import RescoreAccepted, RescoreBody
from chalicelib.settings import Settings

routes = Routes(__name__)


@routes(
    "/rescore",
    "POST",
    roles=(ADMIN,),
    response=RescoreAccepted,
    body=RescoreBody,
    status=202,
    summary="Rescore every enterprise (of one period, or of all)",
)
def request_rescore(principal: Principal, settings: Settings, body: RescoreBody) -> RescoreAccepted:
    from chalicelib.services.jobs import rescore_size, start_job  # the jobs service loads only when used

    queued = rescore_size(body.period)  # counted before the job exists: a failed count starts nothing
    job_id = start_job("rescore", {}, body.period, principal.key_id)
    return RescoreAccepted(period=body.period, queued=queued, job_id=job_id)
