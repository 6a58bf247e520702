"""The OpenAPI 3.1 document, generated from the route registry and the pydantic models of `schemas`.

Every route of the Blueprint is registered through `routes.route`, which records an `Operation`;
this module turns those records into the document served by GET /openapi.json. A test compares the
document with the routes Chalice actually serves, so neither can change without the other.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, RootModel

from chalicelib.api.problems import PROBLEM_JSON, ProblemBody
from chalicelib.api.schemas import Health

OPENAPI_VERSION = "3.1.0"
_REF = "#/components/schemas/{model}"
_PATH_PARAM = re.compile(r"{(\w+)}")
_ERROR_TEXT = {
    400: "invalid parameter, body, credit code, period, limit or token",
    401: "missing or unknown credentials",
    403: "the caller's role may not do this",
    404: "not found",
    409: "the resource's state does not allow this (see `code`)",
    413: "the body is too large",
    415: "the body is not of a media type this route takes (Chalice's own answer)",
    500: "internal error",
}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# answers that are files, not JSON: documented as strings (text or binary)
FILE_SCHEMAS: dict[str, dict[str, str]] = {
    "text/csv": {"type": "string"},
    XLSX: {"type": "string", "format": "binary"},
}
_UNSUPPORTED_MEDIA = {
    "type": "object",
    "properties": {"Code": {"type": "string"}, "Message": {"type": "string"}},
}


class OpenApiDocument(RootModel[dict[str, Any]]):
    """The document itself, as a response model."""


@dataclass(frozen=True)
class Operation:
    path: str
    method: str  # upper case
    name: str
    summary: str
    roles: tuple[str, ...]  # empty: public
    response: type[BaseModel]
    status: int = 200
    params: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    not_found: bool = False
    content_type: str = "application/json"  # what a `raw` route answers (text/html for the console)
    # other successful answers of a `raw` route: status -> body (POST /support: 200 for an update or a batch)
    also: tuple[tuple[int, type[BaseModel]], ...] = ()
    problems: tuple[int, ...] = ()  # error statuses beyond 400/401/403/404/500 (409 conflicts, 413)
    files: tuple[str, ...] = ()  # other media types of the successful answer (a snapshot as XLSX)

    @property
    def path_parameters(self) -> list[str]:
        return _PATH_PARAM.findall(self.path)


# Routes that app.py serves itself but that belong in the document.
APP_OPERATIONS: tuple[Operation, ...] = (
    Operation("/health", "GET", "health", "Liveness and the active model version", (), Health),
)


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query parameter is present or absent, never null: drop pydantic's `anyOf [..., null]`."""
    variants = schema.get("anyOf")
    if variants:
        rest = [v for v in variants if v != {"type": "null"}]
        if len(rest) == 1:
            merged = {k: v for k, v in schema.items() if k != "anyOf"}
            return {**rest[0], **merged}
    return schema


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(mode="validation")
    required = set(schema.get("required", []))
    out = []
    for name, prop in schema.get("properties", {}).items():
        prop = _without_null({k: v for k, v in prop.items() if k != "title"})
        if prop.get("default", 0) is None:
            del prop["default"]
        param: dict[str, Any] = {"name": name, "in": "query", "required": name in required, "schema": prop}
        if "description" in prop:
            param["description"] = prop["description"]
        out.append(param)
    return out


class _Components:
    def __init__(self) -> None:
        self.schemas: dict[str, Any] = {}

    def ref(self, model: type[BaseModel], mode: str) -> dict[str, str]:
        schema = model.model_json_schema(mode=mode, ref_template=_REF)  # type: ignore[arg-type]
        self.schemas.update(schema.pop("$defs", {}))
        name = model.__name__
        self.schemas[name] = schema
        return {"$ref": _REF.format(model=name)}


def _operation(op: Operation, components: _Components) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "operationId": op.name,
        "summary": op.summary,
        "x-roles": list(op.roles),
        "parameters": [
            {
                "name": p,
                "in": "path",
                "required": True,
                "schema": {"type": "string", "minLength": 1, "maxLength": 256},
            }
            for p in op.path_parameters
        ],
        "responses": {
            str(op.status): {
                "description": "OK" if op.status == 200 else "Accepted",
                "content": {op.content_type: {"schema": _success_schema(op, components)}},
            }
        },
    }
    for media in op.files:
        doc["responses"][str(op.status)]["content"][media] = {"schema": FILE_SCHEMAS[media]}
    for status, body in op.also:
        doc["responses"][str(status)] = {
            "description": "OK",
            "content": {op.content_type: {"schema": components.ref(body, "serialization")}},
        }
    if op.params is not None:
        doc["parameters"] += _query_parameters(op.params)
    if op.body is not None:
        doc["requestBody"] = {
            "required": False,
            "content": {"application/json": {"schema": components.ref(op.body, "validation")}},
        }
    problem = {PROBLEM_JSON: {"schema": components.ref(ProblemBody, "serialization")}}
    codes: list[int] = []
    if op.roles:
        codes += [400, 401, 403]
        if op.not_found:
            codes.append(404)
        codes.append(500)
    else:
        doc["security"] = []
        if op.not_found:
            codes.append(404)
    codes += [c for c in op.problems if c not in codes]
    for code in sorted(codes):
        doc["responses"][str(code)] = {"description": _ERROR_TEXT[code], "content": problem}
    if op.body is not None:
        doc["responses"]["415"] = {
            "description": _ERROR_TEXT[415],
            "content": {"application/json": {"schema": _UNSUPPORTED_MEDIA}},
        }
    return doc


def _success_schema(op: Operation, components: _Components) -> dict[str, Any]:
    media = op.content_type.split(";", 1)[0]
    return FILE_SCHEMAS.get(media) or components.ref(op.response, "serialization")


def build_document(operations: Iterable[Operation], *, title: str, version: str) -> dict[str, Any]:
    components = _Components()
    paths: dict[str, dict[str, Any]] = {}
    for op in (*APP_OPERATIONS, *operations):
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op, components)
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": title,
            "version": version,
            "description": "Jiangxi enterprise innovation points (企业创新积分制): scores, portraits, "
            "whitelist, rankings and batch reports. Every route but /health needs X-API-Key "
            "(or an IAM caller mapped to a role).",
        },
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(components.schemas.items())),
            "securitySchemes": {
                "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
                "sigv4": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "x-amazon-apigateway-authtype": "awsSigv4",
                },
            },
        },
        "security": [{"apiKey": []}, {"sigv4": []}],
    }
