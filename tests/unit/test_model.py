"""The shipped model file against the contract's table, and the loader's refusals."""

from __future__ import annotations

import ast
import copy
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from chalicelib.domain.model.schema import (
    MODELS_DIR,
    STAGES,
    ModelFileError,
    ScoringModel,
    available_versions,
    load_model,
    parse_model,
)

VERSION = "jx-2025.1-provisional"
MODEL_TEXT = (MODELS_DIR / f"{VERSION}.yaml").read_text(encoding="utf-8")
CHALICELIB = Path(__file__).resolve().parents[2] / "chalicelib"

# Contract section 3, copied by hand: id, 中文名称, category, unit, full S/G/M, weight S/G/M.
CORE_TABLE = """
rd_expense | 研发费用总额 | tech_innovation | 万元 | 200 / 1000 / 5000 | 90 / 80 / 70
rd_expense_growth | 研发费用增长率 | tech_innovation | % | 50 / 30 / 20 | 45 / 40 / 35
rd_intensity | 研发费用占营业收入比例 | tech_innovation | % | 10 / 8 / 6 | 90 / 80 / 70
rd_staff_ratio | 研发人员占职工总数比例 | tech_innovation | % | 30 / 20 / 15 | 60 / 55 / 50
invention_patents | 有效发明专利数 | tech_innovation | 件 | 3 / 10 / 30 | 80 / 75 / 70
other_ip | 其他有效知识产权数 | tech_innovation | 件 | 10 / 20 / 50 | 45 / 40 / 35
tech_contract_turnover | 技术合同成交额 | tech_innovation | 万元 | 100 / 500 / 2000 | 45 / 45 / 40
standards_led | 主导或参与制定标准数 | tech_innovation | 项 | 1 / 3 / 5 | 40 / 40 / 40
rd_platforms | 省级及以上研发平台数 | tech_innovation | 个 | 1 / 1 / 2 | 45 / 40 / 40
operating_revenue | 营业收入 | growth_operations | 万元 | 500 / 5000 / 50000 | 50 / 60 / 70
revenue_growth | 营业收入增长率 | growth_operations | % | 50 / 30 / 15 | 70 / 75 / 70
net_profit | 净利润 | growth_operations | 万元 | 50 / 500 / 5000 | 30 / 45 / 60
tax_paid | 实缴税费总额 | growth_operations | 万元 | 20 / 200 / 2000 | 40 / 50 / 60
employees | 参保职工人数 | growth_operations | 人 | 20 / 100 / 500 | 40 / 40 / 50
high_tech_revenue_ratio | 高新技术产品(服务)收入占比 | growth_operations | % | 60 / 60 / 60 | 40 / 45 / 50
equity_financing | 股权融资额 | auxiliary | 万元 | 500 / 2000 / 5000 | 40 / 35 / 30
awards_projects | 科技奖励及省级以上科技项目数 | auxiliary | 项 | 1 / 2 / 3 | 25 / 30 / 30
high_level_talent | 高层次人才数 | auxiliary | 人 | 1 / 3 / 5 | 25 / 25 / 30
"""

# id: (formula, inputs, at_most)
DERIVED = {
    "rd_intensity": ("ratio", ("rd_expense", "operating_revenue"), None),
    "rd_expense_growth": ("growth", ("rd_expense",), None),
    "revenue_growth": ("growth", ("operating_revenue",), None),
    "rd_staff_ratio": ("ratio", ("rd_staff", "employees"), Decimal(100)),
}

# id: (中文名称, type, points, cap)
D = Decimal
CHARACTERISTIC = {
    "priority_industry": ("属于省重点产业链", "flag", D(30), None),
    "high_tech_enterprise": ("有效期内高新技术企业", "flag", D(30), None),
    "srdi_enterprise": ("专精特新中小企业", "flag", D(20), None),
    "gazelle_unicorn": ("瞪羚或独角兽企业", "flag", D(20), None),
    "industry_university_projects": ("产学研合作项目数", "count", D(10), D(20)),
}

