"""An enterprise's portrait (画像) and its score history."""

from __future__ import annotations

from chalicelib.api import queries
from chalicelib.api.auth import ADMIN, BANK, CITY, ENTERPRISE, INVESTOR, ZONE, Principal
from chalicelib.api.routing import Routes
from chalicelib.api.schemas import HistoryPage, HistoryParams, Portrait, PortraitParams
from chalicelib.api.support import enterprise_support
from chalicelib.settings import Settings

routes = Routes(__name__)


@routes(
    "/enterprises/{credit_code}",
    "GET",
    roles=(ADMIN, BANK, INVESTOR, CITY, ZONE, ENTERPRISE),
    response=Portrait,
    params=PortraitParams,
    not_found=True,
    summary="An enterprise's portrait (画像) for a period (default: its latest scored period)",
)
def enterprise(
    principal: Principal, settings: Settings, params: PortraitParams, credit_code: str
) -> Portrait:
    portrait = queries.portrait(credit_code, params.period)
    # admin sees the totals; a bank or investor the totals and its own records (contract 8); the
    # enterprise every record about it (contract 16)
    with_items = principal.role in (BANK, INVESTOR, ENTERPRISE)
    support = enterprise_support(principal, portrait.credit_code, with_items=with_items)
    return portrait.model_copy(update={"support": support})


@routes(
    "/enterprises/{credit_code}/history",
    "GET",
    roles=(ADMIN, BANK, INVESTOR, CITY, ZONE, ENTERPRISE),
    response=HistoryPage,
    params=HistoryParams,
    not_found=True,
    summary="Every score change of an enterprise, newest first",
)
def enterprise_history(
    principal: Principal, settings: Settings, params: HistoryParams, credit_code: str
) -> HistoryPage:
    return queries.history(credit_code, params, settings.token_secret)
