"""Products over moto (contract 18): matched only where the grade has terms; other terms, one new event."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from chalicelib.services import policies as service
from chalicelib.services.matching import PolicyRematcher
from chalicelib.stores import policies as store
from scripts.provision import Resources
from scripts.synthetic import build_card, card_write, credit_code
from tests.aws.api_helpers import put_card
from tests.aws.policy_helpers import drain, fields, policy_queue

P = 2025
TODAY = datetime.now(UTC).date()
TERMS_A = {"max_amount_wan": 500, "rate_pct": 3.45, "max_term_months": 24, "collateral": "credit"}
TERMS_B = {"max_amount_wan": 200, "rate_pct": 3.85, "max_term_months": 12, "collateral": "credit"}
EVERYONE = {"all": [{"field": "score", "op": ">=", "value": 0}]}


def product(**extra: Any) -> Any:
    return fields(
        EVERYONE,
        period=P,
        valid_from=(TODAY - timedelta(days=10)).isoformat(),
        valid_to=(TODAY + timedelta(days=100)).isoformat(),
        product_type="loan",
        terms={"A": TERMS_A, "B": TERMS_B},
        **extra,
    )


def rescored(code: str, score: str) -> None:
    """What the rescore's listener sees when the enterprise's card changes to `score`."""
    card = build_card(code, P, Decimal(score), "growth")
    write = card_write(card, name="江西某科技有限公司", region_code="360111", industry_code="C3911")
    PolicyRematcher()([write])


def test_a_product_matches_grades_with_terms_and_republishes_on_other_terms(aws: Resources) -> None:
    queue = policy_queue(aws)
    a = put_card(credit_code(801, "360111"), P, "812.50").code  # grade A
    c = put_card(credit_code(802, "360111"), P, "500.00").code  # grade C: no terms
    created = service.create(product(), "jx-demo-bank-a")
    assert created.terms == {"A": TERMS_A, "B": TERMS_B} and created.is_product

    preview = service.preview(created.policy_id)
    assert preview.matched == 1 and preview.sample == [a]  # criteria hold for both, terms for A only

    service.publish_in_process(created.policy_id)
    (event,) = drain(queue)
    assert (event["type"], event["credit_code"], event["sequence"]) == ("policy.matched", a, 1)
    assert event["issuer"] == "jx-demo-bank-a" and event["terms"] == TERMS_A
    assert store.match_of(created.policy_id, c) is None

    rescored(a, "650.00")  # grade B: other terms, matched anew with the next sequence
    (event,) = drain(queue)
    assert (event["type"], event["sequence"], event["grade"]) == ("policy.matched", 2, "B")
    assert event["terms"] == TERMS_B
    rescored(a, "655.00")  # still B: the same terms, nothing sent
    assert drain(queue) == []

    rescored(a, "500.00")  # grade C: no terms, the match is lost
    (event,) = drain(queue)
    assert (event["type"], event["sequence"], event["terms"]) == ("policy.unmatched", 3, None)

    rescored(c, "800.00")  # C moves up to A: now an offer
    (event,) = drain(queue)
    assert (event["type"], event["credit_code"], event["terms"]) == ("policy.matched", c, TERMS_A)


def test_a_plain_policy_ignores_grades_and_carries_its_issuer(aws: Resources) -> None:
    queue = policy_queue(aws)
    put_card(credit_code(803, "360111"), P, "500.00")
    window = {"valid_from": (TODAY - timedelta(days=1)).isoformat(), "valid_to": TODAY.isoformat()}
    plain = service.create(fields(EVERYONE, **window), "sci")
    service.publish_in_process(plain.policy_id)
    (event,) = drain(queue)
    assert event["issuer"] == "sci" and "terms" not in event
