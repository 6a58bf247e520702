"""Banks' products (积分贷, contract 18): offers to one enterprise, and the product funnel report.

A product is a policy with terms (services/policies.py writes it, services/matching.py matches it);
this module reads what follows from that:
- `offers`: an enterprise's current product matches, each with the terms of its grade now;
- `funnels`: per product, what became of the support records naming it for a period. Computed on read
  from one Query per institution (its records of the period naming a product, stores/support.py) and
  one keys-only Query per match shard of each product in force (its current matches); never a Scan.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from chalicelib.domain.policies.policy import DRAFT, Policy, policy_day
from chalicelib.domain.products.funnel import Funnel, FunnelRecord, funnel
from chalicelib.domain.products.terms import terms_for
from chalicelib.services import policies as policy_service
from chalicelib.stores import policies as policy_store
from chalicelib.stores import support as support_store
from chalicelib.stores.card_reads import cards_for


@dataclass(frozen=True, slots=True)
class Offer:
    policy: Policy
    terms: dict[str, Any]
    reasons: list[dict[str, Any]]


def offers(credit_code: str, period: int) -> list[Offer]:
    """The products an enterprise matches now (published, in force), newest first, with its grade's
    terms; a product whose terms no longer fit its grade (a rescore under way) is left out."""
    matched = [(p, r) for p, r in policy_service.enterprise_policies(credit_code, period) if p.is_product]
    if not matched:
        return []
    view = cards_for([credit_code], period).get(credit_code)
    grade = view.card.grade if view is not None else None
    found: list[Offer] = []
    for policy, reasons in matched:
        terms = terms_for(policy.terms, grade)
        if terms is not None:
            found.append(Offer(policy, terms, reasons))
    return found


@dataclass(frozen=True, slots=True)
class ProductFunnel:
    policy: Policy
    matched: int
    funnel: Funnel


def products_of(issuer: str | None) -> list[Policy]:
    """The products (finance policies with terms) of one bank, or every bank's (None), drafts left out."""
    return [p for p in policy_store.finance_policies(issuer) if p.is_product and p.status != DRAFT]


def funnels(period: int, issuer: str | None, *, today: Any = None) -> list[ProductFunnel]:
    """The funnel of every product (of `issuer`) that is of `period` or named by records of `period`,
    by issuer then title."""
    products = products_of(issuer)
    by_id = {p.policy_id: p for p in products}
    records: dict[str, list[FunnelRecord]] = defaultdict(list)
    for org in sorted({p.issuer for p in products}):
        for stored in support_store.product_records(org, period):
            record = stored.record
            if record.product_id not in by_id:
                continue
            records[record.product_id].append(
                FunnelRecord(
                    status=record.status,
                    amount_wan=record.amount_wan,
                    rate_pct=record.rate_pct,
                    term_months=record.term_months,
                    grade_at_time=record.grade_at_time,
                    milestones=stored.milestones,
                )
            )
    day = today or policy_day(datetime.now(UTC))
    out: list[ProductFunnel] = []
    for product in _ordered(products):
        if product.period != period and product.policy_id not in records:
            continue
        matched = policy_store.count_matches(product.policy_id) if product.in_force(day) else 0
        out.append(ProductFunnel(product, matched, funnel(records[product.policy_id], product.terms or {})))
    return out


def _ordered(products: Sequence[Policy]) -> list[Policy]:
    return sorted(products, key=lambda p: (p.issuer, p.title, p.policy_id))
