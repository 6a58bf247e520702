"""Sample support information (积分贷, 支持信息) for the local stack, written as banks and departments would.

Once the sample province is scored, two demo banks report loans and credit lines and the science
department (科学技术厅) reports subsidies and projects, through `POST /support` with their own keys.
The mix is meant to look like the real thing so that the console and reports show something: better
grades apply more often, get more approvals, lower rates, longer terms and more unsecured (信用)
loans; some applications are rejected with a reason; a few applications of whitelisted enterprises
still wait for a decision weeks later (overdue). Every loan walks the status chain step by step, so
records have versions. Deterministic for a given list of enterprises, period, day and seed.
"""

from __future__ import annotations

import json
import math
import random
import sys
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Final

# The demo institutions of the local stack (contract 7): org -> name.
DEMO_BANKS: Final[Mapping[str, str]] = {
    "jx-demo-bank-a": "江西示范银行A",
    "jx-demo-bank-b": "江西示范银行B",
}
SUBSIDY_DEPARTMENT: Final = "sci"

# per grade: share of enterprises that apply, approval odds, rate centre (%), typical term (months)
_APPLY: Final = {"A": 0.9, "B": 0.75, "C": 0.5, "D": 0.3}
_SECOND_BANK: Final = {"A": 0.35, "B": 0.2, "C": 0.05, "D": 0.0}  # a second lender competes for the best
_APPROVE: Final = {"A": 0.92, "B": 0.8, "C": 0.6, "D": 0.35}
_RATE: Final = {"A": 3.30, "B": 3.75, "C": 4.35, "D": 5.20}
_TERMS: Final = {"A": (12, 24, 36), "B": (12, 24), "C": (6, 12), "D": (6, 12)}
_CREDIT_SHARE: Final = {"A": 0.8, "B": 0.55, "C": 0.3, "D": 0.1}  # unsecured (信用) loans
_PRODUCTS: Final = ("积分贷", "科创积分贷", "创新积分信用贷")
_REASONS: Final = (
    "经营现金流不足以覆盖还款",
    "企业征信存在逾期记录",
    "申请金额超过授信额度测算",
    "抵押物评估价值不足",
    "行业风险超出本行授信政策",
)


@dataclass(frozen=True)
class Enterprise:
    credit_code: str
    grade: str
    whitelisted: bool
    stage: str


def _day(today: date, days_ago: int) -> str:
    return (today - timedelta(days=max(days_ago, 0))).isoformat()


def _loan_steps(
    rng: random.Random,
    e: Enterprise,
    ref: str,
    today: date,
    products: Sequence[Mapping[str, Any]] = (),
) -> list[dict[str, Any]]:
    """The writes of one loan, in order: applied, then each decision as the bank makes it. With the
    bank's products (contract 18), a loan names one that has terms for the grade and mostly keeps them."""
    grade = e.grade
    amount = round(math.exp(rng.gauss(math.log({"A": 800, "B": 400, "C": 200, "D": 100}[grade]), 0.6)), -1)
    kind = "credit_line" if rng.random() < 0.2 else "loan"
    term = rng.choice(_TERMS[grade])
    base: dict[str, Any] = {
        "credit_code": e.credit_code,
        "external_ref": ref,
        "kind": kind,
        "product": rng.choice(_PRODUCTS),
        "amount_wan": max(amount, 10),
        "rate_pct": round(max(_RATE[grade] + rng.gauss(0, 0.25), 2.6), 2),
        "term_months": term,
        "collateral": "credit"
        if rng.random() < _CREDIT_SHARE[grade]
        else rng.choice(("mortgage", "pledge", "guarantee")),
    }
    if products:
        _name_product(rng, base, e.grade, products)
    applied_ago = rng.randint(15, 150)
    steps = [{**base, "status": "applied", "occurred_on": _day(today, applied_ago)}]
    roll = rng.random()
    if roll < 0.07:  # still waiting, recently applied
        steps[0]["occurred_on"] = _day(today, rng.randint(0, 8))
        return steps
    if roll < 0.10:
        return [*steps, {**base, "status": "withdrawn", "occurred_on": _day(today, applied_ago - 5)}]
    if rng.random() > _APPROVE[grade]:
        decided = {**base, "status": "rejected", "reject_reason": rng.choice(_REASONS)}
        return [*steps, {**decided, "occurred_on": _day(today, applied_ago - rng.randint(3, 12))}]
    approved_ago = applied_ago - rng.randint(3, 10)
    steps.append({**base, "status": "approved", "occurred_on": _day(today, approved_ago)})
    if rng.random() < 0.12:
        return steps  # approved, not yet drawn
    disbursed_ago = approved_ago - rng.randint(1, 7)
    steps.append({**base, "status": "disbursed", "occurred_on": _day(today, disbursed_ago)})
    if term <= 6 and disbursed_ago > 60 and rng.random() < 0.6:
        steps.append({**base, "status": "repaid", "occurred_on": _day(today, disbursed_ago - 45)})
    return steps


