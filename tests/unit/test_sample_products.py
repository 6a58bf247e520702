"""The local stack's sample products and equity records: valid products, loans naming them, equity."""

from __future__ import annotations

from datetime import date

from chalicelib.domain.policies.policy import PolicyFields
from chalicelib.domain.products.terms import check_product, parse_terms
from chalicelib.domain.support.fields import parse_input
from scripts.sample_products import equity_writes, sample_products
from scripts.sample_support import DEMO_BANKS, plan
from tests.unit.test_sample_support import TODAY, enterprises

GRADES = {"A", "B", "C", "D"}


def _published() -> dict[str, list[dict[str, object]]]:
    out: dict[str, list[dict[str, object]]] = {}
    for org in DEMO_BANKS:
        for n, body in enumerate(sample_products(org, 2025, 2026)):
            out.setdefault(org, []).append({**body, "policy_id": f"{org}-{n}", "issuer": org})
    return out


def test_two_products_per_bank_one_credit_only_for_a_and_b() -> None:
    for org in DEMO_BANKS:
        products = sample_products(org, 2025, 2026)
        assert len(products) == 2
        for body in products:
            fields = PolicyFields.model_validate(body)
            check_product(fields.kind, fields.product_type, fields.terms, GRADES)
        credit_only = parse_terms(products[0]["terms"], GRADES)
        assert set(credit_only) == {"A", "B"} and {t.collateral for t in credit_only.values()} == {"credit"}


def test_loans_name_products_with_terms_for_their_grade_some_above_the_rate() -> None:
    products = _published()
    ents = {e.credit_code: e for e in enterprises(400)}
    writes = plan(list(ents.values()), TODAY, products=products)
    named = above = 0
    for org in DEMO_BANKS:
        by_id = {p["policy_id"]: p for p in products[org]}
        for item in writes[org]:
            written = parse_input(item)
            if written.product_id is None:
                continue
            named += 1
            terms = by_id[written.product_id]["terms"][ents[written.credit_code].grade]  # type: ignore[index]
            assert written.amount_wan is not None and written.amount_wan <= terms["max_amount_wan"]
            above += written.rate_pct is not None and float(written.rate_pct) > terms["rate_pct"]
    assert named > 100 and 0 < above < named / 3


def test_equity_writes_walk_the_chain() -> None:
    writes = equity_writes([f"c{n}" for n in range(20)], date(2026, 6, 30))
    assert {w["kind"] for w in writes} == {"equity"}
    assert {w["status"] for w in writes} == {"approved", "disbursed"}
    assert len({w["external_ref"] for w in writes}) == 8
