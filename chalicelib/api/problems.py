"""Errors as `application/problem+json` (RFC 9457) with stable codes, in Chinese and English.

`type`, `title`, `status`, `detail` and `code` are the contract's fields; `detail_zh` is an extension
member for department staff. A code never changes meaning: clients branch on it, not on the text.
"""

from __future__ import annotations

from enum import StrEnum

from chalice.app import Response
from pydantic import BaseModel, ConfigDict

PROBLEM_JSON = "application/problem+json"
TYPE_PREFIX = "urn:innovation-points:problem:"


class Code(StrEnum):
    MISSING_CREDENTIALS = "MISSING_CREDENTIALS"
    INVALID_API_KEY = "INVALID_API_KEY"
    FORBIDDEN = "FORBIDDEN"
    INVALID_PARAMETER = "INVALID_PARAMETER"
    INVALID_PERIOD = "INVALID_PERIOD"
    INVALID_LIMIT = "INVALID_LIMIT"
    INVALID_TOKEN = "INVALID_TOKEN"
    INVALID_CREDIT_CODE = "INVALID_CREDIT_CODE"
    CREDIT_CODE_CHECKSUM = "CREDIT_CODE_CHECKSUM"
    INVALID_BODY = "INVALID_BODY"
    INVALID_FILENAME = "INVALID_FILENAME"
    ENTERPRISE_NOT_FOUND = "ENTERPRISE_NOT_FOUND"
    PERIOD_NOT_SCORED = "PERIOD_NOT_SCORED"
    BATCH_NOT_FOUND = "BATCH_NOT_FOUND"
    INTERNAL_ERROR = "INTERNAL_ERROR"
    CONSOLE_FILE_NOT_FOUND = "CONSOLE_FILE_NOT_FOUND"


# code -> (status, English title, Chinese title)
_CATALOGUE: dict[Code, tuple[int, str, str]] = {
    Code.MISSING_CREDENTIALS: (401, "Missing credentials", "缺少 API 密钥"),
    Code.INVALID_API_KEY: (401, "Unknown or revoked API key", "API 密钥无效或已吊销"),
    Code.FORBIDDEN: (403, "Not allowed for this role", "当前角色无权访问"),
    Code.INVALID_PARAMETER: (400, "Invalid parameter", "参数无效"),
    Code.INVALID_PERIOD: (400, "Invalid period", "年度无效"),
    Code.INVALID_LIMIT: (400, "Invalid limit", "limit 取值无效（1–500）"),
    Code.INVALID_TOKEN: (400, "Invalid page token", "分页令牌无效"),
    Code.INVALID_CREDIT_CODE: (400, "Invalid credit code", "统一社会信用代码格式错误"),
    Code.CREDIT_CODE_CHECKSUM: (400, "Credit code check character mismatch", "统一社会信用代码校验位错误"),
    Code.INVALID_BODY: (400, "Invalid request body", "请求体无效"),
    Code.INVALID_FILENAME: (400, "Invalid file name", "文件名无效"),
    Code.ENTERPRISE_NOT_FOUND: (404, "Enterprise not found", "未找到该企业的积分"),
    Code.PERIOD_NOT_SCORED: (404, "No score for this period", "该企业在该年度没有积分"),
    Code.BATCH_NOT_FOUND: (404, "Batch not found", "未找到该批次"),
    Code.INTERNAL_ERROR: (500, "Internal error", "服务内部错误"),
    Code.CONSOLE_FILE_NOT_FOUND: (404, "No such console file", "控制台文件不存在"),
}


class ProblemBody(BaseModel):
    """The JSON body of every error response."""

    model_config = ConfigDict(extra="forbid")

    type: str
    title: str
    status: int
    detail: str
    code: str
    detail_zh: str


class ApiProblem(Exception):
    """An error the API answers with; raised anywhere below the handlers, turned into a response once."""

    def __init__(self, code: Code, detail: str | None = None, detail_zh: str | None = None) -> None:
        status, title, title_zh = _CATALOGUE[code]
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
    return _CATALOGUE[code][0]


def problem_response(problem: ApiProblem) -> Response:
    return Response(
        body=problem.body().model_dump_json(),
        status_code=problem.status,
        headers={"Content-Type": PROBLEM_JSON},
    )