# id: (中文名称, type, points, cap, veto)
NEGATIVE = {
    "dishonest_debtor": ("失信被执行人或严重失信主体", "flag", D(-200), None, True),
    "research_misconduct": ("科研诚信严重失信", "flag", D(-200), None, True),
    "major_safety_accident": ("近三年重大安全生产事故", "flag", D(-100), None, False),
    "tax_credit_d": ("纳税信用D级", "flag", D(-100), None, False),
    "abnormal_operation": ("列入经营异常名录", "flag", D(-50), None, False),
    "admin_penalties": ("行政处罚次数", "count", D(-20), D(100), False),
}

# Contract section 2: who may send what (stats: cross-checks only).
DEPARTMENTS = {
    "tax": {"rd_expense", "operating_revenue", "net_profit", "tax_paid", "tax_credit_d"},
    "amr": {"invention_patents", "other_ip", "standards_led", "admin_penalties", "abnormal_operation"},
    "sci": {
        "rd_staff",
        "tech_contract_turnover",
        "rd_platforms",
        "high_tech_revenue_ratio",
        "awards_projects",
        "high_tech_enterprise",
        "gazelle_unicorn",
        "industry_university_projects",
        "research_misconduct",
    },
    "hrss": {"employees", "high_level_talent"},
    "miit": {"srdi_enterprise", "priority_industry"},
    "finance": {"equity_financing"},
    "credit": {"dishonest_debtor"},
    "emergency": {"major_safety_accident"},
    "stats": {"operating_revenue", "rd_expense"},
}


def _core_rows() -> list[list[str]]:
    return [[cell.strip() for cell in line.split("|")] for line in CORE_TABLE.strip().splitlines()]


def _triple(text: str) -> dict[str, Decimal]:
    return dict(zip(STAGES, (Decimal(v) for v in text.split("/")), strict=True))


@pytest.fixture(scope="module")
def model() -> ScoringModel:
    return load_model(VERSION)


# --- the shipped file matches the contract ------------------------------------------------------------


def test_core_indicators_match_the_contract_table(model: ScoringModel) -> None:
    rows = _core_rows()
    core = [i for i in model.indicators if i.kind == "core"]
    assert [i.id for i in core] == [row[0] for row in rows]  # the table's order is the card's order
    for ind, (_, name, category, unit, full, weight) in zip(core, rows, strict=True):
        assert (ind.name_zh, ind.category, ind.unit, ind.method) == (name, category, unit, "linear"), ind.id
        assert ind.full == _triple(full), ind.id
        assert ind.weight == _triple(weight), ind.id


def test_core_weights_sum_to_900_in_every_stage(model: ScoringModel) -> None:
    for stage in STAGES:
        total = sum((_triple(row[5])[stage] for row in _core_rows()), Decimal(0))
        assert total == model.core_total == Decimal(900)


def test_derived_indicators_match_the_contract(model: ScoringModel) -> None:
    derived = {i.id: i for i in model.indicators if i.is_derived}
    assert set(derived) == set(DERIVED)
    for ind_id, (formula, inputs, at_most) in DERIVED.items():
        d = derived[ind_id].derived
        assert d is not None
        assert (d.formula, d.inputs, d.at_most) == (formula, inputs, at_most), ind_id
    rd_staff = model.indicator("rd_staff")
    assert (rd_staff.kind, rd_staff.name_zh, rd_staff.unit) == ("input", "研发人员数", "人")


