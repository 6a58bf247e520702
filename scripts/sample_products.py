"""Sample banks' products (积分贷, contract 18) and an investor's equity records for the local stack.

Each demo bank publishes two products through the API, as a bank would:
- a credit-only product (纯信用) for grades A and B: the ceiling, rate and term a good grade earns;
- a broader product for every grade, secured for the lower ones.
Support records of the sample data then name these products (scripts/sample_support.py), some at a
rate above the product's, and the demo investor (积分+投资) reports a few equity investments.
Deterministic for a given list of enterprises, day and seed.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any, Final

from scripts.sample_policies import publish_policy

# The demo investor of the local stack (contract 18): org -> name.
DEMO_INVESTORS: Final[Mapping[str, str]] = {"jx-demo-fund": "江西省科技创新投资基金"}

_CRITERIA_LISTED: Final = {"all": [{"field": "whitelisted", "op": "==", "value": True}]}
_CRITERIA_ANY: Final = {"all": [{"field": "veto", "op": "==", "value": False}]}


def _terms(amount: float, rate: float, months: int, collateral: str) -> dict[str, Any]:
    return {"max_amount_wan": amount, "rate_pct": rate, "max_term_months": months, "collateral": collateral}


def sample_products(org: str, period: int, year: int) -> list[dict[str, Any]]:
    """The POST /policies bodies of one demo bank's two products."""
    window = {"period": period, "valid_from": f"{year}-01-01", "valid_to": f"{year}-12-31", "kind": "finance"}
    cheaper = 0.0 if org.endswith("a") else 0.1  # two banks, two price lists
    name = "示范银行A" if org.endswith("a") else "示范银行B"
    return [
        {
            **window,
            "title": f"{name}·科创积分信用贷",
            "summary": "创新积分 A 级、B 级的白名单企业，纯信用、免抵押，积分越高额度越高、利率越低。",
            "contact": "0791-88880001",
            "product_type": "loan",
            "criteria": _CRITERIA_LISTED,
            "terms": {
                "A": _terms(1000, round(3.30 + cheaper, 2), 36, "credit"),
                "B": _terms(500, round(3.70 + cheaper, 2), 24, "credit"),
            },
        },
        {
            **window,
            "title": f"{name}·积分贷",
            "summary": "按创新积分等级核定授信额度、利率和期限；C 级、D 级需提供抵押或担保。",
            "contact": "0791-88880002",
            "product_type": "credit_line",
            "criteria": _CRITERIA_ANY,
            "terms": {
                "A": _terms(800, round(3.45 + cheaper, 2), 36, "credit"),
                "B": _terms(400, round(3.85 + cheaper, 2), 24, "credit"),
                "C": _terms(200, round(4.35 + cheaper, 2), 12, "mortgage"),
                "D": _terms(100, round(5.00 + cheaper, 2), 12, "guarantee"),
            },
        },
    ]


def publish_products(
    api_url: str, bank_keys: Mapping[str, str], period: int, year: int
) -> dict[str, list[dict[str, Any]]]:
    """Create and publish each demo bank's products; the published products by bank."""
    published: dict[str, list[dict[str, Any]]] = {}
    for org, key in bank_keys.items():
        for body in sample_products(org, period, year):
            published.setdefault(org, []).append(publish_policy(api_url, key, body))
    return published


def product_for(
    products: Sequence[Mapping[str, Any]], grade: str, rng: random.Random
) -> Mapping[str, Any] | None:
    """One of a bank's products with terms for `grade` (the credit-only one first when it fits)."""
    fitting = [p for p in products if grade in (p.get("terms") or {})]
    if not fitting:
        return None
    return fitting[0] if rng.random() < 0.6 else rng.choice(fitting)


def equity_writes(
    listed: Sequence[str], today: date, *, seed: int = 2027, count: int = 8
) -> list[dict[str, Any]]:
    """The demo investor's equity investments (积分+投资) in whitelisted enterprises."""
    rng = random.Random(seed)
    writes = []
    for n, code in enumerate(rng.sample(list(listed), min(count, len(listed)))):
        base = {
            "credit_code": code,
            "external_ref": f"EQ-{n:03d}",
            "kind": "equity",
            "product": "科创积分投",
            "amount_wan": float(rng.choice((500, 800, 1000, 1500, 2000, 3000))),
        }
        agreed = (today - timedelta(days=rng.randint(40, 200))).isoformat()
        paid = (today - timedelta(days=rng.randint(5, 35))).isoformat()
        writes.append({**base, "status": "approved", "occurred_on": agreed})
        if rng.random() < 0.75:
            writes.append({**base, "status": "disbursed", "occurred_on": paid})
    return writes
