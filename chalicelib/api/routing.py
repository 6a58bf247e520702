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

import contextlib
import json
from collections.abc import Callable, Collection, Mapping
from typing import Any, Final, TypeVar
from urllib.parse import unquote

from chalice.app import Blueprint, Request, Response
from pydantic import BaseModel, ValidationError

from chalicelib.api.areas import require_in_area
from chalicelib.api.auth import authenticate, authorize
from chalicelib.api.openapi import Operation
from chalicelib.api.problems import ApiProblem, Code, problem_response
from chalicelib.observability import logger
from chalicelib.settings import api_settings

OPERATIONS: list[Operation] = []

H = TypeVar("H", bound=Callable[..., Any])
_FIELD_CODES = {
    "period": Code.INVALID_PERIOD,
    "limit": Code.INVALID_LIMIT,
    "next_token": Code.INVALID_TOKEN,
    "filename": Code.INVALID_FILENAME,
}


# pydantic's error kinds in Chinese, for the staff who read `detail_zh` (others keep pydantic's English)
_ZH_ERRORS: Final = {
    "extra_forbidden": "不是本接口接受的参数",
    "missing": "为必填项",
    "int_parsing": "须为整数",
    "int_type": "须为整数",
    "int_from_float": "须为整数",
    "float_parsing": "须为数字",
    "decimal_parsing": "须为数字",
    "bool_parsing": "须为 true 或 false",
    "string_type": "须为字符串",
    "string_too_short": "过短（至少 {min_length} 个字符）",
    "string_too_long": "过长（至多 {max_length} 个字符）",
    "string_pattern_mismatch": "格式不符",
    "greater_than": "须大于 {gt}",
    "greater_than_equal": "须不小于 {ge}",
    "less_than": "须小于 {lt}",
    "less_than_equal": "须不大于 {le}",
    "literal_error": "须为以下之一：{expected}",
    "enum": "须为以下之一：{expected}",
    "date_parsing": "须为日期（YYYY-MM-DD）",
    "date_from_datetime_parsing": "须为日期（YYYY-MM-DD）",
    "list_type": "须为列表",
    "dict_type": "须为对象",
}


def invalid(exc: ValidationError, fallback: Code) -> ApiProblem:
    """A pydantic error as a 400 naming the first faulty field (an unknown one: `fallback`, whatever
    its name)."""
    first = exc.errors(include_url=False, include_input=False)[0]
    field = ".".join(str(p) for p in first["loc"]) or "(body)"
    kind = first["type"]
    name = str(first["loc"][0]) if first["loc"] and kind != "extra_forbidden" else ""
    code = _FIELD_CODES.get(name, fallback)
    said = f"无效：{first['msg']}"
    if kind in _ZH_ERRORS:
        with contextlib.suppress(KeyError, IndexError):  # a context pydantic did not give: the English
            said = _ZH_ERRORS[kind].format(**first.get("ctx", {}))
    return ApiProblem(code, f"{field}: {first['msg']}", f"参数 {field} {said}")


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


MAX_JSON_DEPTH = 32  # nesting of a body: the deepest a route takes (a criteria tree) is about 20


def _depth(value: Any) -> int:
    """The nesting depth of parsed JSON, without recursion (a hostile body may be deep)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            deepest = max(deepest, depth)
            if depth <= MAX_JSON_DEPTH:
                stack.extend(
                    (child, depth + 1) for child in (node.values() if isinstance(node, dict) else node)
                )
    return deepest


def parse_json(raw: bytes | str, empty: Any = None) -> Any:
    """A body as parsed JSON (`empty` for a blank one); 400 INVALID_BODY when it is not JSON or nests
    deeper than MAX_JSON_DEPTH (a RecursionError here or in any later walk would be a 500)."""
    if not raw.strip():
        return empty
    cause: RecursionError | None = None
    try:
        parsed = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ApiProblem(Code.INVALID_BODY, "the body is not JSON", "请求体不是合法的 JSON") from exc
    except RecursionError as exc:
        parsed, cause = None, exc
    if cause is not None or _depth(parsed) > MAX_JSON_DEPTH:
        raise ApiProblem(
            Code.INVALID_BODY,
            f"the body nests deeper than {MAX_JSON_DEPTH} levels",
            f"请求体的嵌套超过 {MAX_JSON_DEPTH} 层",
        ) from cause
    return parsed


def json_body(request: Request) -> Any:
    """The request body as parsed JSON (an empty body is `{}`); not JSON, or too deep, is a 400."""
    return parse_json(request.raw_body or b"", {})


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
        problems: Collection[int] = (),
        files: Collection[str] = (),
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
                    problems=tuple(problems),
                    files=tuple(files),
                )
            )

            def view(**path_params: str) -> Response:
                try:
                    request = self.blueprint.current_request
                    settings = api_settings()  # MissingTokenSecretError outside the local stage
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