def test_characteristic_and_negative_indicators_match_the_contract(model: ScoringModel) -> None:
    bonus = {i.id: i for i in model.indicators if i.kind == "characteristic"}
    assert list(bonus) == list(CHARACTERISTIC)
    for ind_id, (name, kind, points, cap) in CHARACTERISTIC.items():
        ind = bonus[ind_id]
        assert (ind.name_zh, ind.type, ind.points, ind.cap, ind.veto) == (name, kind, points, cap, False)
    negative = {i.id: i for i in model.indicators if i.kind == "negative"}
    assert list(negative) == list(NEGATIVE)
    for ind_id, (name, kind, points, cap, veto) in NEGATIVE.items():
        ind = negative[ind_id]
        assert (ind.name_zh, ind.type, ind.points, ind.cap, ind.veto) == (name, kind, points, cap, veto)


def test_rules_match_the_contract(model: ScoringModel) -> None:
    assert model.version == VERSION
    assert model.scale == 1000
    assert model.bonus_cap == 100
    rule = model.stage_rule
    assert rule.revenue_indicator == "operating_revenue"
    assert (rule.startup.age_below, rule.startup.revenue_below) == (3, D(500))
    assert (rule.mature.age_at_least, rule.mature.revenue_at_least) == (8, D(20000))
    assert rule.otherwise == "growth"
    assert [(s.id, s.name_zh) for s in model.stages] == [
        ("startup", "初创期"),
        ("growth", "成长期"),
        ("mature", "稳定期"),
    ]
    assert [(g.grade, g.min) for g in model.grades] == [
        ("A", D(750)),
        ("B", D(600)),
        ("C", D(450)),
        ("D", D(0)),
    ]
    assert (model.whitelist.min_score, model.whitelist.veto_excludes) == (D(600), True)
    assert (model.cross_check.department, model.cross_check.tolerance_pct) == ("stats", D(20))
    assert [c.id for c in model.categories] == [
        "tech_innovation",
        "growth_operations",
        "auxiliary",
        "characteristic",
        "negative",
    ]


def test_departments_send_what_the_contract_says(model: ScoringModel) -> None:
    sent = {d.id: {i.id for i in model.owned_by(d.id)} for d in model.departments if not d.master_data}
    assert sent == DEPARTMENTS
    registry = model.department("registry")
    assert registry is not None and registry.master_data
    stats = model.department("stats")
    assert stats is not None and stats.cross_check_only


def test_the_shipped_version_is_available_and_cached() -> None:
    assert VERSION in available_versions()
    assert load_model(VERSION) is load_model(VERSION)


def _literals(path: Path) -> tuple[list[str], list[object]]:
    """The string literals (docstrings and comments left out) and numeric constants of a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    strings: list[str] = []
    numbers: list[object] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Constant) or id(node) in docstrings:
            continue
        if isinstance(node.value, str):
            strings.append(node.value)
        elif isinstance(node.value, int | float) and not isinstance(node.value, bool):
            numbers.append(node.value)
    return strings, numbers


def test_no_indicator_name_is_written_in_code(model: ScoringModel) -> None:
    """The model file is the only place where an indicator's Chinese name is written."""
    names = {i.name_zh for i in model.indicators} | {s.name_zh for s in model.stages}
    for path in CHALICELIB.rglob("*.py"):
        strings, _ = _literals(path)
        found = sorted(name for name in names if any(name in s for s in strings))
        assert not found, f"{path.name} writes {found}"


def test_no_weight_or_threshold_is_written_in_the_engine() -> None:
    """The engine's only numbers are rounding steps, percent, and the bounds of its own caches."""
    allowed_numbers = {0, 1, 100, 32}  # 32 compiled (or told) models
    allowed_decimals = {"0.00", "0.01", "0.0001", "100.00"}  # rounding steps; the 100 % gap (docstring)
    engine = ("arithmetic", "assembly", "compiled", "engine", "whitelist", "explain")
    for name in (f"domain/scoring/{module}.py" for module in engine):
        strings, numbers = _literals(CHALICELIB / name)
        assert set(numbers) <= allowed_numbers, (name, numbers)
        decimal_like = {s for s in strings if re.fullmatch(r"\d+(\.\d+)?", s)}
        assert decimal_like <= allowed_decimals, (name, decimal_like)


