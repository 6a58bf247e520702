"""Banks' products (积分贷, contract 18): a bank's own policy rules, offers, and the product funnel.

A product is a policy (api/policies.py serves its life); here: what a bank may write there (kind
`finance` with terms, as itself), `GET /enterprises/{code}/offers` and `GET /reports/products`.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from chalicelib.api import queries
from chalicelib.api.auth import ADMIN, BANK, CITY, ENTERPRISE, INVESTOR, ZONE, Principal
from chalicelib.api.problems import ApiProblem, Code
from chalicelib.api.report_period import report_period
from chalicelib.api.routing import Routes
from chalicelib.api.schemas import Period
from chalicelib.domain.numbers import Num
from chalicelib.domain.policies.policy import PolicyFields
from chalicelib.domain.products.funnel import TermsHonoured
from chalicelib.domain.products.terms import PRODUCT_KIND
from chalicelib.services import products as service
from chalicelib.settings import Settings
from chalicelib.stores.card_reads import latest_period_of

routes = Routes(__name__)


# --- a bank's policies are its products ---------------------------------------------------------


def bank_issuer(principal: Principal, asked: str | None) -> str:
    """A bank issues products as itself (its org); 403 for another issuer or a key without an org."""
    org = principal.org
    if org is None:
        raise ApiProblem(Code.FORBIDDEN, "this bank key belongs to no institution", "该银行密钥未绑定机构")
    if asked is not None and asked != org:
        raise ApiProblem(
            Code.FORBIDDEN,
            f"a bank issues products as itself ({org}), not as {asked}",
            f"银行只能以本机构（{org}）名义发布产品",
        )
    return org


def check_bank_body(principal: Principal, body: PolicyFields) -> None:
    """A bank writes products only: kind `finance` (403 otherwise) with product_type and terms (400)."""
    if principal.role != BANK:
        return
    if body.kind != PRODUCT_KIND:
        raise ApiProblem(
            Code.FORBIDDEN,
            f"a bank issues products (kind finance with terms), not {body.kind} policies",
            f"银行只能发布金融产品（finance，含各等级条件），不能发布 {body.kind} 类政策",
        )
    if body.terms is None:
        raise ApiProblem(
            Code.INVALID_TERMS,
            "terms: a product needs terms for at least one grade",
            "terms：产品须至少为一个等级设定条件（额度、利率、期限、担保方式）",
        )
    if body.product_type is None:
        raise ApiProblem(
            Code.INVALID_TERMS, "product_type: loan or credit_line", "product_type：须为 loan 或 credit_line"
        )


# --- offers ---------------------------------------------------------------------------------------


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OffersParams(_Params):
    period: Period | None = None


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OfferOut(_Out):
    policy_id: str
    issuer: str
    title: str
    product_type: str | None
    terms: dict[str, Any]
    reasons: list[dict[str, Any]]
    summary: str
    url: str | None
    contact: str
    valid_to: str


class OffersOut(_Out):
    credit_code: str
    period: int
    items: list[OfferOut]


@routes(
    "/enterprises/{credit_code}/offers",
    "GET",
    roles=(ENTERPRISE, BANK, INVESTOR, ADMIN, CITY, ZONE),
    response=OffersOut,
    params=OffersParams,
    not_found=True,
    summary="An enterprise's offers: the banks' products it matches now, with its grade's terms",
)
def enterprise_offers(
    principal: Principal, settings: Settings, params: OffersParams, credit_code: str
) -> OffersOut:
    code = queries.credit_code(credit_code)
    period = params.period if params.period is not None else latest_period_of(code)
    if period is None:
        raise ApiProblem(
            Code.ENTERPRISE_NOT_FOUND,
            f"no score for credit code {code}",
            f"未找到统一社会信用代码 {code} 的积分",
        )
    items = [
        OfferOut(
            policy_id=offer.policy.policy_id,
            issuer=offer.policy.issuer,
            title=offer.policy.title,
            product_type=offer.policy.product_type,
            terms=offer.terms,
            reasons=offer.reasons,
            summary=offer.policy.summary,
            url=offer.policy.url,
            contact=offer.policy.contact,
            valid_to=offer.policy.valid_to.isoformat(),
        )
        for offer in service.offers(code, period)
    ]
    return OffersOut(credit_code=code, period=period, items=items)


# --- the product funnel ---------------------------------------------------------------------------


class FunnelParams(_Params):
    period: Period | None = None


class ProductFunnelOut(_Out):
    policy_id: str
    issuer: str
    title: str
    product_type: str | None
    status: str
    matched: int
    records: dict[str, int]
    disbursed_wan: Num
    mean_rate_pct: Num | None
    terms_honoured: TermsHonoured
    decision_days_median: Num | None


class ProductsReport(_Out):
    period: int
    items: list[ProductFunnelOut]


@routes(
    "/reports/products",
    "GET",
    roles=(ADMIN, BANK, INVESTOR),
    response=ProductsReport,
    params=FunnelParams,
    not_found=True,
    summary="The product funnel: support records naming each product, by status, amounts, rates, terms kept",
)
def products_report(principal: Principal, settings: Settings, params: FunnelParams) -> ProductsReport:
    period = report_period(params.period)
    issuer = None if principal.role == ADMIN else (principal.org or "")
    items = [
        ProductFunnelOut(
            policy_id=found.policy.policy_id,
            issuer=found.policy.issuer,
            title=found.policy.title,
            product_type=found.policy.product_type,
            status=found.policy.status,
            matched=found.matched,
            records=found.funnel.records,
            disbursed_wan=found.funnel.disbursed_wan,
            mean_rate_pct=found.funnel.mean_rate_pct,
            terms_honoured=found.funnel.terms_honoured,
            decision_days_median=found.funnel.decision_days_median,
        )
        for found in service.funnels(period, issuer)
    ]
    return ProductsReport(period=period, items=items)
