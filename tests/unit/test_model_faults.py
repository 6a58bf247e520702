"""Every fault of a candidate model at once (contract 11, 13, 13.1): a file's with their lines, a JSON
change's with their paths, and never an exception for a change that does not fit."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from chalicelib.domain.model.change import ModelChange, apply_change, change_faults
from chalicelib.domain.model.faults import data_faults, file_faults
from chalicelib.domain.model.schema import MODELS_DIR

ACTIVE = "jx-2025.1-provisional"
SHIPPED = (MODELS_DIR / f"{ACTIVE}.yaml").read_text(encoding="utf-8")


def shipped() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(SHIPPED)
    return data


def by_id(data: dict[str, Any], indicator_id: str) -> dict[str, Any]:
    return next(i for i in data["indicators"] if i["id"] == indicator_id)


def test_a_file_with_a_bad_weight_and_an_unknown_category_gets_both() -> None:
    data = shipped()
    by_id(data, "rd_expense")["weight"]["growth"] = -5  # a field fault of one indicator
    by_id(data, "other_ip")["category"] = "no_such_category"  # a cross-reference fault of another
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    lines = text.splitlines()

    model, faults = file_faults(text)

    assert model is None
    paths = {f.path for f in faults}
    assert "indicators.rd_expense" in paths
    assert "indicators.other_ip.category" in paths
    category = next(f for f in faults if f.path == "indicators.other_ip.category")
    assert category.line is not None and "no_such_category" in lines[category.line - 1]
    assert all(f.line is not None for f in faults)


def test_a_field_fault_does_not_hide_the_sums_or_the_departments() -> None:
    data = shipped()
    data["core_total"] = "lots"  # a field fault
    data["departments"][-1]["sends"] = ["operating_revenue", "no_such_indicator"]
    by_id(data, "invention_patents")["source"] = "nobody"
    _, faults = data_faults(data)
    messages = [f.message for f in faults]
    assert any(f.path == "core_total" for f in faults)
    assert any("no_such_indicator" in m for m in messages)
    assert any("unknown department 'nobody'" in m for m in messages)
    assert not any("sum to" in m for m in messages)  # no total to compare with: not a second fault


def change(**fields: Any) -> ModelChange:
    return ModelChange.model_validate({"base": ACTIVE, "version": "jx-test", **fields})


def test_a_change_with_an_unknown_indicator_and_a_bad_weight_gets_both() -> None:
    data, faults = apply_change(
        shipped(), change(indicators={"nope": {"points": 5}, "rd_expense": {"weight": {"growth": -5}}})
    )
    _, more = data_faults(data)
    paths = {f.path for f in faults + more}
    assert "indicators.nope" in paths
    assert any(p is not None and p.startswith("indicators.rd_expense") for p in paths)


@pytest.mark.parametrize(
    ("edit", "path"),
    [
        (
            {"industry_university_projects": {"weight": {"growth": 5}}},
            "indicators.industry_university_projects.weight",
        ),
        (
            {"industry_university_projects": {"full": {"growth": 5}}},
            "indicators.industry_university_projects.full",
        ),
        ({"rd_expense": {"points": 5}}, "indicators.rd_expense.points"),
        ({"rd_expense": {"cap": 5}}, "indicators.rd_expense.cap"),
        ({"rd_staff": {"weight": {"growth": 5}}}, "indicators.rd_staff.weight"),
        ({"rd_expense": {"weight": {"teen": 5}}}, "indicators.rd_expense.weight.teen"),
    ],
)
def test_a_field_that_does_not_fit_the_indicator_is_a_fault_with_its_path(
    edit: dict[str, Any], path: str
) -> None:
    data, faults = apply_change(shipped(), change(indicators=edit))
    assert path in {f.path for f in faults}
    data_faults(data)  # never raises (a partial weight on a bonus indicator was a KeyError)


def test_unknown_keys_and_bad_values_of_a_change_are_faults_with_paths() -> None:
    raw = {
        "base": ACTIVE,
        "version": "jx-test",
        "colour": "red",
        "indicators": {"rd_expense": {"weight": {"growth": "lots"}, "size": 3}},
        "whitelist": {"min_score": 600, "maximum": 1},
    }
    with pytest.raises(ValidationError) as caught:
        ModelChange.model_validate(raw)
    paths = {f.path for f in change_faults(caught.value)}
    assert {
        "colour",
        "indicators.rd_expense.weight.growth",
        "indicators.rd_expense.size",
        "whitelist.maximum",
    } <= paths


def test_a_fitting_change_has_no_faults() -> None:
    data, faults = apply_change(
        shipped(),
        change(
            indicators={
                "invention_patents": {"weight": {"growth": 85}},
                "other_ip": {"weight": {"growth": 30}},
                "industry_university_projects": {"points": 15},
            }
        ),
    )
    model, more = data_faults(data)
    assert faults == [] and more == [] and model is not None
    assert model.indicator("invention_patents").weight == {
        "startup": Decimal(80),
        "growth": Decimal(85),
        "mature": Decimal(70),
    }
