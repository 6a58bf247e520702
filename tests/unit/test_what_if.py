"""What-if, pure: values parsed as an upload parses them, every fault reported, the delta block."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.model.schema import load_model
from chalicelib.domain.records import EnterpriseData, FactValue, Master
from chalicelib.domain.scoring import what_if
from chalicelib.domain.scoring.engine import score_period

MODEL = load_model("jx-2025.1-provisional")
P = 2025
MASTER = Master("91360111000000001X", "测试企业", date(2019, 3, 5), "360111", "C39")
BASE = {
    "operating_revenue": 12500,
    "rd_expense": 1000,
    "employees": 100,
    "rd_staff": 20,
    "invention_patents": 4,
}


def data(values: dict[str, int]) -> EnterpriseData:
    facts = {P: {k: FactValue(Decimal(v), "tax", "b-1") for k, v in values.items()}}
    return EnterpriseData(MASTER.credit_code, MASTER, facts, {})


def test_values_are_parsed_as_an_upload_parses_them() -> None:
    parsed, problems = what_if.parse_values(
        MODEL,
        {"rd_expense": "1,200", "high_tech_enterprise": "是", "invention_patents": "３", "other_ip": None},
        "changes",
    )
    assert problems == []
    assert parsed == {
        "rd_expense": Decimal("1200"),
        "high_tech_enterprise": Decimal(1),
        "invention_patents": Decimal(3),
        "other_ip": None,
    }


def test_every_faulty_value_is_reported_with_its_code_in_both_languages() -> None:
    _, problems = what_if.parse_values(
        MODEL,
        {
            "rd_expense": "lots",
            "nope": 1,
            "rd_intensity": 5,
            "invention_patents": -2,
            "high_tech_enterprise": "maybe",
        },
        "changes",
    )
    by_field = {p.field: p for p in problems}
    assert {f: p.code for f, p in by_field.items()} == {
        "changes.rd_expense": "INVALID_NUMBER",
        "changes.nope": "UNKNOWN_INDICATOR",
        "changes.rd_intensity": "DERIVED_INDICATOR",
        "changes.invention_patents": "OUT_OF_RANGE",
        "changes.high_tech_enterprise": "INVALID_FLAG",
    }
    assert "研发费用总额" in by_field["changes.rd_expense"].message_zh
    assert "lots" in by_field["changes.rd_expense"].message_en


def test_a_change_moves_the_card_and_the_delta_lists_changed_points_only() -> None:
    current = data(BASE)
    before = score_period(MODEL, current, P)
    changes, _ = what_if.parse_values(MODEL, {"invention_patents": 10, "admin_penalties": 2}, "changes")
    after = score_period(MODEL, what_if.with_changes(current, P, changes), P)
    assert before is not None and after is not None

    block = what_if.delta(before, after)

    assert block["score"] == after.score - before.score
    assert {i["id"] for i in block["indicators"]} == {"invention_patents", "admin_penalties"}
    penalties = next(i for i in block["indicators"] if i["id"] == "admin_penalties")
    assert penalties["points_from"] == 0 and penalties["points_to"] < 0
    assert (block["grade_from"], block["grade_to"]) == (before.grade, after.grade)


def test_null_removes_a_value_and_the_stored_data_is_untouched() -> None:
    current = data(BASE)
    changed = what_if.with_changes(current, P, {"invention_patents": None})
    assert "invention_patents" not in changed.facts[P]
    assert "invention_patents" in current.facts[P]


def test_a_hypothetical_enterprise_is_scored_from_master_and_facts() -> None:
    enterprise, problems = what_if.hypothetical(
        MODEL,
        {"name": "假设企业", "established_on": "2019-03-05", "region_code": "360111", "industry_code": "C39"},
        {"2025": {k: str(v) for k, v in BASE.items()}},
    )
    assert problems == [] and enterprise is not None
    card = score_period(MODEL, enterprise, P)
    real = score_period(MODEL, data(BASE), P)
    assert card is not None and real is not None and card.score == real.score


def test_a_hypothetical_enterprise_with_bad_master_data_gets_every_fault() -> None:
    enterprise, problems = what_if.hypothetical(
        MODEL, {"established_on": "someday", "region_code": "110000"}, {"twenty": {}, "2025": {"x": 1}}
    )
    assert enterprise is None
    assert {p.field for p in problems} == {
        "master.established_on",
        "master.region_code",
        "master.industry_code",
        "facts.twenty",
        "facts.2025.x",
    }


@given(patents=st.integers(min_value=0, max_value=60), base=st.integers(min_value=0, max_value=60))
def test_more_patents_never_lower_the_score(patents: int, base: int) -> None:
    current = data({**BASE, "invention_patents": base})
    before = score_period(MODEL, current, P)
    after = score_period(MODEL, what_if.with_changes(current, P, {"invention_patents": Decimal(patents)}), P)
    assert before is not None and after is not None
    block = what_if.delta(before, after)
    assert (block["score"] >= 0) == (patents >= base) or block["score"] == 0
