"""Score cards to JSON-safe dicts and back, exactly."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.model.schema import load_model
from chalicelib.domain.records import EnterpriseData, FactValue, Master, ScoreCard
from chalicelib.domain.scoring.cardcodec import (
    FORM,
    INDICATOR_COLUMNS,
    CardDecodeError,
    card_from_dict,
    card_to_dict,
    same_card,
)
from chalicelib.domain.scoring.engine import score_period
from chalicelib.domain.scoring.explain import explanations

MODEL = load_model("jx-2025.1-provisional")
UPLOADABLE = [i for i in MODEL.indicators if i.uploadable]
P = 2025
# A card as stored before cards held numbers only (form 1), written by that engine's codec: the same
# enterprise as SAMPLE, plus rd_staff 30 and employees 20 (the staff ratio held at 100 %).
FORM1: dict[str, Any] = json.loads(
    (Path(__file__).parent / "golden" / "form1-card.json").read_text(encoding="utf-8")
)


def scored(rows: dict[int, dict[str, Decimal]], stats: dict[str, Decimal] | None = None) -> ScoreCard:
    facts = {
        p: {i: FactValue(v, MODEL.indicator(i).source, f"batch-{p}", "2026-01-01") for i, v in row.items()}
        for p, row in rows.items()
    }
    checks = {P: {i: FactValue(v, "stats", "stats-1") for i, v in (stats or {}).items()}}
    data = EnterpriseData(
        "91360100CODEC00001", Master("X", "n", date(2012, 1, 1), "360100", "C"), facts, checks
    )
    card = score_period(MODEL, data, P)
    assert card is not None
    return card


SAMPLE = scored(
    {
        P - 1: {"rd_expense": Decimal("90"), "operating_revenue": Decimal("1000")},
        P: {
            "rd_expense": Decimal("100.5"),
            "operating_revenue": Decimal("1E+3"),
            "net_profit": Decimal("-12.30"),
            "dishonest_debtor": Decimal(1),
            "admin_penalties": Decimal(3),
            "industry_university_projects": Decimal(4),
        },
    },
    stats={"operating_revenue": Decimal("1500"), "rd_expense": Decimal("0.0")},
)


def _row(d: dict[str, Any], indicator: str) -> dict[str, Any]:
    """A stored indicator row by its column names (trailing empty columns are left off)."""
    row = next(r for r in d["indicators"] if r[0] == indicator)
    return dict(zip(INDICATOR_COLUMNS, [*row, None, None, None], strict=False))


def test_decimals_travel_as_their_exact_strings() -> None:
    d = card_to_dict(SAMPLE)
    assert json.loads(json.dumps(d)) == d  # plain JSON types only
    assert isinstance(d["score"], str) and d["score"] == str(SAMPLE.score)
    assert _row(d, "operating_revenue")["value"] == "1E+3"
    growth = _row(d, "rd_expense_growth")
    assert (growth["value"], growth["source_department"], growth["batch_id"]) == (
        "11.67",
        "derived",
        "batch-2025",
    )
    missing = _row(d, "invention_patents")
    assert (missing["value"], missing["source_department"], missing["batch_id"]) == (None, None, None)
    assert d["categories"][-1] == {"id": "negative", "points": "-260.00", "max": "0.00"}
    assert d["discrepancies"][0]["gap_pct"] == "50.00"


def test_the_stored_card_holds_numbers_and_no_sentence() -> None:
    d = card_to_dict(SAMPLE)
    assert d["form"] == FORM
    growth = _row(d, "rd_expense_growth")  # 100.5 over 90: both inputs kept, to tell the sentence
    assert (growth["why"], growth["numerator"], growth["base"]) == (None, "100.5", "90")
    assert _row(d, "invention_patents")["why"] == "no_value"
    assert _row(d, "rd_staff_ratio")["why"] == "no_numerator"
    assert len(d["indicators"][0]) == 8  # a value as uploaded: no empty columns stored
    text = json.dumps(d, ensure_ascii=False)
    assert "满分线" not in text and "explanation" not in text


def test_the_stored_card_is_small() -> None:
    stored = len(json.dumps(card_to_dict(SAMPLE), ensure_ascii=False).encode())
    before = len(json.dumps(FORM1, ensure_ascii=False, separators=(",", ":")).encode())
    assert stored < before / 2, (stored, before)


def test_round_trip_is_exact() -> None:
    back = card_from_dict(json.loads(json.dumps(card_to_dict(SAMPLE))))
    assert back == SAMPLE
    assert card_to_dict(back) == card_to_dict(SAMPLE)  # same digits, not just equal numbers
    assert isinstance(back.indicators, tuple) and isinstance(back.discrepancies, tuple)


@settings(max_examples=40, deadline=None)
@given(
    st.fixed_dictionaries(
        {},
        optional={
            i.id: st.integers(-(10**6) if i.allow_negative else 0, 10**7).map(lambda c: Decimal(c).scaleb(-2))
            for i in UPLOADABLE
        },
    ).filter(bool)
)
def test_any_card_round_trips(row: dict[str, Decimal]) -> None:
    card = scored({P: row})
    data = json.loads(json.dumps(card_to_dict(card)))
    assert card_from_dict(data) == card
    assert card_to_dict(card_from_dict(data)) == data


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: d.pop("score"),
        lambda d: d.update(stage="infant"),
        lambda d: d.update(score="lots"),
        lambda d: d["indicators"][0].pop(4),  # points
        lambda d: d["indicators"][0].__setitem__(4, 1.5),  # a float, not an exact decimal
        lambda d: d["indicators"][0].extend(["why not", None, None]),
        lambda d: d["indicators"].append(["id", "name"]),
        lambda d: d.update(form=3),
        lambda d: d.update(veto="no"),
        lambda d: d.update(period="2025"),
        lambda d: d["categories"][0].update(points="NaN"),
    ],
)
def test_a_damaged_card_is_refused(damage: object) -> None:
    d = card_to_dict(SAMPLE)
    assert callable(damage)
    damage(d)
    with pytest.raises(CardDecodeError) as caught:
        card_from_dict(d)
    assert caught.value.code == "INVALID_CARD"


# --- cards stored in form 1: decoded, told as stored, and not rewritten for their form alone ------------

FORM1_ROWS = {
    P - 1: {"rd_expense": Decimal("90"), "operating_revenue": Decimal("1000")},
    P: {
        "rd_expense": Decimal("100.5"),
        "operating_revenue": Decimal("1E+3"),
        "net_profit": Decimal("-12.30"),
        "dishonest_debtor": Decimal(1),
        "admin_penalties": Decimal(3),
        "industry_university_projects": Decimal(4),
        "rd_staff": Decimal(30),
        "employees": Decimal(20),
    },
}
FORM1_STATS = {"operating_revenue": Decimal("1500"), "rd_expense": Decimal("0.0")}


def test_a_form1_card_decodes_with_its_sentences() -> None:
    card = card_from_dict(FORM1)
    fresh = scored(FORM1_ROWS, FORM1_STATS)
    assert [(i.id, i.value, i.points) for i in card.indicators] == [
        (i.id, i.value, i.points) for i in fresh.indicators
    ]
    assert (card.score, card.grade, card.categories) == (fresh.score, fresh.grade, fresh.categories)
    stored = [i["explanation"] for i in FORM1["indicators"]]
    assert explanations(MODEL, card) == stored  # shown as stored
    assert explanations(MODEL, fresh) == stored  # and told the same from the numbers


def test_a_form1_card_with_the_same_numbers_is_the_same_card() -> None:
    fresh = card_to_dict(scored(FORM1_ROWS, FORM1_STATS))
    assert fresh != FORM1  # another form...
    assert same_card(FORM1, fresh)  # ...the same card: the rescore leaves it alone


def test_a_form1_card_with_another_score_is_not_the_same_card() -> None:
    rows = {**FORM1_ROWS, P: {**FORM1_ROWS[P], "dishonest_debtor": Decimal(0), "admin_penalties": Decimal(0)}}
    changed = card_to_dict(scored(rows, FORM1_STATS))
    assert changed["score"] != FORM1["score"]
    assert not same_card(FORM1, changed)
    moved_batch = card_to_dict(scored(FORM1_ROWS, FORM1_STATS))
    moved_batch["indicators"][0][7] = "batch-later"  # same points, another upload: a change too
    assert not same_card(FORM1, moved_batch)


def test_an_undecodable_stored_card_is_never_the_same() -> None:
    fresh = card_to_dict(SAMPLE)
    assert not same_card({"score": "1"}, fresh)
    assert same_card(json.loads(json.dumps(fresh)), fresh)
    other = json.loads(json.dumps(fresh))
    other["indicators"][1][9] = "100.50"  # the same growth from an input written differently
    assert not same_card(other, fresh)
