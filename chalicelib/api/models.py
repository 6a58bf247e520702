"""The model's life (contract 11, 13): versions, candidates, backtests and activation."""

from __future__ import annotations

from typing import Any, Literal

from chalice.app import Response
from pydantic import BaseModel, ConfigDict, ValidationError

from chalicelib.api import queries
from chalicelib.api.auth import ADMIN, ANY_ROLE, Principal
from chalicelib.api.problems import ApiProblem, Code, problem_response_with
from chalicelib.api.routing import Routes, invalid, json_body
from chalicelib.api.schemas import ModelOut, NoParams, Period
from chalicelib.domain.model.change import ModelChange
from chalicelib.domain.model.faults import Fault
from chalicelib.services import activation
from chalicelib.services import model_registry as registry
from chalicelib.settings import Settings
from chalicelib.stores.model_registry import ActivationConflictError, DuplicateVersionError, RegisteredModel

routes = Routes(__name__)

YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")
MAX_MODEL_BYTES = 256 * 1024  # a model file is a few KB; this is a generous bound, not a target


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class ModelSummary(_Out):
    version: str
    name_zh: str
    status: Literal["active", "candidate", "retired"]
    created_at: str
    activated_at: str | None
    retired_at: str | None


class ModelList(_Out):
    items: list[ModelSummary]


class ModelVersionOut(ModelOut):
    """`GET /model`'s shape plus the version's life and its file (contract 13)."""

    status: Literal["active", "candidate", "retired"]
    created_at: str
    source: str


class FaultOut(_Out):
    line: int | None = None
    path: str | None = None
    message: str


