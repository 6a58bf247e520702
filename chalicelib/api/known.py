"""404 for an enterprise the service has never seen (contract 6, 13.1), one check for the routes whose
answer would otherwise be an empty 200 (support, policies)."""

from __future__ import annotations

from chalicelib.api.problems import ApiProblem, Code
from chalicelib.services.known import ever_seen


def require_seen(code: str) -> str:
    """The code itself when the service has seen the enterprise; else ApiProblem 404."""
    if not ever_seen(code):
        raise ApiProblem(
            Code.ENTERPRISE_NOT_FOUND,
            f"no enterprise with credit code {code}",
            f"未找到统一社会信用代码为 {code} 的企业",
        )
    return code
