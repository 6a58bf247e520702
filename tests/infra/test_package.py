"""scripts/package.py parts that need no packaging."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from scripts.package import MERGE_TEMPLATE, PackagingError, package, pin_stage, stages


def _merge_template() -> dict[str, object]:
    # CloudFormation short tags (!Sub, !Ref, ...) read as plain values: only the structure matters here
    class _Loader(yaml.SafeLoader):
        pass

    _Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    loaded: dict[str, object] = yaml.load(MERGE_TEMPLATE.read_text(encoding="utf-8"), Loader=_Loader)
    return loaded


def test_pin_stage_fixes_the_stage_parameter() -> None:
    template = {
        "Parameters": {"Stage": {"Type": "String", "AllowedValues": ["dev", "prod"], "Default": "dev"}}
    }

    pinned = pin_stage(template, "prod")

    assert pinned["Parameters"]["Stage"] == {"Type": "String", "AllowedValues": ["prod"], "Default": "prod"}
    assert template["Parameters"]["Stage"]["Default"] == "dev"  # the input is left alone


def test_pin_stage_refuses_a_template_without_infra() -> None:
    with pytest.raises(PackagingError):
        pin_stage({"Resources": {}}, "dev")


def test_merge_template_offers_every_chalice_stage() -> None:
    parameters = _merge_template()["Parameters"]
    assert isinstance(parameters, dict)
    assert set(parameters["Stage"]["AllowedValues"]) == set(stages())


def test_unknown_stage_is_refused_before_packaging(tmp_path: Path) -> None:
    with pytest.raises(PackagingError, match="unknown stage"):
        package("staging", tmp_path)
    assert list(tmp_path.iterdir()) == []
