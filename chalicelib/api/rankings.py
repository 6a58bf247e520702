"""The whitelist (白名单) and rankings of a period, merged across the city shards of the score index."""

from __future__ import annotations

from chalicelib.api import queries
from chalicelib.api.auth import ADMIN, BANK, CITY, ZONE, Principal
from chalicelib.api.routing import Routes
from chalicelib.api.schemas import RankingsPage, RankingsParams, WhitelistPage, WhitelistParams
from chalicelib.api.zone_filters import scoped
from chalicelib.settings import Settings

routes = Routes(__name__)


@routes(
    "/whitelist",
    "GET",
    roles=(ADMIN, BANK, CITY, ZONE),
    response=WhitelistPage,
    params=WhitelistParams,
    summary="The whitelist (白名单) of a period (default: the latest scored period)",
)
def whitelist(principal: Principal, settings: Settings, params: WhitelistParams) -> WhitelistPage:
    return queries.whitelist(scoped(principal, params), settings.token_secret)


@routes(
    "/rankings",
    "GET",
    roles=(ADMIN, BANK, CITY, ZONE),
    response=RankingsPage,
    params=RankingsParams,
    summary="Ranks within the filtered set, score descending, then credit code",
)
def rankings(principal: Principal, settings: Settings, params: RankingsParams) -> RankingsPage:
    return queries.rankings(scoped(principal, params), settings.token_secret)
