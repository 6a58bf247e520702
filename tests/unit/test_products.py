"""Banks' products (contract 18): terms per grade, and the funnel's arithmetic against hand-computed cases."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from chalicelib.domain.products.funnel import FunnelRecord, Milestones, funnel, next_milestones
from chalicelib.domain.products.terms import TermsError, check_product, normalised_terms

GRADES = {"A", "B", "C", "D"}
GOOD = {"max_amount_wan": 500, "rate_pct": 3.45, "max_term_months": 12, "collateral": "credit"}
TERMS = {
    "A": {"max_amount_wan": 500, "rate_pct": 3.5, "max_term_months": 24, "collateral": "credit"},
    "B": {"max_amount_wan": 300, "rate_pct": 4.0, "max_term_months": 12, "collateral": "credit"},
}


def D(text: str) -> Decimal:
    return Decimal(text)


def test_terms_are_normalised_by_grade() -> None:
    assert normalised_terms({"B": GOOD, "A": GOOD}, GRADES) == {"A": GOOD, "B": GOOD}


@pytest.mark.parametrize(
    ("terms", "path"),
    [
        ({"E": GOOD}, "terms.E"),
        ({"A": {**GOOD, "max_amount_wan": -1}}, "terms.A.max_amount_wan"),
        ({"A": {**GOOD, "max_amount_wan": 1.234}}, "terms.A.max_amount_wan"),
        ({"A": {**GOOD, "rate_pct": 36.01}}, "terms.A.rate_pct"),
        ({"A": {**GOOD, "max_term_months": 0}}, "terms.A.max_term_months"),
        ({"A": {**GOOD, "max_term_months": 400}}, "terms.A.max_term_months"),
        ({"A": {**GOOD, "collateral": "house"}}, "terms.A.collateral"),
        ({"A": {k: v for k, v in GOOD.items() if k != "rate_pct"}}, "terms.A.rate_pct"),
        ({"A": {**GOOD, "extra": 1}}, "terms.A.extra"),
        ({}, "terms"),
        (None, "terms"),
        ([GOOD], "terms"),
    ],
)
def test_bad_terms_name_their_path(terms: object, path: str) -> None:
    with pytest.raises(TermsError) as caught:
        check_product("finance", "loan", terms, GRADES)
    assert caught.value.path == path
    assert caught.value.code == "INVALID_TERMS"


def test_a_product_is_a_finance_policy_with_a_type() -> None:
    check_product("tech", None, None, GRADES)  # a plain policy
    with pytest.raises(TermsError) as caught:
        check_product("tech", "loan", {"A": GOOD}, GRADES)
    assert caught.value.path == "kind"
    with pytest.raises(TermsError) as caught:
        check_product("finance", "mortgage", {"A": GOOD}, GRADES)
    assert caught.value.path == "product_type"


def test_milestones_follow_the_first_application_and_the_first_decision_after_it() -> None:
    day = date(2026, 3, 1)
    m = next_milestones(None, "applied", day)
    assert m == Milestones(day, None)
    m = next_milestones(m, "applied", date(2026, 3, 2))  # a correction while applied keeps the first day
    assert m == Milestones(day, None)
    m = next_milestones(m, "approved", date(2026, 3, 11))
    assert m == Milestones(day, date(2026, 3, 11))
    assert next_milestones(m, "disbursed", date(2026, 3, 20)) == m
    # a record first written already approved never went from applied to a decision
    assert next_milestones(None, "approved", day) == Milestones(None, None)
    assert next_milestones(Milestones(None, None), "applied", day) == Milestones(day, None)


def _rec(
    status: str, amount: str | None, rate: str | None, term: int | None, grade: str, **m: date
) -> FunnelRecord:
    return FunnelRecord(
        status=status,
        amount_wan=D(amount) if amount else None,
        rate_pct=D(rate) if rate else None,
        term_months=term,
        grade_at_time=grade,
        milestones=Milestones(m.get("applied"), m.get("decided")),
    )


def test_funnel_against_hand_computed_figures() -> None:
    d = date
    records = [
        # disbursed, grade A, within terms: 200 @ 3.2 %, 12 months
        _rec("disbursed", "200", "3.2", 12, "A", applied=d(2026, 3, 1), decided=d(2026, 3, 5)),
        # repaid, grade B, rate above the terms (4.5 > 4.0): not honoured; 100 @ 4.5
        _rec("repaid", "100", "4.5", 12, "B", applied=d(2026, 3, 1), decided=d(2026, 3, 11)),
        # disbursed, grade C: the product has no terms for C, so not checked; 50 @ 6
        _rec("disbursed", "50", "6", 6, "C"),
        # disbursed, grade A, amount above the ceiling (600 > 500): not honoured; 600 without a rate
        _rec("disbursed", "600", None, 12, "A"),
        # rejected after 2 days and after 3 days; an approval without an application
        _rec("rejected", None, None, None, "B", applied=d(2026, 4, 1), decided=d(2026, 4, 3)),
        _rec("approved", "100", "3", 12, "A", applied=d(2026, 4, 1), decided=d(2026, 4, 4)),
        _rec("approved", "100", "3", 12, "A"),
        _rec("applied", "100", None, None, "A", applied=d(2026, 5, 1)),
    ]
    out = funnel(records, TERMS)
    assert out.records == {
        "applied": 1,
        "approved": 2,
        "rejected": 1,
        "withdrawn": 0,
        "disbursed": 3,
        "repaid": 1,
    }
    assert out.disbursed_wan == D("950.00")  # 200 + 100 + 50 + 600
    # (200*3.2 + 100*4.5 + 50*6) / (200 + 100 + 50) = (640 + 450 + 300) / 350 = 3.9714… -> 3.97
    assert out.mean_rate_pct == D("3.97")
    # checked: A 200 (ok), B 100 (rate over), A 600 (amount over) -> 1 of 3
    assert out.terms_honoured.checked == 3
    assert out.terms_honoured.honoured == 1
    assert out.terms_honoured.share == D("0.3333")
    # decision days 4, 10, 2, 3 -> sorted 2, 3, 4, 10: median of an even count (3 + 4) / 2 = 3.5
    assert out.decision_days_median == D("3.50")


def test_an_empty_funnel_has_zeros_and_nulls() -> None:
    out = funnel([], TERMS)
    assert sum(out.records.values()) == 0
    assert out.disbursed_wan == 0
    assert out.mean_rate_pct is None
    assert (out.terms_honoured.checked, out.terms_honoured.share) == (0, None)
    assert out.decision_days_median is None


def test_records_without_a_decision_and_grades_without_terms() -> None:
    out = funnel(
        [_rec("applied", "10", None, None, "A", applied=date(2026, 1, 1)), _rec("repaid", "10", "5", 3, "D")],
        TERMS,
    )
    assert out.decision_days_median is None
    assert out.terms_honoured.checked == 0 and out.terms_honoured.share is None
    assert out.mean_rate_pct == D("5.00")
