"""Errors as `application/problem+json` (RFC 9457) with stable codes, in Chinese and English.

The codes and their titles are in the one catalogue, `chalicelib/domain/messages.py` (`Code`, `PROBLEMS`).

`type`, `title`, `status`, `detail` and `code` are the contract's fields; `detail_zh` is an extension
member for department staff. A code never changes meaning: clients branch on it, not on the text.
"""

from __future__ import annotations

import json
from typing import Any

from chalice.app import Response
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.domain.messages import PROBLEMS, Code

PROBLEM_JSON = "application/problem+json"
TYPE_PREFIX = "urn:innovation-points:problem:"


__all__ = ["PROBLEM_JSON", "ApiProblem", "Code", "ProblemBody", "problem_response", "status_of"]


class ProblemBody(BaseModel):
    """The JSON body of every error response."""

    model_config = ConfigDict(extra="forbid")

    type: str
    title: str
    status: int
    detail: str
    code: str
    detail_zh: str
    # every fault of a request, where a route reports them all at once (a model, a what-if)
    errors: list[dict[str, Any]] | None = Field(default=None, exclude_if=lambda v: v is None)


class ApiProblem(Exception):
    """An error the API answers with; raised anywhere below the handlers, turned into a response once."""

    def __init__(self, code: Code, detail: str | None = None, detail_zh: str | None = None) -> None:
        status, title, title_zh = PROBLEMS[code]
        super().__init__(f"{code}: {detail or title}")
        self.code = code
        self.status = status
        self.title = title
        self.detail = detail or title
        self.detail_zh = detail_zh or title_zh

    def body(self) -> ProblemBody:
        return ProblemBody(
            type=TYPE_PREFIX + self.code,
            title=self.title,
            status=self.status,
            detail=self.detail,
            code=self.code,
            detail_zh=self.detail_zh,
        )


def status_of(code: Code) -> int:
    return PROBLEMS[code][0]


def problem_response(problem: ApiProblem) -> Response:
    return Response(
        body=problem.body().model_dump_json(),
        status_code=problem.status,
        headers={"Content-Type": PROBLEM_JSON},
    )


def problem_response_with(problem: ApiProblem, **members: Any) -> Response:
    """A problem+json response with extension members (e.g. `errors`: every fault of a request)."""
    body = {**problem.body().model_dump(), **members}
    return Response(
        body=json.dumps(body, ensure_ascii=False, default=str),
        status_code=problem.status,
        headers={"Content-Type": PROBLEM_JSON},
    )