class BacktestBody(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    period: Period


class JobAccepted(_Out):
    status: Literal["accepted"] = "accepted"
    job_id: str


def _not_found(version: str) -> ApiProblem:
    return ApiProblem(Code.MODEL_NOT_FOUND, f"no model version {version}", f"没有版本为 {version} 的评分模型")


def _version_out(registered: RegisteredModel) -> ModelVersionOut:
    model = registry.model_by_version(registered.version)
    return ModelVersionOut(
        **queries.model_out(model).model_dump(),
        status=registered.status,
        created_at=registered.created_at,
        source=registered.source,
    )


def _registered(version: str) -> RegisteredModel:
    found = next((m for m in registry.registered_models() if m.version == version), None)
    if found is None:
        raise _not_found(version)
    return found


@routes(
    "/models", "GET", roles=(ANY_ROLE,), response=ModelList, params=NoParams, summary="Every model version"
)
def models(principal: Principal, settings: Settings, params: NoParams) -> ModelList:
    return ModelList(
        items=[
            ModelSummary(
                version=m.version,
                name_zh=registry.model_by_version(m.version).name_zh,
                status=m.status,
                created_at=m.created_at,
                activated_at=m.activated_at,
                retired_at=m.retired_at,
            )
            for m in registry.registered_models()
        ]
    )


@routes(
    "/models/{version}",
    "GET",
    roles=(ANY_ROLE,),
    response=ModelVersionOut,
    params=NoParams,
    not_found=True,
    summary="One model version: its content as /model, status and file",
)
def model_version(
    principal: Principal, settings: Settings, params: NoParams, version: str
) -> ModelVersionOut:
    return _version_out(_registered(version))


def _faulty(faults: list[Fault]) -> Response:
    """400 INVALID_MODEL listing every fault (problem+json with an `errors` member)."""
    problem = ApiProblem(
        Code.INVALID_MODEL,
        f"the model has {len(faults)} fault(s): {faults[0].message}" if faults else None,
        f"评分模型有 {len(faults)} 处错误" if faults else None,
    )
    errors = [
        FaultOut(line=f.line, path=f.path, message=f.message).model_dump(exclude_none=True) for f in faults
    ]
    return problem_response_with(problem, errors=errors)


def _media_type(headers: Any) -> str:
    value = str(headers.get("content-type") or headers.get("Content-Type") or "application/json")
    return value.split(";", 1)[0].strip().lower()


@routes(
    "/models",
    "POST",
    roles=(ADMIN,),
    response=ModelVersionOut,
    status=201,
    raw=True,
    content_types=("application/json", *YAML_TYPES),
    summary="Register a candidate: a model file (YAML) or a change of a version (JSON)",
)
def register(principal: Principal, settings: Settings) -> Response:
    request = routes.current_request
    raw = request.raw_body or b""
    if len(raw) > MAX_MODEL_BYTES:
        raise ApiProblem(Code.INVALID_MODEL, "the model file is over 256 KB", "模型文件超过 256 KB")
    try:
        if _media_type(request.headers) in YAML_TYPES:
            try:
                text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
            except UnicodeDecodeError as exc:
                raise ApiProblem(
                    Code.INVALID_MODEL, "the file is not UTF-8", "模型文件不是 UTF-8 编码"
                ) from exc
            registered = registry.register_file(text)
        else:
            data = json_body(request)
            try:
                change = ModelChange.model_validate(data)
            except ValidationError as exc:
                raise invalid(exc, Code.INVALID_BODY) from exc
            registered = registry.register_change(change)
    except registry.InvalidModelError as exc:
        return _faulty(exc.faults)
    except registry.UnknownModelError as exc:
        raise ApiProblem(
            Code.MODEL_NOT_FOUND,
            f"base version {exc.version} is not registered",
            f"基础版本 {exc.version} 不存在",
        ) from exc
    except DuplicateVersionError as exc:
        raise ApiProblem(
            Code.MODEL_VERSION_EXISTS,
            f"version {exc} already exists",
            f"评分模型版本 {exc} 已存在，请使用新的版本号",
        ) from exc
    return Response(
        body=_version_out(registered).model_dump_json(),
        status_code=201,
        headers={"Content-Type": "application/json", "Location": f"/models/{registered.version}"},
    )


@routes(
    "/models/{version}/backtest",
    "POST",
    roles=(ADMIN,),
    response=JobAccepted,
    body=BacktestBody,
    status=202,
    not_found=True,
    summary="Score a period under this version and the active one; compare (a job)",
)
def backtest(principal: Principal, settings: Settings, body: BacktestBody, version: str) -> JobAccepted:
    from chalicelib.services.jobs import start_job
    from chalicelib.stores.scores import scored_enterprises

    _registered(version)
    if next(iter(scored_enterprises(body.period)), None) is None:
        raise ApiProblem(
            Code.NO_SCORES_FOR_PERIOD,
            f"no enterprise has a score for {body.period}: nothing to backtest",
            f"{body.period} 年度没有任何企业积分，无法回测",
        )
    against = registry.active_version(fresh=True)
    job_id = start_job("backtest", {"model_version": version, "against": against}, body.period)
    return JobAccepted(job_id=job_id)


@routes(
    "/models/{version}/activate",
    "POST",
    roles=(ADMIN,),
    response=JobAccepted,
    params=NoParams,
    status=202,
    not_found=True,
    summary="Make this version active, retire the old one, rescore every enterprise (a job)",
)
def activate(principal: Principal, settings: Settings, params: NoParams, version: str) -> JobAccepted:
    try:
        return JobAccepted(job_id=activation.activate(version))
    except registry.UnknownModelError as exc:
        raise _not_found(version) from exc
    except activation.ModelAlreadyActiveError as exc:
        raise ApiProblem(
            Code.MODEL_ALREADY_ACTIVE,
            f"{version} is already the active model",
            f"{version} 已是当前使用的评分模型",
        ) from exc
    except ActivationConflictError as exc:
        raise ApiProblem(
            Code.ACTIVATION_CONFLICT,
            f"another activation won while {version} was being activated; nothing was changed",
            f"启用 {version} 时另一次启用操作已先完成，本次未做任何更改",
        ) from exc
