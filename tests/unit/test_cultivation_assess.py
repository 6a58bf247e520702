"""Cultivation arithmetic (contract 17): hand-computed oracles for gaps, bands and closeness; the loader."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.cultivation.assess import assess, field_value
from chalicelib.domain.cultivation.programs import (
    CultivationFile,
    CultivationFileError,
    load_programs,
    parse_programs,
    vocabulary,
)
from chalicelib.domain.model.schema import load_model

D = Decimal
MODEL = load_model("jx-2025.1-provisional")


@pytest.fixture(scope="module")
def programs() -> CultivationFile:
    return load_programs(MODEL)


def _hnte_values(revenue: str | None, intensity: str) -> dict[str, Decimal | None]:
    return {
        "operating_revenue": None if revenue is None else D(revenue),
        "rd_intensity": D(intensity),
        "rd_staff_ratio": D("12"),
        "high_tech_revenue_ratio": D("65"),
        "invention_patents": D(1),
    }


def test_the_three_programs_of_contract_17_are_shipped(programs: CultivationFile) -> None:
    assert [p.id for p in programs.programs] == ["tech_sme", "hnte", "srdi"]
    assert [p.target for p in programs.programs] == ["tech_sme", "hnte", "srdi"]
    srdi = programs.program("srdi")
    assert srdi is not None
    assert [(c.field, c.op, c.value) for c in srdi.criteria] == [
        ("age", ">=", D(2)),
        ("rd_expense", ">=", D(100)),
        ("rd_intensity", ">=", D(3)),
        ("operating_revenue", ">=", D(1000)),
        ("employees", "<=", D(1000)),
    ]


@pytest.mark.parametrize(
    ("revenue", "threshold"),
    [("4999.99", "5"), ("5000", "5"), ("5000.01", "4"), ("20000", "4"), ("20000.01", "3"), (None, "5")],
)
def test_the_hnte_band_follows_revenue_and_missing_revenue_takes_the_five_band(
    programs: CultivationFile, revenue: str | None, threshold: str
) -> None:
    hnte = programs.program("hnte")
    assert hnte is not None
    result = assess(hnte, _hnte_values(revenue, "4.5"), age=3)
    intensity = result.criteria[1]
    assert intensity.threshold == D(threshold)
    assert intensity.met is (D("4.5") >= D(threshold))
    assert intensity.gap == (D(0) if intensity.met else D(threshold) - D("4.5"))


def test_gaps_and_closeness_by_hand(programs: CultivationFile) -> None:
    tech = programs.program("tech_sme")
    assert tech is not None
    values = {
        "employees": D(600),  # <= 500: gap 100, ratio 500/600
        "operating_revenue": D(8000),  # met
        "rd_staff_ratio": D(5),  # >= 10: gap 5, ratio 0.5
        "rd_intensity": None,  # missing: gap None, ratio 0
        "invention_patents": D(0),
        "other_ip": D(2),  # ip_total 2: met
    }
    result = assess(tech, values, age=4)
    assert [(c.id, c.met, c.gap) for c in result.criteria] == [
        ("employees", False, D(100)),
        ("operating_revenue", True, D(0)),
        ("rd_staff_ratio", False, D(5)),
        ("rd_intensity", False, None),
        ("ip_total", True, D(0)),
    ]
    assert result.unmet == 3
    # (0.8333… + 1 + 0.5 + 0 + 1) / 5 = 0.666666… → 0.6667
    assert result.closeness == D("0.6667")


def test_zero_denominators_count_one(programs: CultivationFile) -> None:
    tech = programs.program("tech_sme")
    assert tech is not None
    values = {
        "employees": D(0),  # <= 500 with actual 0: met, ratio 1
        "operating_revenue": D(0),
        "rd_staff_ratio": D(0),  # >= 10: ratio 0/10 = 0
        "rd_intensity": D(0),
        "invention_patents": D(0),
    }
    result = assess(tech, values, age=0)
    assert result.unmet == 3
    assert result.closeness == D("0.4000")
    zero = parse_programs(
        _file("{id: xx, name_zh: 零, field: rd_expense, op: '>=', value: 0}"), vocabulary(MODEL)
    ).programs[0]
    assert assess(zero, {"rd_expense": D(0)}, None).closeness == D(1)
    assert assess(zero, {"rd_expense": None}, None).closeness == D(0)


def test_ip_total_counts_a_missing_part_as_zero_only_when_the_other_is_present() -> None:
    assert field_value({"invention_patents": D(2)}, None, "ip_total") == D(2)
    assert field_value({"other_ip": D(3), "invention_patents": None}, None, "ip_total") == D(3)
    assert field_value({"invention_patents": D(1), "other_ip": D(4)}, None, "ip_total") == D(5)
    assert field_value({}, None, "ip_total") is None
    assert field_value({}, 5, "age") == D(5)
    assert field_value({}, None, "age") is None


def test_closeness_rounds_half_up_to_four_decimals(programs: CultivationFile) -> None:
    srdi = programs.program("srdi")
    assert srdi is not None
    # rd_expense 99.99 / 100 = 0.9999; others met: (4 + 0.9999) / 5 = 0.99998 → 1.0000
    values = {
        "rd_expense": D("99.99"),
        "rd_intensity": D(5),
        "operating_revenue": D(2000),
        "employees": D(10),
    }
    result = assess(srdi, values, age=2)
    assert result.unmet == 1
    assert result.closeness == D("1.0000")
    assert result.criteria[1].gap == D("0.01")


values_strategy = st.dictionaries(
    st.sampled_from(
        [
            "employees",
            "operating_revenue",
            "rd_staff_ratio",
            "rd_intensity",
            "invention_patents",
            "other_ip",
            "high_tech_revenue_ratio",
            "rd_expense",
        ]
    ),
    st.decimals(min_value=0, max_value=100000, places=2, allow_nan=False, allow_infinity=False),
)


@settings(max_examples=300, deadline=None)
@given(values=values_strategy, age=st.none() | st.integers(min_value=0, max_value=40))
def test_unmet_zero_means_every_criterion_holds_and_closeness_is_one(
    values: dict[str, Decimal], age: int | None
) -> None:
    for program in load_programs(MODEL).programs:
        result = assess(program, values, age)
        assert 0 <= result.closeness <= 1
        assert result.unmet == sum(1 for c in result.criteria if not c.met)
        if result.unmet == 0:
            assert result.closeness == 1
            for c in result.criteria:
                assert c.actual is not None and c.gap == 0
                assert c.actual >= c.threshold if c.op == ">=" else c.actual <= c.threshold
        for c in result.criteria:
            assert (c.gap is None) == (c.actual is None)
            if c.gap is not None:
                assert c.gap >= 0


def _file(criterion: str, extra: str = "") -> str:
    return (
        "version: t\nname_zh: 测试\nqualifications:\n  - {id: hnte, name_zh: 高企, issuer: sci}\n"
        "programs:\n  - id: p1\n    name_zh: 测试\n    target: hnte\n"
        f"{extra}    criteria:\n      - {criterion}\n"
    )


@pytest.mark.parametrize(
    ("criterion", "extra", "fault"),
    [
        ("{id: xx, name_zh: 甲, field: nonsense, op: '>=', value: 1}", "", "unknown field"),
        ("{id: xx, name_zh: 甲, field: rd_staff, op: '>=', value: 1}", "", "unknown field"),
        ("{id: xx, name_zh: 甲, field: rd_expense, op: '>>', value: 1}", "", "op"),
        ("{id: xx, name_zh: 甲, field: rd_expense, op: '>=', valeu: 1}", "", "valeu"),
        ("{id: xx, name_zh: 甲, field: rd_expense, op: '>='}", "", "exactly one"),
        ("{id: xx, name_zh: 甲, field: rd_expense, op: '>=', value: 1}", "    colour: red\n", "colour"),
    ],
)
def test_a_faulty_cultivation_file_is_rejected_with_its_line(criterion: str, extra: str, fault: str) -> None:
    text = _file(criterion, extra)
    with pytest.raises(CultivationFileError) as caught:
        parse_programs(text, vocabulary(MODEL), "test.yaml")
    line = caught.value.line
    assert line is not None
    assert str(caught.value).startswith(f"test.yaml:{line}:")
    assert fault in str(caught.value)
    marker = "colour" if "colour" in extra else "      - {"
    expected = next(
        i
        for i, text_line in enumerate(text.splitlines(), 1)
        if text_line.startswith(marker) or (marker == "colour" and marker in text_line)
    )
    assert line == expected


def test_a_flag_or_issuer_the_model_does_not_know_is_rejected() -> None:
    bad_flag = _file("{id: xx, name_zh: 甲, field: rd_expense, op: '>=', value: 1}").replace(
        "issuer: sci}", "issuer: sci, flag: rd_expense}"
    )
    with pytest.raises(CultivationFileError, match="flag"):
        parse_programs(bad_flag, vocabulary(MODEL))
    bad_issuer = _file("{id: xx, name_zh: 甲, field: rd_expense, op: '>=', value: 1}").replace("sci", "nasa")
    with pytest.raises(CultivationFileError, match="unknown department"):
        parse_programs(bad_issuer, vocabulary(MODEL))
