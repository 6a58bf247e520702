"""The API routes, as a Chalice Blueprint: `app.register_blueprint(bp)` in app.py.

Each handler is thin: `route` authenticates the caller, checks the role, validates the query string
and body with the route's pydantic models, calls one query function and writes the response model as
JSON. Every error leaves as `application/problem+json`. `route` also records the operation, from
which GET /openapi.json is generated.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Callable, Collection
from contextvars import ContextVar
from typing import Any, TypeVar
from urllib.parse import unquote

from chalice.app import Blueprint, Request, Response
from pydantic import BaseModel, ValidationError

from chalicelib.api import queries
from chalicelib.api.auth import ADMIN, ANY_ROLE, BANK, DEPARTMENT, Principal, authenticate, authorize
from chalicelib.api.openapi import OpenApiDocument, Operation, build_document
from chalicelib.api.problems import ApiProblem, Code, problem_response
from chalicelib.api.schemas import (
    BatchesParams,
    BatchPage,
    HistoryPage,
    HistoryParams,
    ModelOut,
    NoParams,
    Portrait,
    PortraitParams,
    RankingsPage,
    RankingsParams,
    RescoreAccepted,
    RescoreBody,
    UploadBody,
    UploadTicket,
    VerificationsPage,
    VerificationsParams,
    WhitelistPage,
    WhitelistParams,
)
from chalicelib.batch_report import BatchReport
from chalicelib.model import load_model
from chalicelib.observability import logger
from chalicelib.settings import Settings, get_settings

# The app serving the current request: a Blueprint may be registered on more than one app.
_SERVING_APP: ContextVar[Any] = ContextVar("serving_app")


class _Blueprint(Blueprint):
    """A Blueprint that can be registered on more than one app (app.py's, and a test's).

    Chalice pops the route options (methods, content types) out of a deferred registration as it
    registers it, so a second registration silently made every route GET-only; and its
    `current_request` follows the last app registered, not the one serving the request. Here each
    registration gets the options as declared, and each route knows the app it was registered on.
    """

    def _register_handler(
        self,
        handler_type: str,
        name: str,
        user_handler: Any,
        wrapped_handler: Any,
        kwargs: dict[str, Any],
        options: dict[str, Any] | None = None,
    ) -> None:
        if handler_type != "route":
            super()._register_handler(handler_type, name, user_handler, wrapped_handler, kwargs, options)
            return
        declared = copy.deepcopy(kwargs)

        def register(app: Any, app_options: dict[str, Any]) -> None:
            @functools.wraps(user_handler)
            def served_by_app(*args: Any, **kw: Any) -> Any:
                token = _SERVING_APP.set(app)
                try:
                    return user_handler(*args, **kw)
                finally:
                    _SERVING_APP.reset(token)

            app._register_handler(
                handler_type, name, served_by_app, served_by_app, copy.deepcopy(declared), app_options
            )

        self._deferred_registrations.append(register)

    @property
    def current_request(self) -> Request:
        app = _SERVING_APP.get(None)
        return app.current_request if app is not None else super().current_request


bp = _Blueprint(__name__)
OPERATIONS: list[Operation] = []

H = TypeVar("H", bound=Callable[..., BaseModel])
_FIELD_CODES = {
    "period": Code.INVALID_PERIOD,
    "limit": Code.INVALID_LIMIT,
    "next_token": Code.INVALID_TOKEN,
    "filename": Code.INVALID_FILENAME,
}


def _invalid(exc: ValidationError, fallback: Code) -> ApiProblem:
    first = exc.errors(include_url=False, include_input=False)[0]
    field = ".".join(str(p) for p in first["loc"]) or "(body)"
    code = _FIELD_CODES.get(str(first["loc"][0]) if first["loc"] else "", fallback)
    return ApiProblem(code, f"{field}: {first['msg']}", f"参数 {field} 无效：{first['msg']}")


def _query(request: Request) -> dict[str, str]:
    """The query string as single values; a repeated parameter is a 400, an empty one is absent."""
    params = request.query_params
    if not params:
        return {}
    out: dict[str, str] = {}
    for name in params:
        values = params.getlist(name)
        if len(values) != 1:
            raise ApiProblem(Code.INVALID_PARAMETER, f"{name}: give it once", f"参数 {name} 只能出现一次")
        if values[0] != "":
            out[name] = values[0]
    return out


def _parse_params(model: type[BaseModel], request: Request) -> BaseModel:
    try:
        return model.model_validate(_query(request))
    except ValidationError as exc:
        raise _invalid(exc, Code.INVALID_PARAMETER) from exc


def _parse_body(model: type[BaseModel], request: Request) -> BaseModel:
    raw = request.raw_body or b""
    try:
        data = json.loads(raw) if raw.strip() else {}
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ApiProblem(Code.INVALID_BODY, "the body is not JSON", "请求体不是合法的 JSON") from exc
    if not isinstance(data, dict):
        raise ApiProblem(Code.INVALID_BODY, "the body must be a JSON object", "请求体必须是 JSON 对象")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _invalid(exc, Code.INVALID_BODY) from exc


def route(
    path: str,
    method: str,
    *,
    roles: Collection[str],
    response: type[BaseModel],
    summary: str,
    params: type[BaseModel] | None = None,
    body: type[BaseModel] | None = None,
    status: int = 200,
    not_found: bool = False,
) -> Callable[[H], H]:
    """Register `handler(principal=, settings=, [params=], [body=], **path_params)` on the Blueprint."""

    def register(handler: H) -> H:
        OPERATIONS.append(
            Operation(
                path=path,
                method=method,
                name=handler.__name__,
                summary=summary,
                roles=tuple(roles),
                response=response,
                status=status,
                params=params,
                body=body,
                not_found=not_found,
            )
        )

        def view(**path_params: str) -> Response:
            try:
                request = bp.current_request
                settings = get_settings()
                principal = authenticate(request.headers, request.context, settings)
                authorize(principal, roles)
                # API Gateway (REST) and chalice local pass path parameters still percent-encoded
                kwargs: dict[str, Any] = {k: unquote(v) for k, v in path_params.items()}
                if params is not None:
                    kwargs["params"] = _parse_params(params, request)
                if body is not None:
                    kwargs["body"] = _parse_body(body, request)
                result = handler(principal=principal, settings=settings, **kwargs)
                return Response(
                    body=result.model_dump_json(),
                    status_code=status,
                    headers={"Content-Type": "application/json"},
                )
            except ApiProblem as problem:
                return problem_response(problem)
            except Exception:  # every other fault is ours: log it, answer problem+json, leak nothing
                logger.exception("unhandled error in %s %s", method, path)
                return problem_response(ApiProblem(Code.INTERNAL_ERROR))

        view.__name__ = handler.__name__
        bp.route(path, methods=[method])(view)
        return handler

    return register


def _departments(settings: Settings) -> frozenset[str]:
    return frozenset(d.id for d in load_model(settings.model_version).departments)


# --- routes ----------------------------------------------------------------------------------


@route("/openapi.json", "GET", roles=(ANY_ROLE,), response=OpenApiDocument, summary="This document")
def openapi_document(principal: Principal, settings: Settings) -> OpenApiDocument:
    return OpenApiDocument(
        build_document(OPERATIONS, title="innovation-points", version=settings.model_version)
    )


@route("/model", "GET", roles=(ANY_ROLE,), response=ModelOut, params=NoParams, summary="The active model")
def model(principal: Principal, settings: Settings, params: NoParams) -> ModelOut:
    return queries.model_out(load_model(settings.model_version))


@route(
    "/enterprises/{credit_code}",
    "GET",
    roles=(ADMIN, BANK),
    response=Portrait,
    params=PortraitParams,
    not_found=True,
    summary="An enterprise's portrait (画像) for a period (default: its latest scored period)",
)
def enterprise(
    principal: Principal, settings: Settings, params: PortraitParams, credit_code: str
) -> Portrait:
    return queries.portrait(credit_code, params.period)


@route(
    "/enterprises/{credit_code}/history",
    "GET",
    roles=(ADMIN, BANK),
    response=HistoryPage,
    params=HistoryParams,
    not_found=True,
    summary="Every score change of an enterprise, newest first",
)
def enterprise_history(
    principal: Principal, settings: Settings, params: HistoryParams, credit_code: str
) -> HistoryPage:
    return queries.history(credit_code, params, settings.token_secret)


@route(
    "/whitelist",
    "GET",
    roles=(ADMIN, BANK),
    response=WhitelistPage,
    params=WhitelistParams,
    summary="The whitelist (白名单) of a period (default: the latest scored period)",
)
def whitelist(principal: Principal, settings: Settings, params: WhitelistParams) -> WhitelistPage:
    return queries.whitelist(params, settings.token_secret)


@route(
    "/rankings",
    "GET",
    roles=(ADMIN, BANK),
    response=RankingsPage,
    params=RankingsParams,
    summary="Ranks within the filtered set, score descending, then credit code",
)
def rankings(principal: Principal, settings: Settings, params: RankingsParams) -> RankingsPage:
    return queries.rankings(params, settings.token_secret)


@route(
    "/batches/{batch_id}",
    "GET",
    roles=(ADMIN, DEPARTMENT),
    response=BatchReport,
    params=NoParams,
    not_found=True,
    summary="A batch report (admin, or the uploading department)",
)
def batch(principal: Principal, settings: Settings, params: NoParams, batch_id: str) -> BatchReport:
    return queries.batch(batch_id, principal, _departments(settings))


@route(
    "/batches",
    "GET",
    roles=(ADMIN, DEPARTMENT),
    response=BatchPage,
    params=BatchesParams,
    summary="The batches of one uploaded key, newest first",
)
def batches(principal: Principal, settings: Settings, params: BatchesParams) -> BatchPage:
    return queries.batches(params, principal, _departments(settings), settings.token_secret)


@route(
    "/verifications",
    "GET",
    roles=(ADMIN,),
    response=VerificationsPage,
    params=VerificationsParams,
    summary="Cross-check discrepancies against `stats` (多源校核) of a period",
)
def verifications(principal: Principal, settings: Settings, params: VerificationsParams) -> VerificationsPage:
    return queries.verifications(params, settings.token_secret)


@route(
    "/rescore",
    "POST",
    roles=(ADMIN,),
    response=RescoreAccepted,
    body=RescoreBody,
    status=202,
    summary="Rescore every enterprise (of one period, or of all)",
)
def request_rescore(principal: Principal, settings: Settings, body: RescoreBody) -> RescoreAccepted:
    from chalicelib.rescore import request_full_rescore  # the rescore service loads only when used

    return RescoreAccepted(period=body.period, queued=request_full_rescore(body.period))


@route(
    "/uploads",
    "POST",
    roles=(DEPARTMENT,),
    response=UploadTicket,
    body=UploadBody,
    summary="A presigned POST for the caller's department folder, size-capped",
)
def upload(principal: Principal, settings: Settings, body: UploadBody) -> UploadTicket:
    from chalicelib.api.uploads import presigned_upload

    department = principal.department
    if department is None or department not in _departments(settings):
        raise ApiProblem(Code.FORBIDDEN, "only a department may upload", "只有数据报送部门可以上传")
    return presigned_upload(department, body.filename, settings)
