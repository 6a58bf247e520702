"""Batch reports: what became of each upload, row by row."""

from __future__ import annotations

from dataclasses import replace

from chalicelib.api import queries
from chalicelib.api.auth import ADMIN, DEPARTMENT, ZONE, Principal, department_ids
from chalicelib.api.problems import ApiProblem, Code
from chalicelib.api.routing import Routes
from chalicelib.api.schemas import BatchesParams, BatchPage, NoParams
from chalicelib.domain.validation.report import BatchReport
from chalicelib.services.model_registry import active_version
from chalicelib.settings import Settings

routes = Routes(__name__)


@routes(
    "/batches/{batch_id}",
    "GET",
    roles=(ADMIN, DEPARTMENT),
    response=BatchReport,
    params=NoParams,
    not_found=True,
    summary="A batch report (admin, or the uploading department)",
)
def batch(principal: Principal, settings: Settings, params: NoParams, batch_id: str) -> BatchReport:
    return queries.batch(batch_id, principal, department_ids(active_version()))


@routes(
    "/batches",
    "GET",
    roles=(ADMIN, DEPARTMENT, ZONE),
    response=BatchPage,
    params=BatchesParams,
    summary="The batches of one uploaded key, newest first",
)
def batches(principal: Principal, settings: Settings, params: BatchesParams) -> BatchPage:
    if principal.role == ZONE:  # a zone reads the reports of its own unit lists (contract 19.1)
        if not params.key.startswith(f"zones/{principal.org}/"):
            raise ApiProblem(
                Code.FORBIDDEN, "this batch belongs to another zone", "该批次属于其他园区，无权查看"
            )
        principal = replace(principal, role=ADMIN)
    return queries.batches(params, principal, department_ids(active_version()), settings.token_secret)
