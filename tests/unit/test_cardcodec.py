"""Score cards to JSON-safe dicts and back, exactly."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.model.schema import load_model
from chalicelib.domain.records import EnterpriseData, FactValue, Master, ScoreCard
from chalicelib.domain.scoring.cardcodec import CardDecodeError, card_from_dict, card_to_dict
from chalicelib.domain.scoring.engine import score_period

MODEL = load_model("jx-2025.1-provisional")
UPLOADABLE = [i for i in MODEL.indicators if i.uploadable]
P = 2025


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


def test_decimals_travel_as_their_exact_strings() -> None:
    d = card_to_dict(SAMPLE)
    assert json.loads(json.dumps(d)) == d  # plain JSON types only
    assert isinstance(d["score"], str) and d["score"] == str(SAMPLE.score)
    revenue = next(i for i in d["indicators"] if i["id"] == "operating_revenue")
    assert revenue["value"] == "1E+3"
    growth = next(i for i in d["indicators"] if i["id"] == "rd_expense_growth")
    assert (growth["value"], growth["source_department"], growth["batch_id"]) == (
        "11.67",
        "derived",
        "batch-2025",
    )
    missing = next(i for i in d["indicators"] if i["id"] == "invention_patents")
    assert (missing["value"], missing["source_department"], missing["batch_id"]) == (None, None, None)
    assert d["categories"][-1] == {"id": "negative", "points": "-260.00", "max": "0.00"}
    assert d["discrepancies"][0]["gap_pct"] == "50.00"


def test_the_portrait_keys_are_the_contract_keys() -> None:
    d = card_to_dict(SAMPLE)
    assert set(d["indicators"][0]) >= {
        "id",
        "name_zh",
        "category",
        "value",
        "points",
        "max_points",
        "source_department",
        "batch_id",
        "explanation",
    }
    assert [c["id"] for c in d["categories"]] == [
        "tech_innovation",
        "growth_operations",
        "auxiliary",
        "characteristic",
        "negative",
    ]


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
        lambda d: d["indicators"][0].pop("points"),
    ],
)
def test_a_damaged_card_is_refused(damage: object) -> None:
    d = card_to_dict(SAMPLE)
    assert callable(damage)
    damage(d)
    with pytest.raises(CardDecodeError) as caught:
        card_from_dict(d)
    assert caught.value.code == "INVALID_CARD"