# --- the loader refuses bad files, naming the line ------------------------------------------------------


def _data() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(MODEL_TEXT)
    return loaded


def _dump(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def _line_of(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if fragment in line)


DATA = _data()


@settings(max_examples=40, deadline=None)
@given(
    index=st.integers(min_value=0, max_value=17),
    stage=st.sampled_from(STAGES),
    delta=st.integers(min_value=-30, max_value=30).filter(bool),
)
def test_weights_that_do_not_sum_are_refused(index: int, stage: str, delta: int) -> None:
    data = copy.deepcopy(DATA)
    weight = [i for i in data["indicators"] if i["kind"] == "core"][index]["weight"]
    if weight[stage] + delta < 0:
        delta = -delta
    weight[stage] += delta
    with pytest.raises(
        ValidationError, match=rf"core weights of stage {stage} sum to {900 + delta}, not 900"
    ):
        ScoringModel.model_validate(data)


def test_a_file_whose_weights_do_not_sum_is_refused_with_a_line() -> None:
    text = MODEL_TEXT.replace(
        "weight: {startup: 90, growth: 80, mature: 70}", "weight: {startup: 90, growth: 81, mature: 70}", 1
    )
    # the sum belongs to no single line: the loader names the file and the top-level mapping
    with pytest.raises(
        ModelFileError, match=r"^x\.yaml:\d+: .*core weights of stage growth sum to 901, not 900"
    ):
        parse_model(text, "x.yaml")


def test_a_bad_value_is_reported_with_its_line() -> None:
    text = MODEL_TEXT.replace(
        "weight: {startup: 45, growth: 40, mature: 35}", "weight: {startup: 45, growth: many, mature: 35}", 1
    )
    line = _line_of(text, "growth: many")
    with pytest.raises(ModelFileError, match=rf"^m\.yaml:{line}: indicators\.1\.weight\.growth: "):
        parse_model(text, "m.yaml")


def test_a_duplicate_id_is_refused() -> None:
    data = _data()
    data["indicators"].append(dict(data["indicators"][0]))
    with pytest.raises(ModelFileError, match=r"unique.*rd_expense"):
        parse_model(_dump(data))


def test_an_unknown_department_is_refused() -> None:
    data = _data()
    data["indicators"][0]["source"] = "nobody"
    with pytest.raises(ModelFileError, match="unknown department 'nobody'"):
        parse_model(_dump(data))


def test_a_derived_input_must_be_an_uploaded_indicator() -> None:
    data = _data()
    intensity = next(i for i in data["indicators"] if i["id"] == "rd_intensity")
    intensity["derived"]["denominator"] = "revenue_growth"
    with pytest.raises(ModelFileError, match="not an uploaded indicator"):
        parse_model(_dump(data))


def test_a_negative_indicator_needs_negative_points() -> None:
    text = MODEL_TEXT.replace("points: -50", "points: 50", 1)
    with pytest.raises(ModelFileError, match="negative points"):
        parse_model(text)


def test_grades_must_run_down_to_zero() -> None:
    text = MODEL_TEXT.replace("{grade: D, min: 0}", "{grade: D, min: 100}", 1)
    with pytest.raises(ModelFileError, match="grades"):
        parse_model(text)


def test_not_yaml_and_not_a_mapping_are_refused() -> None:
    with pytest.raises(ModelFileError, match="not valid YAML"):
        parse_model("version: [unclosed", "bad.yaml")
    with pytest.raises(ModelFileError, match="not a mapping"):
        parse_model("- a list", "bad.yaml")


def test_an_unknown_version_is_refused() -> None:
    with pytest.raises(ModelFileError, match="no model file for version 'jx-1999'"):
        load_model("jx-1999")


def test_a_reparsed_shipped_file_is_the_same_model(model: ScoringModel) -> None:
    assert parse_model(_dump(_data())) == model
