"""How a route is declared: one `Routes` (a Chalice Blueprint) per resource module of `api/`.

The blueprints are registered on one app, app.py's (`chalicelib.api.register_routes`); tests serve that
app with `chalice.test.Client`. Only Chalice's public API is used here (`Blueprint.route`).

Each handler is thin: the `Routes` decorator authenticates the caller, checks the role, checks that a
`{credit_code}` in the path lies in the caller's area (`areas.py`), validates the query string and
body with the route's pydantic models, calls the handler and writes the response model as JSON (a
handler declared `raw=True` returns its own `Response`, for files). Every error leaves as
`application/problem+json`. Each declaration is recorded in `OPERATIONS`, from which
GET /openapi.json is generated.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping
from typing import Any, TypeVar
from urllib.parse import unquote

from chalice.app import Blueprint, Request, Response
from pydantic import BaseModel, ValidationError

from chalicelib.api.areas import require_in_area
from chalicelib.api.auth import authenticate, authorize
from chalicelib.api.openapi import Operation
from chalicelib.api.problems import ApiProblem, Code, problem_response
from chalicelib.observability import logger
from chalicelib.settings import get_settings

OPERATIONS: list[Operation] = []

H = TypeVar("H", bound=Callable[..., Any])
_FIELD_CODES = {
    "period": Code.INVALID_PERIOD,
    "limit": Code.INVALID_LIMIT,
    "next_token": Code.INVALID_TOKEN,
    "filename": Code.INVALID_FILENAME,
}


def invalid(exc: ValidationError, fallback: Code) -> ApiProblem:
    """A pydantic error as a 400 naming the first faulty field."""
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
        raise invalid(exc, Code.INVALID_PARAMETER) from exc


def json_body(request: Request) -> Any:
    """The request body as parsed JSON (an empty body is `{}`); not JSON is a 400."""
    raw = request.raw_body or b""
    try:
        return json.loads(raw) if raw.strip() else {}
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ApiProblem(Code.INVALID_BODY, "the body is not JSON", "请求体不是合法的 JSON") from exc


def _parse_body(model: type[BaseModel], request: Request) -> BaseModel:
    data = json_body(request)
    if not isinstance(data, dict):
        raise ApiProblem(Code.INVALID_BODY, "the body must be a JSON object", "请求体必须是 JSON 对象")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise invalid(exc, Code.INVALID_BODY) from exc


class Routes:
    """The routes of one resource: `routes = Routes(__name__)`, then `@routes(path, method, ...)`."""

    def __init__(self, import_name: str) -> None:
        self.blueprint = Blueprint(import_name)

    @property
    def current_request(self) -> Request:
        return self.blueprint.current_request

    def __call__(
        self,
        path: str,
        method: str,
        *,
        roles: Collection[str],
        response: type[BaseModel],
        summary: str,
        public: bool = False,
        content_type: str = "application/json",
        params: type[BaseModel] | None = None,
        body: type[BaseModel] | None = None,
        status: int = 200,
        not_found: bool = False,
        raw: bool = False,
        content_types: Collection[str] | None = None,
        documented_body: type[BaseModel] | None = None,
        also: Mapping[int, type[BaseModel]] | None = None,
    ) -> Callable[[H], H]:
        """Register `handler(principal=, settings=, [params=], [body=], **path_params)`.

        The handler returns `response` (written as JSON with `status`), or with `raw` a `Response`.
        `content_types` widens what a request body may be (JSON only by default; the handler reads other
        bodies from `current_request.raw_body`). `documented_body` describes, in the document only, the
        body of a handler that parses it itself (one record or a list of them, say), and `also` its other
        successful answers (status -> body).
        """
        # A `public` route takes no key: its `roles` are empty and its handler gets `principal=None`
        # (the console's static files); `content_type` is what the document says a `raw` route answers.
        if public != (not roles):
            raise ValueError(f"{method} {path}: a route is public (no roles) or has roles, not both")

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
                    body=body or documented_body,
                    also=tuple((also or {}).items()),
                    not_found=not_found,
                    content_type=content_type,
                )
            )

            def view(**path_params: str) -> Response:
                try:
                    request = self.blueprint.current_request
                    settings = get_settings()
                    principal = None
                    if not public:
                        principal = authenticate(request.headers, request.context, settings)
                        authorize(principal, roles)
                    # API Gateway (REST) and chalice local pass path parameters still percent-encoded
                    kwargs: dict[str, Any] = {k: unquote(v) for k, v in path_params.items()}
                    if principal is not None and "credit_code" in kwargs:
                        require_in_area(principal, kwargs["credit_code"])  # contract 15: 404 outside
                    if params is not None:
                        kwargs["params"] = _parse_params(params, request)
                    if body is not None:
                        kwargs["body"] = _parse_body(body, request)
                    result = handler(principal=principal, settings=settings, **kwargs)
                    if raw:
                        assert isinstance(result, Response)
                        return result
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
            options: dict[str, Any] = {"content_types": list(content_types)} if content_types else {}
            self.blueprint.route(path, methods=[method], **options)(view)
            return handler

        return register
