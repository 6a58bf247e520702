"""A list's region and zone filters after the caller's area (contract 15, 19.1): one helper for every list
that takes `region` and `zone` (the whitelist, rankings, indicator statistics, support)."""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

from chalicelib.api.areas import list_scope
from chalicelib.api.auth import Principal
from chalicelib.services import zones


class _Filtered(Protocol):
    @property
    def region(self) -> Any: ...

    @property
    def zone(self) -> Any: ...

    def model_copy(self, *, update: dict[str, Any] | None = None, deep: bool = False) -> Any: ...


P = TypeVar("P", bound=_Filtered)


def scoped(principal: Principal, params: P) -> P:
    """`params` with `region` and `zone` narrowed to the caller's area; ApiProblem 403 OUTSIDE_AREA when a
    filter reaches outside it."""
    if principal.area.whole:
        return params
    scope = list_scope(principal, params.region, params.zone, zones.zone_cities)
    narrowed: P = params.model_copy(update={"region": scope.region, "zone": scope.zone})
    return narrowed
