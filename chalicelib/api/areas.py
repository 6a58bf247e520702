"""The one area check of every read path (contract 15, 16): inside the caller's area or not at all.

`routing.Routes` calls `require_in_area` for every route with a `{credit_code}` in its path, before the
handler runs, so no enterprise-level route can forget it; routes that name the enterprise in a body
(what-if, objections) call it themselves. Lists call `list_scope` for the filters they may apply.
Outside the area a single enterprise is 404 (never 403: no existence leak); a filter reaching outside
it is 403 `OUTSIDE_AREA`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from chalicelib.api.auth import Principal
from chalicelib.api.problems import ApiProblem, Code
from chalicelib.domain import creditcode
from chalicelib.domain.areas import OutsideAreaError, Scope
from chalicelib.services.areas import location_of


def _not_found(code: str) -> ApiProblem:
    return ApiProblem(
        Code.ENTERPRISE_NOT_FOUND, f"no score for credit code {code}", f"未找到统一社会信用代码 {code} 的积分"
    )


def require_in_area(principal: Principal, raw_code: str) -> None:
    """ApiProblem 404 unless the enterprise lies in the caller's area. A malformed code is let through:
    the handler answers it 400 as for anyone."""
    area = principal.area
    code = creditcode.normalise(raw_code)
    if area.whole or creditcode.problem(code) is not None:
        return
    decided = area.contains_code(code)
    if decided is None:
        location = location_of(code)
        decided = location is not None and area.contains(location)
    if not decided:
        raise _not_found(code)


def list_scope(
    principal: Principal,
    region: str | None,
    zone: str | None = None,
    zone_cities: Callable[[str], Collection[str] | None] = lambda _zone: None,
) -> Scope:
    """The region and zone filters a list applies for this caller; ApiProblem 403 outside its area."""
    try:
        return principal.area.narrow(region, zone, zone_cities)
    except OutsideAreaError as exc:
        if principal.area.kind == "enterprise":
            raise ApiProblem(Code.FORBIDDEN, str(exc), "企业账号只能查看本企业的信息") from exc
        raise ApiProblem(Code.OUTSIDE_AREA, str(exc), f"筛选条件超出管辖范围：{exc}") from exc
