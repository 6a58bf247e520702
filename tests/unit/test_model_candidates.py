"""Candidates: every fault of a file with its line, a JSON change applied to its base."""

from __future__ import annotations

import yaml

from chalicelib.domain.model.change import ModelChange, apply_change
from chalicelib.domain.model.faults import data_faults, file_faults
from chalicelib.domain.model.schema import MODELS_DIR, available_versions, load_model

TEXT = (MODELS_DIR / "jx-2025.1-provisional.yaml").read_text(encoding="utf-8")


def test_the_shipped_files_have_no_faults_and_the_draft_keeps_the_structure() -> None:
    assert {"jx-2025.1-provisional", "jx-2026.1-draft"} <= set(available_versions())
    for version in available_versions():
        model, faults = file_faults((MODELS_DIR / f"{version}.yaml").read_text(encoding="utf-8"))
        assert faults == [] and model is not None and model.version == version
    active, draft = load_model("jx-2025.1-provisional"), load_model("jx-2026.1-draft")
    assert [i.id for i in active.indicators] == [i.id for i in draft.indicators]
    moved = {i.id for i in draft.indicators if i.weight != active.indicator(i.id).weight}
    assert moved == {"invention_patents", "rd_intensity", "operating_revenue", "net_profit", "employees"}


def test_every_fault_of_a_file_is_listed_with_its_line() -> None:
    lines = TEXT.splitlines()
    broken = TEXT.replace("core_total: 900", "core_total: 901").replace("source: amr", "source: amrx", 1)
    model, faults = file_faults(broken)
    assert model is None
    messages = [f.message for f in faults]
    assert sum("sum to 900, not 901" in m for m in messages) == 3  # one per stage
    assert any("unknown department 'amrx'" in m for m in messages)
    department = next(f for f in faults if "amrx" in f.message)
    assert department.line is not None and "source: amrx" in broken.splitlines()[department.line - 1]
    assert len(lines) == len(broken.splitlines())


def test_a_field_fault_and_a_model_fault_never_hide_each_other_within_fields() -> None:
    data = yaml.safe_load(TEXT)
    data["indicators"][0]["weight"]["growth"] = "eighty"
    data["indicators"][1]["full"]["startup"] = -5
    _, faults = data_faults(data)
    paths = {f.path for f in faults}
    assert "indicators.rd_expense.weight.growth" in paths
    assert any(p is not None and p.startswith("indicators.rd_expense_growth") for p in paths)


def test_a_change_touches_only_what_it_names() -> None:
    base = yaml.safe_load(TEXT)
    change = ModelChange.model_validate(
        {"base": "x", "version": "jx-t", "indicators": {"rd_expense": {"full": {"growth": 1200}}}}
    )
    data, faults = apply_change(base, change)
    assert faults == []
    rd = next(i for i in data["indicators"] if i["id"] == "rd_expense")
    assert rd["full"] == {"startup": 200, "growth": 1200, "mature": 5000}
    assert data["version"] == "jx-t" and base["version"] == "jx-2025.1-provisional"  # the base is untouched
    model, more = data_faults(data)
    assert more == [] and model is not None


def test_a_change_naming_unknown_things_says_so_by_path() -> None:
    change = ModelChange.model_validate(
        {"base": "x", "version": "jx-t", "indicators": {"nope": {"points": 3}}, "grades": {"Z": 1}}
    )
    _, faults = apply_change(yaml.safe_load(TEXT), change)
    assert {f.path for f in faults} == {"indicators.nope", "grades.Z"}
