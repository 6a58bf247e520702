"""Golden cards computed by hand, to the cent, and the engine's rules one by one.

Every golden case spells out its arithmetic: points = weight x min(value / full, 1), rounded half-up
to 2 decimals; derived values are rounded to 2 decimals first and scored from the rounded value.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from chalicelib.domain.model.schema import MODELS_DIR, ScoringModel, load_model, parse_model
from chalicelib.domain.records import EnterpriseData, FactValue, IndicatorScore, Master, ScoreCard
from chalicelib.domain.scoring.engine import score_enterprise, score_period, stage_for
from chalicelib.domain.scoring.explain import explanations

MODEL = load_model("jx-2025.1-provisional")
P = 2025


def fact(model: ScoringModel, indicator: str, value: str, batch: str = "B1", at: str = "") -> FactValue:
    return FactValue(Decimal(value), model.indicator(indicator).source, batch, at or "2026-01-05T00:00:00Z")


def enterprise(
    established: int | None,
    periods: dict[int, dict[str, str]],
    code: str = "91360100TESTCODE0X",
    cross_checks: dict[int, dict[str, str]] | None = None,
    model: ScoringModel = MODEL,
) -> EnterpriseData:
    master = (
        None if established is None else Master(code, "测试企业", date(established, 6, 1), "360100", "C39")
    )
    facts = {p: {i: fact(model, i, v) for i, v in row.items()} for p, row in periods.items()}
    checks = {
        p: {i: FactValue(Decimal(v), "stats", "S1") for i, v in row.items()}
        for p, row in (cross_checks or {}).items()
    }
    return EnterpriseData(code, master, facts, checks)


def card_for(data: EnterpriseData, period: int = P) -> ScoreCard:
    card = score_period(MODEL, data, period)
    assert card is not None
    return card


def points(card: ScoreCard) -> dict[str, Decimal]:
    return {i.id: i.points for i in card.indicators}


def item(card: ScoreCard, indicator: str) -> IndicatorScore:
    return next(i for i in card.indicators if i.id == indicator)


def told(card: ScoreCard, indicator: str, model: ScoringModel = MODEL) -> str:
    """The indicator's sentence as a portrait shows it: told from the card's numbers."""
    ids = [i.id for i in card.indicators]
    return explanations(model, card)[ids.index(indicator)]


def categories(card: ScoreCard) -> dict[str, tuple[Decimal, Decimal]]:
    return {c.id: (c.points, c.max) for c in card.categories}


def expect(card: ScoreCard, **fields: Any) -> None:
    for name, value in fields.items():
        actual = getattr(card, name)
        assert actual == value, f"{name}: {actual!r} != {value!r}"
        if isinstance(value, Decimal):  # same digits too: 538.67, never 538.670
            assert str(actual) == str(value), f"{name}: {actual} shown, not {value}"


D = Decimal
ZERO = D("0.00")


# --- golden cases ----------------------------------------------------------------------------------------


def test_golden_startup() -> None:
    # established 2023: age 2025 - 2023 = 2 < 3 -> startup (revenue 400 < 500 as well)
    data = enterprise(
        2023,
        {
            2024: {"rd_expense": "100", "operating_revenue": "320"},
            2025: {
                "rd_expense": "150",
                "operating_revenue": "400",
                "rd_staff": "6",
                "employees": "15",
                "invention_patents": "1",
                "other_ip": "4",
                "tech_contract_turnover": "30",
                "standards_led": "0",
                "net_profit": "-20",
                "tax_paid": "5",
                "high_tech_revenue_ratio": "45",
                "equity_financing": "100",
                "high_level_talent": "1",
                "high_tech_enterprise": "1",
                "industry_university_projects": "1",
                "abnormal_operation": "0",
            },
        },
    )
    card = card_for(data)
    assert card.stage == "startup"
    assert points(card) == {
        "rd_expense": D("67.50"),  # 90 x 150 / 200
        "rd_expense_growth": D("45.00"),  # (150 - 100) x 100 / 100 = 50.00 % = full 50 -> 45
        "rd_intensity": D("90.00"),  # 150 x 100 / 400 = 37.50 % >= full 10 -> 90
        "rd_staff_ratio": D("60.00"),  # 6 x 100 / 15 = 40.00 % >= full 30 -> 60
        "invention_patents": D("26.67"),  # 80 x 1 / 3 = 26.666.. -> 26.67
        "other_ip": D("18.00"),  # 45 x 4 / 10
        "tech_contract_turnover": D("13.50"),  # 45 x 30 / 100
        "standards_led": ZERO,  # 0: present, no points
        "rd_platforms": ZERO,  # missing
        "operating_revenue": D("40.00"),  # 50 x 400 / 500
        "revenue_growth": D("35.00"),  # (400 - 320) x 100 / 320 = 25.00 %; 70 x 25 / 50
        "net_profit": ZERO,  # a loss scores 0
        "tax_paid": D("10.00"),  # 40 x 5 / 20
        "employees": D("30.00"),  # 40 x 15 / 20
        "high_tech_revenue_ratio": D("30.00"),  # 40 x 45 / 60
        "equity_financing": D("8.00"),  # 40 x 100 / 500
        "awards_projects": ZERO,  # missing
        "high_level_talent": D("25.00"),  # 1 >= full 1
        "priority_industry": ZERO,
        "high_tech_enterprise": D("30.00"),
        "srdi_enterprise": ZERO,
        "gazelle_unicorn": ZERO,
        "industry_university_projects": D("10.00"),  # 1 x 10
        "dishonest_debtor": ZERO,
        "research_misconduct": ZERO,
        "major_safety_accident": ZERO,
        "tax_credit_d": ZERO,
        "abnormal_operation": ZERO,  # sent as 0: no deduction
        "admin_penalties": ZERO,
    }
    # tech: 67.50 + 45 + 90 + 60 + 26.67 + 18 + 13.50 = 320.67 of 90+45+90+60+80+45+45+40+45 = 540
    # growth_operations: 40 + 35 + 10 + 30 + 30 = 145.00 of 50+70+30+40+40+40 = 270
    # auxiliary: 8 + 25 = 33.00 of 40+25+25 = 90
    assert categories(card) == {
        "tech_innovation": (D("320.67"), D("540.00")),
        "growth_operations": (D("145.00"), D("270.00")),
        "auxiliary": (D("33.00"), D("90.00")),
        "characteristic": (D("40.00"), D("100.00")),
        "negative": (ZERO, ZERO),
    }
    # 320.67 + 145 + 33 = 498.67; + 40 bonus = 538.67 -> C; 16 of 18 core values present
    expect(
        card,
        core=D("498.67"),
        bonus=D("40.00"),
        deductions=ZERO,
        score=D("538.67"),
        grade="C",
        veto=False,
        whitelisted=False,
        completeness=D("0.8889"),
        model_version="jx-2025.1-provisional",
    )


def test_golden_growth() -> None:
    # established 2018: age 7 < 8, so growth although revenue 24000 >= 20000
    data = enterprise(
        2018,
        {
            2024: {"rd_expense": "1120", "operating_revenue": "20000"},
            2025: {
                "rd_expense": "1400",
                "operating_revenue": "24000",
                "rd_staff": "30",
                "employees": "200",
                "invention_patents": "4",
                "other_ip": "25",
                "tech_contract_turnover": "126.5",
                "standards_led": "2",
                "rd_platforms": "1",
                "net_profit": "250",
                "tax_paid": "150",
                "high_tech_revenue_ratio": "72.5",
                "awards_projects": "1",
                "high_level_talent": "2",
                "priority_industry": "1",
                "srdi_enterprise": "1",
                "admin_penalties": "2",
            },
        },
    )
    card = card_for(data)
    assert card.stage == "growth"
    assert item(card, "rd_intensity").value == D("5.83")  # 1400 x 100 / 24000 = 5.8333.. -> 5.83
    assert points(card) == {
        "rd_expense": D("80.00"),  # 1400 >= full 1000
        "rd_expense_growth": D("33.33"),  # (1400 - 1120) x 100 / 1120 = 25.00 %; 40 x 25 / 30 = 33.333..
        "rd_intensity": D("58.30"),  # from the rounded 5.83: 80 x 5.83 / 8 = 58.30 (not 58.33)
        "rd_staff_ratio": D("41.25"),  # 30 x 100 / 200 = 15.00 %; 55 x 15 / 20
        "invention_patents": D("30.00"),  # 75 x 4 / 10
        "other_ip": D("40.00"),  # 25 >= full 20
        "tech_contract_turnover": D("11.39"),  # 45 x 126.5 / 500 = 11.385 -> half-up 11.39 (half-even: 11.38)
        "standards_led": D("26.67"),  # 40 x 2 / 3 = 26.666..
        "rd_platforms": D("40.00"),  # 1 >= full 1
        "operating_revenue": D("60.00"),  # 24000 >= full 5000
        "revenue_growth": D("50.00"),  # (24000 - 20000) x 100 / 20000 = 20.00 %; 75 x 20 / 30
        "net_profit": D("22.50"),  # 45 x 250 / 500
        "tax_paid": D("37.50"),  # 50 x 150 / 200
        "employees": D("40.00"),  # 200 >= full 100
        "high_tech_revenue_ratio": D("45.00"),  # 72.5 >= full 60
        "equity_financing": ZERO,  # missing
        "awards_projects": D("15.00"),  # 30 x 1 / 2
        "high_level_talent": D("16.67"),  # 25 x 2 / 3 = 16.666..
        "priority_industry": D("30.00"),
        "high_tech_enterprise": ZERO,
        "srdi_enterprise": D("20.00"),
        "gazelle_unicorn": ZERO,
        "industry_university_projects": ZERO,
        "dishonest_debtor": ZERO,
        "research_misconduct": ZERO,
        "major_safety_accident": ZERO,
        "tax_credit_d": ZERO,
        "abnormal_operation": ZERO,
        "admin_penalties": D("-40.00"),  # 2 x -20
    }
    # tech: 80 + 33.33 + 58.30 + 41.25 + 30 + 40 + 11.39 + 26.67 + 40 = 360.94 of 495
    # growth_operations: 60 + 50 + 22.50 + 37.50 + 40 + 45 = 255.00 of 315; auxiliary: 15 + 16.67 = 31.67
    assert categories(card) == {
        "tech_innovation": (D("360.94"), D("495.00")),
        "growth_operations": (D("255.00"), D("315.00")),
        "auxiliary": (D("31.67"), D("90.00")),
        "characteristic": (D("50.00"), D("100.00")),
        "negative": (D("-40.00"), ZERO),
    }
    # core 360.94 + 255 + 31.67 = 647.61; + 50 - 40 = 657.61 -> B, listed; 17 of 18 present
    expect(
        card,
        core=D("647.61"),
        bonus=D("50.00"),
        deductions=D("40.00"),
        score=D("657.61"),
        grade="B",
        veto=False,
        whitelisted=True,
        completeness=D("0.9444"),
    )


def test_golden_mature() -> None:
    # established 2010: age 15 >= 8 and revenue 60000 >= 20000 -> mature
    data = enterprise(
        2010,
        {
            2024: {"rd_expense": "2500", "operating_revenue": "50000"},
            2025: {
                "rd_expense": "3000",
                "operating_revenue": "60000",
                "rd_staff": "120",
                "employees": "800",
                "invention_patents": "12",
                "other_ip": "20",
                "tech_contract_turnover": "2500",
                "standards_led": "3",
                "rd_platforms": "1",
                "net_profit": "4000",
                "tax_paid": "1500",
                "high_tech_revenue_ratio": "30",
                "equity_financing": "1000",
                "awards_projects": "3",
                "high_level_talent": "4",
                "high_tech_enterprise": "1",
                "gazelle_unicorn": "1",
                "major_safety_accident": "0",
            },
        },
    )
    card = card_for(data)
    assert card.stage == "mature"
    assert points(card) == {
        "rd_expense": D("42.00"),  # 70 x 3000 / 5000
        "rd_expense_growth": D("35.00"),  # (3000 - 2500) x 100 / 2500 = 20.00 % >= full 20
        "rd_intensity": D("58.33"),  # 3000 x 100 / 60000 = 5.00 %; 70 x 5 / 6 = 58.333..
        "rd_staff_ratio": D("50.00"),  # 120 x 100 / 800 = 15.00 % >= full 15
        "invention_patents": D("28.00"),  # 70 x 12 / 30
        "other_ip": D("14.00"),  # 35 x 20 / 50
        "tech_contract_turnover": D("40.00"),  # 2500 >= full 2000
        "standards_led": D("24.00"),  # 40 x 3 / 5
        "rd_platforms": D("20.00"),  # 40 x 1 / 2
        "operating_revenue": D("70.00"),  # 60000 >= full 50000
        "revenue_growth": D("70.00"),  # 10000 x 100 / 50000 = 20.00 % >= full 15
        "net_profit": D("48.00"),  # 60 x 4000 / 5000
        "tax_paid": D("45.00"),  # 60 x 1500 / 2000
        "employees": D("50.00"),  # 800 >= full 500
        "high_tech_revenue_ratio": D("25.00"),  # 50 x 30 / 60
        "equity_financing": D("6.00"),  # 30 x 1000 / 5000
        "awards_projects": D("30.00"),  # 3 >= full 3
        "high_level_talent": D("24.00"),  # 30 x 4 / 5
        "priority_industry": ZERO,
        "high_tech_enterprise": D("30.00"),
        "srdi_enterprise": ZERO,
        "gazelle_unicorn": D("20.00"),
        "industry_university_projects": ZERO,
        "dishonest_debtor": ZERO,
        "research_misconduct": ZERO,
        "major_safety_accident": ZERO,
        "tax_credit_d": ZERO,
        "abnormal_operation": ZERO,
        "admin_penalties": ZERO,
    }
    # tech: 42 + 35 + 58.33 + 50 + 28 + 14 + 40 + 24 + 20 = 311.33 of 450
    # growth_operations: 70 + 70 + 48 + 45 + 50 + 25 = 308.00 of 360; auxiliary: 6 + 30 + 24 = 60.00 of 90
    assert categories(card) == {
        "tech_innovation": (D("311.33"), D("450.00")),
        "growth_operations": (D("308.00"), D("360.00")),
        "auxiliary": (D("60.00"), D("90.00")),
        "characteristic": (D("50.00"), D("100.00")),
        "negative": (ZERO, ZERO),
    }
    # 311.33 + 308 + 60 = 679.33; + 50 = 729.33 -> B, listed; all 18 present
    expect(
        card,
        core=D("679.33"),
        bonus=D("50.00"),
        score=D("729.33"),
        grade="B",
        whitelisted=True,
        completeness=D("1.0000"),
    )


def test_golden_veto() -> None:
    # established 2015: age 10 but revenue 15000 < 20000 -> growth; every core indicator at full but one
    data = enterprise(
        2015,
        {
            2024: {"rd_expense": "900", "operating_revenue": "12000"},
            2025: {
                "rd_expense": "1200",
                "operating_revenue": "15000",
                "rd_staff": "50",
                "employees": "250",
                "invention_patents": "10",
                "other_ip": "20",
                "tech_contract_turnover": "500",
                "standards_led": "3",
                "rd_platforms": "1",
                "net_profit": "500",
                "tax_paid": "200",
                "high_tech_revenue_ratio": "60",
                "equity_financing": "2000",
                "awards_projects": "2",
                "high_level_talent": "3",
                "priority_industry": "1",
                "dishonest_debtor": "1",
            },
        },
    )
    card = card_for(data)
    assert card.stage == "growth"
    # rd growth (1200 - 900) x 100 / 900 = 33.33 % >= 30 -> 40; intensity 1200 x 100 / 15000 = 8.00 -> 80
    # staff 50 x 100 / 250 = 20.00 -> 55; revenue growth 3000 x 100 / 12000 = 25.00 % -> 75 x 25 / 30 = 62.50
    assert item(card, "revenue_growth").points == D("62.50")
    assert item(card, "dishonest_debtor").points == D("-200.00")
    # core = 900 - (75 - 62.50) = 887.50; + 30 bonus - 200 = 717.50: grade B, but the veto bars the list
    expect(
        card,
        core=D("887.50"),
        bonus=D("30.00"),
        deductions=D("200.00"),
        score=D("717.50"),
        grade="B",
        veto=True,
        whitelisted=False,
        completeness=D("1.0000"),
    )
    assert categories(card)["negative"] == (D("-200.00"), ZERO)


def test_golden_bonus_over_its_cap_and_no_previous_year() -> None:
    # established 2024: age 1 -> startup; nothing sent for 2024, so both growth rates are missing
    data = enterprise(
        2024,
        {
            2025: {
                "rd_expense": "20",
                "operating_revenue": "100",
                "priority_industry": "1",
                "high_tech_enterprise": "1",
                "srdi_enterprise": "1",
                "gazelle_unicorn": "1",
                "industry_university_projects": "5",
            }
        },
    )
    card = card_for(data)
    assert card.stage == "startup"
    p = points(card)
    assert p["rd_expense"] == D("9.00")  # 90 x 20 / 200
    assert p["rd_intensity"] == D("90.00")  # 20 x 100 / 100 = 20.00 % >= full 10
    assert p["operating_revenue"] == D("10.00")  # 50 x 100 / 500
    assert item(card, "rd_expense_growth").value is None
    assert item(card, "revenue_growth").value is None
    assert p["industry_university_projects"] == D("20.00")  # 5 x 10 = 50, capped at 20
    # bonus 30 + 30 + 20 + 20 + 20 = 120, capped at 100; core 9 + 90 + 10 = 109.00; 3 of 18 present
    assert categories(card)["characteristic"] == (D("100.00"), D("100.00"))
    expect(
        card,
        core=D("109.00"),
        bonus=D("100.00"),
        score=D("209.00"),
        grade="D",
        whitelisted=False,
        completeness=D("0.1667"),
    )


def test_golden_penalties_beyond_their_cap_clamp_the_score_to_zero() -> None:
    # established 2019: age 6, revenue 6000 -> growth; 2024 holds only employees, so no growth rates
    data = enterprise(
        2019,
        {
            2024: {"employees": "45"},
            2025: {
                "rd_expense": "400",
                "operating_revenue": "6000",
                "employees": "50",
                "tax_paid": "100",
                "admin_penalties": "8",
                "abnormal_operation": "1",
                "tax_credit_d": "1",
            },
        },
    )
    card = card_for(data)
    assert card.stage == "growth"
    p = points(card)
    assert p["rd_expense"] == D("32.00")  # 80 x 400 / 1000
    assert item(card, "rd_intensity").value == D("6.67")  # 400 x 100 / 6000 = 6.666.. -> 6.67
    assert p["rd_intensity"] == D("66.70")  # 80 x 6.67 / 8 (the exact ratio would give 66.67)
    assert p["operating_revenue"] == D("60.00")  # 6000 >= full 5000
    assert p["employees"] == D("20.00")  # 40 x 50 / 100
    assert p["tax_paid"] == D("25.00")  # 50 x 100 / 200
    assert item(card, "rd_staff_ratio").value is None  # no rd_staff
    assert item(card, "revenue_growth").value is None
    assert p["admin_penalties"] == D("-100.00")  # 8 x -20 = -160, capped at -100
    assert p["abnormal_operation"] == D("-50.00")
    assert p["tax_credit_d"] == D("-100.00")
    # core 32 + 66.70 + 60 + 20 + 25 = 203.70; deductions 100 + 50 + 100 = 250; 203.70 - 250 < 0 -> 0.00
    assert categories(card)["negative"] == (D("-250.00"), ZERO)
    expect(
        card,
        core=D("203.70"),
        bonus=ZERO,
        deductions=D("250.00"),
        score=ZERO,
        grade="D",
        veto=False,
        whitelisted=False,
        completeness=D("0.2778"),
    )


# --- which periods are scored ---------------------------------------------------------------------------


def test_no_master_data_no_card() -> None:
    data = enterprise(None, {P: {"rd_expense": "100"}})
    assert score_period(MODEL, data, P) is None
    assert score_enterprise(MODEL, data) == []


def test_established_after_the_period_no_card() -> None:
    data = enterprise(2025, {2024: {"rd_expense": "100"}, 2025: {"rd_expense": "120"}})
    assert score_period(MODEL, data, 2024) is None
    assert [c.period for c in score_enterprise(MODEL, data)] == [2025]


def test_a_stats_value_alone_does_not_make_a_card() -> None:
    data = enterprise(2010, {}, cross_checks={P: {"operating_revenue": "500"}})
    assert score_period(MODEL, data, P) is None


def test_the_previous_year_alone_does_not_make_a_card() -> None:
    data = enterprise(2010, {P - 1: {"rd_expense": "100", "operating_revenue": "1000"}})
    assert score_period(MODEL, data, P) is None
    assert [c.period for c in score_enterprise(MODEL, data)] == [P - 1]


def test_an_input_only_value_makes_a_card_with_nothing_scored() -> None:
    card = card_for(enterprise(2010, {P: {"rd_staff": "5"}}))
    assert card.score == ZERO
    assert card.completeness == D("0.0000")
    assert "rd_staff" not in points(card)


def test_cards_come_in_ascending_periods() -> None:
    data = enterprise(2010, {2025: {"employees": "10"}, 2023: {"employees": "10"}, 2024: {"employees": "10"}})
    assert [c.period for c in score_enterprise(MODEL, data)] == [2023, 2024, 2025]


# --- stage ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("established", "revenue", "stage"),
    [
        (2023, "100000", "startup"),  # age 2 < 3, whatever the revenue
        (2022, "499.99", "startup"),  # age 3, revenue < 500
        (2022, "500", "growth"),  # age 3, revenue 500
        (2022, None, "startup"),  # missing revenue counts as 0
        (2018, "50000", "growth"),  # age 7 < 8
        (2017, "19999.99", "growth"),  # age 8, revenue < 20000
        (2017, "20000", "mature"),  # age 8, revenue 20000
    ],
)
def test_stage_boundaries(established: int, revenue: str | None, stage: str) -> None:
    master = Master("X", "n", date(established, 12, 31), "360100", "C")
    assert stage_for(MODEL, master, None if revenue is None else D(revenue), P) == stage
    periods = {P: {"operating_revenue": revenue} if revenue else {"employees": "1"}}
    assert card_for(enterprise(established, periods)).stage == stage


# --- derived values --------------------------------------------------------------------------------------


def test_a_previous_year_base_of_zero_leaves_growth_missing() -> None:
    periods = {P - 1: {"rd_expense": "0"}, P: {"rd_expense": "100", "operating_revenue": "1000"}}  # growth
    card = card_for(enterprise(2010, periods))
    growth = item(card, "rd_expense_growth")
    assert (growth.value, growth.points, growth.source_department, growth.batch_id) == (
        None,
        ZERO,
        None,
        None,
    )
    assert told(card, "rd_expense_growth") == (
        "研发费用增长率 无法计算（上年研发费用总额不大于 0），得 0.00/40 分"
    )


def test_a_falling_value_gives_negative_growth_and_no_points() -> None:
    card = card_for(enterprise(2010, {P - 1: {"operating_revenue": "1000"}, P: {"operating_revenue": "800"}}))
    growth = item(card, "revenue_growth")
    assert (growth.value, growth.points) == (D("-20.00"), ZERO)


def test_the_staff_ratio_is_capped_at_100() -> None:
    card = card_for(enterprise(2010, {P: {"rd_staff": "30", "employees": "20", "operating_revenue": "1000"}}))
    ratio = item(card, "rd_staff_ratio")
    assert ratio.value == D("100.00")
    assert told(card, "rd_staff_ratio") == (
        "研发人员占职工总数比例 100.00%（研发人员数 30 人 ÷ 参保职工人数 20 人，最高 100%），"
        "满分线 20%，得 55.00/55 分"
    )


def test_a_zero_denominator_leaves_the_ratio_missing() -> None:
    card = card_for(enterprise(2010, {P: {"rd_expense": "10", "operating_revenue": "0"}}))
    assert item(card, "rd_intensity").value is None
    assert item(card, "operating_revenue").value == D("0")  # present, so it counts for completeness
    assert card.completeness == D("0.1111")  # rd_expense and operating_revenue: 2 / 18


def test_a_derived_value_carries_the_batch_of_its_newest_input() -> None:
    facts = {
        P - 1: {"rd_expense": fact(MODEL, "rd_expense", "100", "OLD", "2025-02-01T00:00:00Z")},
        P: {
            "rd_expense": fact(MODEL, "rd_expense", "120", "TAX", "2026-02-01T00:00:00Z"),
            "operating_revenue": fact(MODEL, "operating_revenue", "1000", "LATE", "2026-03-01T00:00:00Z"),
        },
    }
    data = EnterpriseData("X", Master("X", "n", date(2010, 1, 1), "360100", "C"), facts)
    card = card_for(data)
    growth, intensity = item(card, "rd_expense_growth"), item(card, "rd_intensity")
    assert (growth.source_department, growth.batch_id) == ("derived", "TAX")
    assert (intensity.source_department, intensity.batch_id) == ("derived", "LATE")
    assert (item(card, "rd_expense").source_department, item(card, "rd_expense").batch_id) == ("tax", "TAX")


# --- the card's shape -------------------------------------------------------------------------------------


def test_every_listed_indicator_in_model_order_with_its_max() -> None:
    card = card_for(enterprise(2010, {P: {"employees": "10"}}))
    listed = [i for i in MODEL.indicators if i.kind != "input"]
    assert [i.id for i in card.indicators] == [i.id for i in listed]
    assert [i.name_zh for i in card.indicators] == [i.name_zh for i in listed]
    assert [i.category for i in card.indicators] == [i.category for i in listed]
    for entry, ind in zip(card.indicators, listed, strict=True):
        if ind.kind == "core":
            assert ind.weight is not None
            assert entry.max_points == ind.weight[card.stage]
        elif ind.kind == "characteristic":
            assert entry.max_points == (ind.cap if ind.method == "per_unit" else ind.points)
        else:
            assert entry.max_points == 0
    assert [c.id for c in card.categories] == [c.id for c in MODEL.categories]
    assert sum((c.max for c in card.categories[:3]), D(0)) == MODEL.core_total


def test_explanations() -> None:
    data = enterprise(
        2015,
        {
            P: {
                "rd_expense": "800",
                "operating_revenue": "9600",
                "high_tech_enterprise": "1",
                "srdi_enterprise": "0",
                "industry_university_projects": "3",
                "dishonest_debtor": "1",
                "tax_credit_d": "0",
                "admin_penalties": "2",
            }
        },
    )
    card = card_for(data)
    text = {i.id: told(card, i.id) for i in card.indicators}
    assert text["rd_expense"] == "研发费用总额 800 万元，满分线 1000 万元，得 64.00/80 分"
    assert text["rd_intensity"] == (
        "研发费用占营业收入比例 8.33%（研发费用总额 800 万元 ÷ 营业收入 9600 万元），"
        "满分线 8%，得 80.00/80 分"
    )
    assert text["rd_expense_growth"] == "研发费用增长率 无法计算（缺少上年研发费用总额），得 0.00/40 分"
    assert text["invention_patents"] == "有效发明专利数 未报送，得 0.00/75 分"
    assert text["high_tech_enterprise"] == "有效期内高新技术企业：是，得 30.00/30 分"
    assert text["srdi_enterprise"] == "专精特新中小企业：否，得 0.00/20 分"
    assert (
        text["industry_university_projects"]
        == "产学研合作项目数 3 项（每项 10 分，上限 20 分），得 20.00/20 分"
    )
    assert text["dishonest_debtor"] == "失信被执行人或严重失信主体：是，扣 200.00 分，一票否决"
    assert text["tax_credit_d"] == "纳税信用D级：否，不扣分"
    assert text["admin_penalties"] == "行政处罚次数 2 次（每次扣 20 分，最多扣 100 分），扣 40.00 分"
    assert text["major_safety_accident"] == "近三年重大安全生产事故 未报送，不扣分"


def test_a_value_with_an_exponent_is_shown_plainly() -> None:
    card = card_for(enterprise(2015, {P: {"rd_expense": "1E+3", "operating_revenue": "1000"}}))
    assert told(card, "rd_expense") == "研发费用总额 1000 万元，满分线 1000 万元，得 80.00/80 分"


def test_equal_values_written_differently_keep_their_own_form() -> None:
    # counts are shared between cards; "2" and "2.0" are equal Decimals but must print as sent
    first = card_for(enterprise(2015, {P: {"invention_patents": "2"}}))
    second = card_for(enterprise(2015, {P: {"invention_patents": "2.0"}}))
    assert str(item(first, "invention_patents").value) == "2"
    assert str(item(second, "invention_patents").value) == "2.0"
    assert told(second, "invention_patents").startswith("有效发明专利数 2.0 件")


def test_fast_built_records_equal_ordinary_ones() -> None:
    card = card_for(enterprise(2015, {P: {"rd_expense": "800", "admin_penalties": "1"}}))
    for entry in card.indicators:
        assert entry == IndicatorScore(**{f: getattr(entry, f) for f in entry._fields})
    rebuilt = ScoreCard(**{f: getattr(card, f) for f in card.__dataclass_fields__})
    assert rebuilt == card and hash(rebuilt.categories) == hash(card.categories)
    with pytest.raises(AttributeError):
        card.score = D(1)  # type: ignore[misc]


# --- cross-checks -----------------------------------------------------------------------------------------


def test_a_stats_gap_over_the_tolerance_is_a_discrepancy() -> None:
    data = enterprise(
        2015,
        {P: {"operating_revenue": "1000", "rd_expense": "100"}},
        cross_checks={P: {"operating_revenue": "1200", "rd_expense": "120.01"}},
    )
    card = card_for(data)
    # revenue: |1200 - 1000| x 100 / 1000 = 20.00: not over 20; rd: 20.01 x 100 / 100 = 20.01: over
    assert len(card.discrepancies) == 1
    found = card.discrepancies[0]
    assert (found.indicator, found.period, found.gap_pct) == ("rd_expense", P, D("20.01"))
    assert (found.scored_value, found.stats_value) == (D("100"), D("120.01"))
    assert (found.scored_department, found.stats_batch_id) == ("tax", "S1")


def test_a_stats_value_against_a_scored_zero_or_nothing() -> None:
    data = enterprise(
        2015,
        {P: {"rd_expense": "0", "employees": "5"}},
        cross_checks={P: {"rd_expense": "5", "operating_revenue": "900"}},
    )
    card = card_for(data)
    # rd_expense 0 vs 5: recorded, the gap taken against the stats value (100.00); revenue not scored: none
    assert [(d.indicator, d.gap_pct) for d in card.discrepancies] == [("rd_expense", D("100.00"))]


def test_stats_values_are_never_scored() -> None:
    with_stats = enterprise(2015, {P: {"employees": "5"}}, cross_checks={P: {"operating_revenue": "900"}})
    without = enterprise(2015, {P: {"employees": "5"}})
    assert replace(card_for(with_stats), discrepancies=()) == card_for(without)
    assert item(card_for(with_stats), "operating_revenue").value is None


# --- another model version --------------------------------------------------------------------------------


def test_the_engine_reads_everything_from_the_model() -> None:
    text = (
        (MODELS_DIR / "jx-2025.1-provisional.yaml")
        .read_text(encoding="utf-8")
        .replace("bonus_cap: 100", "bonus_cap: 40")
        .replace("whitelist: {min_score: 600", "whitelist: {min_score: 140")
        .replace("{grade: C, min: 450}", "{grade: C, min: 100}")
        .replace("name_zh: 研发费用总额", "name_zh: 研发经费")
    )
    other = parse_model(text)
    row = {
        "rd_expense": "20",
        "operating_revenue": "100",
        "priority_industry": "1",
        "high_tech_enterprise": "1",
    }
    row |= {"srdi_enterprise": "1"}
    card = score_period(other, enterprise(2024, {P: row}, model=other), P)
    assert card is not None
    # core 9 + 90 + 10 = 109; bonus 30 + 30 + 20 = 80, capped at 40 -> 149.00:
    # grade C (>= 100), listed (>= 140)
    assert (card.score, card.grade, card.whitelisted) == (D("149.00"), "C", True)
    assert categories(card)["characteristic"] == (D("40.00"), D("40.00"))
    assert told(card, "rd_expense", other).startswith("研发经费 20 万元")
    # the shipped model on the same facts: bonus cap 100 -> 189.00, grade D, not listed
    shipped = card_for(enterprise(2024, {P: row}))
    assert (shipped.score, shipped.grade, shipped.whitelisted) == (D("189.00"), "D", False)
