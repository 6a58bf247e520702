"""Cross-check discrepancies (多源校核): `stats` values against the scored source."""

from __future__ import annotations

from chalicelib.api import queries
from chalicelib.api.auth import ADMIN, Principal
from chalicelib.api.routing import Routes
from chalicelib.api.schemas import VerificationsPage, VerificationsParams
from chalicelib.settings import Settings

routes = Routes(__name__)


@routes(
    "/verifications",
    "GET",
    roles=(ADMIN,),
    response=VerificationsPage,
    params=VerificationsParams,
    summary="Cross-check discrepancies against `stats` (多源校核) of a period",
)
def verifications(principal: Principal, settings: Settings, params: VerificationsParams) -> VerificationsPage:
    return queries.verifications(params, settings.token_secret)
