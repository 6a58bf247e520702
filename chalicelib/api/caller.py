"""GET /me: who the key belongs to, so that a client (the console's sign-in) can greet and guide its user.

What the caller may *use* is in GET /openapi.json (`x-roles` of each operation); this route only says
who the caller is. It reveals nothing the key's holder does not already know.
"""

from __future__ import annotations

from typing import Literal, cast

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.api.auth import ANY_ROLE, Principal
from chalicelib.api.routing import Routes
from chalicelib.api.schemas import NoParams
from chalicelib.domain.areas import AreaKind
from chalicelib.settings import Settings

routes = Routes(__name__)


Kind = Literal["admin", "bank", "investor", "department", "city", "zone", "enterprise"]


class AreaOut(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: AreaKind
    key: str | None = Field(description="the city code, zone id or credit code; null for the province")


class CallerOut(BaseModel):
    model_config = ConfigDict(frozen=True)

    role: str = Field(description="admin, bank, investor, city, zone, enterprise or department:<id>")
    kind: Kind
    department: str | None = Field(description="the department id of a department key")
    org: str | None = Field(
        description="a bank's or investor's institution, a department's id, a city, a zone or a credit code"
    )
    label: str | None
    via: Literal["api_key", "iam"]
    area: AreaOut = Field(description="what the key may see: the province, a city, a zone or one enterprise")


def caller_of(principal: Principal) -> CallerOut:
    department = principal.department
    kind: Kind = "department" if department is not None else cast(Kind, principal.role)
    area = principal.area
    return CallerOut(
        role=principal.role,
        kind=kind,
        department=department,
        org=principal.org or department,
        label=principal.label,
        via=principal.via,
        area=AreaOut(kind=area.kind, key=area.key),
    )


@routes("/me", "GET", roles=(ANY_ROLE,), response=CallerOut, params=NoParams, summary="Who the caller is")
def me(principal: Principal, settings: Settings, params: NoParams) -> CallerOut:
    return caller_of(principal)
