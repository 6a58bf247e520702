"""GET /me: who the key belongs to, so that a client (the console's sign-in) can greet and guide its user.

What the caller may *use* is in GET /openapi.json (`x-roles` of each operation); this route only says
who the caller is. It reveals nothing the key's holder does not already know.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.api.auth import ADMIN, ANY_ROLE, BANK, Principal
from chalicelib.api.routing import Routes
from chalicelib.api.schemas import NoParams
from chalicelib.settings import Settings

routes = Routes(__name__)


class CallerOut(BaseModel):
    model_config = ConfigDict(frozen=True)

    role: str = Field(description="admin, bank or department:<id>")
    kind: Literal["admin", "bank", "department"]
    department: str | None = Field(description="the department id of a department key")
    org: str | None = Field(description="the institution of a bank key, the department of a department key")
    label: str | None
    via: Literal["api_key", "iam"]


def caller_of(principal: Principal) -> CallerOut:
    department = principal.department
    kind: Literal["admin", "bank", "department"] = (
        "admin" if principal.role == ADMIN else "bank" if principal.role == BANK else "department"
    )
    # a bank key's institution arrives with contract section 7; until then a bank has none
    org = getattr(principal, "org", None) or department
    return CallerOut(
        role=principal.role,
        kind=kind,
        department=department,
        org=org if isinstance(org, str) else None,
        label=principal.label,
        via=principal.via,
    )


@routes("/me", "GET", roles=(ANY_ROLE,), response=CallerOut, params=NoParams, summary="Who the caller is")
def me(principal: Principal, settings: Settings, params: NoParams) -> CallerOut:
    return caller_of(principal)
