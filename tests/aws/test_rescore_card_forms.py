"""Cards stored before cards held numbers only (form 1) are kept by the rescore until a number moves.

The stored form changed (issue 15: numbers on the card, sentences told when read); a national rescore
must not rewrite half a million cards, and publish nothing, just because of that.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from chalicelib.domain.records import ScoreCard
from chalicelib.domain.scoring.cardcodec import FORM, card_from_dict
from chalicelib.domain.scoring.explain import explanations
from chalicelib.services.card_sentences import card_sentences
from chalicelib.stores.scores import card_sk, enterprise_pk
from chalicelib.stores.tables import ScoreItem
from scripts.provision import Resources
from tests.aws.rescore_helpers import MODEL, STRONG, P, enterprise, rescore, write_facts

WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}


def stored(code: str) -> ScoreItem:
    return ScoreItem.get(enterprise_pk(code), card_sk(P), consistent_read=True)


def form1(card: ScoreCard) -> dict[str, Any]:
    """The card as the codec of before issue 15 stored it: a mapping per indicator, with its sentence."""
    told = explanations(MODEL, card)
    return {
        "credit_code": card.credit_code,
        "period": card.period,
        "model_version": card.model_version,
        "stage": card.stage,
        "indicators": [
            {
                "id": i.id,
                "name_zh": i.name_zh,
                "category": i.category,
                "value": None if i.value is None else str(i.value),
                "points": str(i.points),
                "max_points": str(i.max_points),
                "source_department": i.source_department,
                "batch_id": i.batch_id,
                "explanation": sentence,
            }
            for i, sentence in zip(card.indicators, told, strict=True)
        ],
        "categories": [{"id": c.id, "points": str(c.points), "max": str(c.max)} for c in card.categories],
        "core": str(card.core),
        "bonus": str(card.bonus),
        "deductions": str(card.deductions),
        "veto": card.veto,
        "score": str(card.score),
        "grade": card.grade,
        "whitelisted": card.whitelisted,
        "completeness": str(card.completeness),
        "discrepancies": [],
    }


def test_a_form1_card_is_not_rewritten_until_its_numbers_change(aws: Resources, calls: Counter[str]) -> None:
    code = enterprise(31, STRONG, previous={"rd_expense": 700, "operating_revenue": 9000})
    rescore([(code, P)])
    item = stored(code)
    assert item.card is not None and item.card["form"] == FORM
    old = form1(card_from_dict(item.card))
    item.update(actions=[ScoreItem.card.set(old)])  # as a card written before the new form
    version = stored(code).version
    calls.clear()

    rescore([(code, P)], batch_id="b-again")

    assert not WRITES & set(calls), calls  # same numbers: left alone
    kept = stored(code)
    assert (kept.version, kept.card) == (version, old)
    assert card_sentences(card_from_dict(kept.card)) == [i["explanation"] for i in old["indicators"]]

    write_facts(code, P, {"tech_contract_turnover": 450}, batch_id="b-2")
    rescore([(code, P)], batch_id="b-2")

    moved = stored(code)
    assert moved.version == version + 1 and moved.card is not None and moved.card["form"] == FORM
    assert moved.score != kept.score
