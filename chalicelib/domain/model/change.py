"""A candidate model given as a change of an existing version (contract 13: `POST /models` with JSON).

Only what changes is sent; everything else is the base version's. The change is applied to the base's
file data and the result validated as a whole, so a change that breaks a sum is refused with the
same faults a file would get, paths naming indicators by id.
"""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from chalicelib.domain.model.faults import Fault
from chalicelib.domain.model.schema import STAGES

VERSION_PATTERN = r"^[a-z0-9][a-z0-9._-]{1,63}$"
# what a change may set on an indicator of each kind (contract 13.1); an input indicator is never scored
FITS: dict[str, frozenset[str]] = {
    "core": frozenset({"full", "weight"}),
    "characteristic": frozenset({"points", "cap"}),
    "negative": frozenset({"points", "cap"}),
    "input": frozenset(),
}


class IndicatorChange(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    full: dict[str, Decimal] | None = None  # per stage; stages not named keep the base's
    weight: dict[str, Decimal] | None = None
    points: Decimal | None = None
    cap: Decimal | None = None


class WhitelistChange(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    min_score: Decimal | None = None
    veto_excludes: bool | None = None


class ModelChange(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    base: str = Field(min_length=1)
    version: str = Field(pattern=VERSION_PATTERN)
    name_zh: str | None = None
    indicators: dict[str, IndicatorChange] = Field(default_factory=dict)
    grades: dict[str, Decimal] | None = None  # grade -> new `min`
    whitelist: WhitelistChange | None = None


def _plain(value: Decimal) -> int | float:
    """A number as YAML writes it (the merged model is stored as a file, like any other version)."""
    return int(value) if value == value.to_integral_value() else float(value)


def _misfits(target: dict[str, Any], edit: IndicatorChange, path: str) -> list[Fault]:
    """The fields of an indicator's change that do not fit its kind, and unknown stages."""
    kind = str(target.get("kind"))
    fits = FITS.get(kind, frozenset())
    faults: list[Fault] = []
    for field in sorted(edit.model_fields_set):
        if getattr(edit, field) is None:
            continue
        if field not in fits:
            allowed = ", ".join(sorted(fits)) or "nothing"
            faults.append(
                Fault(
                    f"`{field}` does not fit a {kind} indicator (it takes {allowed})"
                    f" / {kind} 类指标不能设置 {field}",
                    path=f"{path}.{field}",
                )
            )
        elif field in ("full", "weight"):
            per_stage: dict[str, Decimal] = getattr(edit, field)
            faults.extend(
                Fault(f"unknown stage {stage!r} / 未知阶段", path=f"{path}.{field}.{stage}")
                for stage in per_stage
                if stage not in STAGES
            )
    return faults


def apply_change(base: dict[str, Any], change: ModelChange) -> tuple[dict[str, Any], list[Fault]]:
    """The base's data with the change applied, and the faults of the change itself (unknown ids)."""
    data = copy.deepcopy(base)
    faults: list[Fault] = []
    data["version"] = change.version
    if change.name_zh is not None:
        data["name_zh"] = change.name_zh
    by_id = {i.get("id"): i for i in data.get("indicators", []) if isinstance(i, dict)}
    for indicator_id, edit in change.indicators.items():
        target = by_id.get(indicator_id)
        if target is None:
            faults.append(
                Fault(f"unknown indicator {indicator_id!r} / 未知指标", path=f"indicators.{indicator_id}")
            )
            continue
        path = f"indicators.{indicator_id}"
        misfits = _misfits(target, edit, path)
        if misfits:
            faults.extend(misfits)
            continue
        for field in ("full", "weight"):
            per_stage: dict[str, Decimal] | None = getattr(edit, field)
            if per_stage is not None:
                merged = dict(target.get(field) or {})
                merged.update({stage: _plain(v) for stage, v in per_stage.items()})
                target[field] = merged
        for field in ("points", "cap"):
            value: Decimal | None = getattr(edit, field)
            if value is not None:
                target[field] = _plain(value)
    if change.grades is not None:
        grades = data.get("grades", [])
        known = {g.get("grade") for g in grades if isinstance(g, dict)}
        for grade in change.grades:
            if grade not in known:
                faults.append(Fault(f"unknown grade {grade!r} / 未知等级", path=f"grades.{grade}"))
        data["grades"] = [
            {**g, "min": _plain(change.grades[g["grade"]])} if g.get("grade") in change.grades else g
            for g in grades
        ]
    if change.whitelist is not None:
        rule = dict(data.get("whitelist") or {})
        if change.whitelist.min_score is not None:
            rule["min_score"] = _plain(change.whitelist.min_score)
        if change.whitelist.veto_excludes is not None:
            rule["veto_excludes"] = change.whitelist.veto_excludes
        data["whitelist"] = rule
    return data, faults


def change_faults(exc: ValidationError) -> list[Fault]:
    """Every fault of a change's own shape (unknown keys, values that are not numbers), with its path."""
    return [
        Fault(f"{error['msg']} / 无效或不允许的字段", path=".".join(str(p) for p in error["loc"]) or "(body)")
        for error in exc.errors(include_url=False, include_input=False)
    ]