def _name_product(
    rng: random.Random, base: dict[str, Any], grade: str, products: Sequence[Mapping[str, Any]]
) -> None:
    """Name one of the bank's products fitting the grade; about one loan in six is above its rate."""
    from scripts.sample_products import product_for

    product = product_for(products, grade, rng)
    if product is None:
        return
    terms = product["terms"][grade]
    above = rng.random() < 0.17
    rate = terms["rate_pct"] + (rng.uniform(0.05, 0.6) if above else -rng.uniform(0, 0.3))
    base.update(
        product_id=product["policy_id"],
        product=product["title"],
        kind=product["product_type"],
        rate_pct=round(max(rate, 2.0), 2),
        amount_wan=min(base["amount_wan"], terms["max_amount_wan"]),
        term_months=min(base["term_months"], terms["max_term_months"]),
        collateral=terms["collateral"],
    )


def plan(
    enterprises: Sequence[Enterprise],
    today: date,
    *,
    seed: int = 2026,
    overdue: int = 6,
    products: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Every write each institution makes, by org, in the order it makes them (`products`: the banks'
    published products, by org, for loans to name)."""
    offered = products or {}
    rng = random.Random(seed)
    writes: dict[str, list[dict[str, Any]]] = {org: [] for org in (*DEMO_BANKS, SUBSIDY_DEPARTMENT)}
    banks = list(DEMO_BANKS)
    for n, e in enumerate(enterprises):
        if rng.random() < _APPLY.get(e.grade, 0.2):
            bank = banks[n % len(banks)] if rng.random() < 0.8 else rng.choice(banks)
            writes[bank] += _loan_steps(
                rng, e, f"LN-{bank[-1].upper()}-{n:05d}", today, offered.get(bank, ())
            )
            if rng.random() < _SECOND_BANK.get(e.grade, 0.0):
                other = banks[(banks.index(bank) + 1) % len(banks)]
                writes[other] += _loan_steps(
                    rng, e, f"LN-{other[-1].upper()}-{n:05d}", today, offered.get(other, ())
                )
        if e.stage in ("startup", "growth") and rng.random() < 0.3:
            kind = rng.choice(("subsidy", "project"))
            writes[SUBSIDY_DEPARTMENT].append(
                {
                    "credit_code": e.credit_code,
                    "external_ref": f"KJ-{n:05d}",
                    "kind": kind,
                    "product": "科技创新券" if kind == "subsidy" else "省重点研发计划",
                    "status": rng.choice(("approved", "disbursed", "disbursed")),
                    "amount_wan": round(rng.uniform(10, 200), 1),
                    "occurred_on": _day(today, rng.randint(10, 200)),
                }
            )
    listed = [e for e in enterprises if e.whitelisted]
    for n, e in enumerate(rng.sample(listed, min(overdue, len(listed)))):
        bank = banks[n % len(banks)]
        steps = _loan_steps(rng, e, f"OD-{bank[-1].upper()}-{n:03d}", today)
        writes[bank].append(
            {**steps[0], "status": "applied", "occurred_on": _day(today, rng.randint(14, 40))}
        )
    return writes


# --- through the API -----------------------------------------------------------------------------


def _call(api_url: str, key: str, method: str, path: str, body: Any = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        api_url + path,
        data=data,
        method=method,
        headers={"X-API-Key": key, "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read())


def scored(api_url: str, key: str, limit: int = 500) -> list[Enterprise]:
    """The latest period's scored enterprises, as a bank reads them (GET /rankings)."""
    found: list[Enterprise] = []
    token = ""
    while True:
        page = _call(api_url, key, "GET", f"/rankings?limit=500{token}")
        found += [
            Enterprise(i["credit_code"], i["grade"], i["whitelisted"], i["stage"]) for i in page["items"]
        ]
        if "next_token" not in page or len(found) >= limit:
            return found[:limit]
        token = f"&next_token={page['next_token']}"


def seed(
    api_url: str,
    keys: Mapping[str, str],
    today: date,
    *,
    limit: int = 500,
    products: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
) -> dict[str, int]:
    """Write the plan through POST /support (batches of up to 500); returns written items per org.
    `keys` may hold investors' keys too: the demo investor then reports its equity investments."""
    from scripts.sample_products import DEMO_INVESTORS, equity_writes

    enterprises = scored(api_url, keys[next(iter(DEMO_BANKS))], limit)
    counts: dict[str, int] = {}
    planned = plan(enterprises, today, products=products)
    for investor in DEMO_INVESTORS:
        if investor in keys:
            planned[investor] = equity_writes([e.credit_code for e in enterprises if e.whitelisted], today)
    for org, writes in planned.items():
        ok = 0
        for start in range(0, len(writes), 500):
            answer = _call(api_url, keys[org], "POST", "/support", {"items": writes[start : start + 500]})
            failed = [i for i in answer["items"] if i["status"] >= 400]
            for item in failed[:3]:
                print(
                    f"  [{org}] {item['external_ref']}: {item.get('code')} {item.get('detail')}",
                    file=sys.stderr,
                )
            ok += len(answer["items"]) - len(failed)
        counts[org] = ok
    return counts
