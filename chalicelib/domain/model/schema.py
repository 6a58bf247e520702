"""The scoring model: a versioned data file, validated on load.

Every weight, threshold and Chinese indicator name lives in ``chalicelib/domain/model/files/<version>.yaml``;
this module only reads and checks it. A bad file fails loudly, naming the line at fault.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

MODELS_DIR = Path(__file__).parent / "files"

Stage = Literal["startup", "growth", "mature"]
STAGES: tuple[Stage, ...] = ("startup", "growth", "mature")
Kind = Literal["core", "input", "characteristic", "negative"]
IndicatorType = Literal["amount", "count", "share", "growth", "flag"]
Method = Literal["linear", "flag", "per_unit"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class _At(ValueError):
    """A model-level fault with the location it belongs to, so the loader can name its line."""

    def __init__(self, loc: tuple[int | str, ...], message: str) -> None:
        super().__init__(message)
        self.loc = loc


class _AllAt(_At):
    """Every model-level fault at once; reads as the first."""

    def __init__(self, faults: list[_At]) -> None:
        super().__init__(faults[0].loc, str(faults[0]))
        self.faults = faults


class StageDef(_Frozen):
    id: Stage
    name_zh: str


class StartupRule(_Frozen):
    age_below: int
    revenue_below: Decimal


class MatureRule(_Frozen):
    age_at_least: int
    revenue_at_least: Decimal


class StageRule(_Frozen):
    revenue_indicator: str
    startup: StartupRule
    mature: MatureRule
    otherwise: Stage


class CategoryDef(_Frozen):
    id: str
    name_zh: str
    kind: Literal["core", "characteristic", "negative"]


class GradeDef(_Frozen):
    grade: str
    min: Decimal


class WhitelistRule(_Frozen):
    min_score: Decimal
    veto_excludes: bool = True


class CrossCheck(_Frozen):
    department: str
    tolerance_pct: Decimal


class DepartmentDef(_Frozen):
    id: str
    name_zh: str
    master_data: bool = False
    cross_check_only: bool = False
    sends: tuple[str, ...] = ()


class Derivation(_Frozen):
    formula: Literal["growth", "ratio"]
    of: str | None = None
    numerator: str | None = None
    denominator: str | None = None
    at_most: Decimal | None = None

    @model_validator(mode="after")
    def _inputs(self) -> Derivation:
        if self.formula == "growth" and not self.of:
            raise ValueError("a growth derivation needs `of`")
        if self.formula == "ratio" and not (self.numerator and self.denominator):
            raise ValueError("a ratio derivation needs `numerator` and `denominator`")
        return self

    @property
    def inputs(self) -> tuple[str, ...]:
        if self.formula == "growth":
            assert self.of is not None
            return (self.of,)
        assert self.numerator is not None and self.denominator is not None
        return (self.numerator, self.denominator)


class IndicatorDef(_Frozen):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name_zh: str
    category: str | None = None
    kind: Kind
    unit: str | None = None
    type: IndicatorType
    source: str  # a department id, or "derived"
    method: Method | None = None
    full: dict[Stage, Decimal] | None = None
    weight: dict[Stage, Decimal] | None = None
    points: Decimal | None = None
    cap: Decimal | None = None
    veto: bool = False
    allow_negative: bool = False
    derived: Derivation | None = None

    @model_validator(mode="after")
    def _shape(self) -> IndicatorDef:
        if self.kind == "core":
            if self.method != "linear" or self.full is None or self.weight is None:
                raise ValueError("a core indicator needs method linear, `full` and `weight`")
            if set(self.full) != set(STAGES) or set(self.weight) != set(STAGES):
                raise ValueError("`full` and `weight` need a value for every stage")
            if any(v <= 0 for v in self.full.values()) or any(v < 0 for v in self.weight.values()):
                raise ValueError("`full` must be positive and `weight` not negative")
            if self.category is None:
                raise ValueError("a core indicator needs a category")
        elif self.kind in ("characteristic", "negative"):
            if self.method not in ("flag", "per_unit") or self.points is None:
                raise ValueError(f"a {self.kind} indicator needs method flag or per_unit and `points`")
            if (self.kind == "negative") != (self.points < 0):
                raise ValueError("negative indicators have negative points, characteristic ones positive")
            if self.method == "per_unit" and self.cap is None:
                raise ValueError("a per_unit indicator needs a `cap`")
        elif self.kind == "input" and (self.method or self.full or self.weight or self.points):
            raise ValueError("an input indicator is never scored itself")
        if self.veto and self.kind != "negative":
            raise ValueError("only a negative indicator can veto")
        if (self.source == "derived") != (self.derived is not None):
            raise ValueError("source `derived` goes with a `derived` formula, and only with one")
        return self

    @property
    def is_derived(self) -> bool:
        return self.derived is not None

    @property
    def uploadable(self) -> bool:
        return self.derived is None


# --- the sentences a portrait tells: templates filled from a card's numbers when it is read ---------
# Each template may name only its own placeholders (checked on load, so a typo fails with its line).
_CORE = frozenset({"name", "value", "unit", "inputs", "full", "points", "weight"})
_CORE_UNSCORED = frozenset({"name", "points", "weight", "reason"})
_INPUTS = frozenset({"a_name", "a", "a_unit", "b_name", "b", "b_unit", "limit"})
_REASON = frozenset({"a_name", "b_name"})
_EXTRA = frozenset({"name", "value", "unit", "points", "max", "deducted", "veto", "per", "each", "limit"})
_PLACEHOLDERS: Mapping[str, frozenset[str]] = {
    "core": _CORE,
    "core_missing": _CORE_UNSCORED,
    "core_unavailable": _CORE_UNSCORED,
    "ratio_inputs": _INPUTS,
    "ratio_limit": frozenset({"at_most", "unit"}),
    "growth_inputs": _INPUTS,
    "bonus_missing": _EXTRA,
    "bonus_yes": _EXTRA,
    "bonus_no": _EXTRA,
    "bonus_per_unit": _EXTRA,
    "bonus_limit": frozenset({"cap"}),
    "deduction_missing": _EXTRA,
    "deduction_yes": _EXTRA,
    "deduction_no": _EXTRA,
    "veto": frozenset(),
    "deduction_per_unit": _EXTRA,
    "deduction_per_unit_none": _EXTRA,
    "deduction_limit": frozenset({"cap"}),
    "per_unit": frozenset({"measure"}),
    "per_item": frozenset(),
}


def placeholders(template: str) -> set[str]:
    """The names a `str.format` template fills; ValueError for positional fields or format specs."""
    names: set[str] = set()
    for _, name, spec, conversion in string.Formatter().parse(template):
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise ValueError(f"placeholder {{{name}}} must be a plain name, like {{name}}")
        names.add(name)
    return names


def _check_template(loc: tuple[str, ...], template: str, allowed: frozenset[str]) -> None:
    """Raises `_At` (so the loader names the text's own line) for a placeholder the text cannot fill."""
    where = ".".join(loc)
    try:
        unknown = placeholders(template) - allowed
    except ValueError as exc:
        raise _At(loc, f"{where}: {exc}") from exc
    if unknown:
        known = ", ".join(f"{{{n}}}" for n in sorted(allowed)) or "none"
        raise _At(loc, f"{where}: unknown placeholder(s) {sorted(unknown)}; this text may use {known}")


class Texts(_Frozen):
    """How an indicator's sentence reads. Defaults are the sentences of every model so far, so a model
    registered before texts lived in the file still tells them."""

    core: str = "{name} {value}{unit}{inputs}，满分线 {full}{unit}，得 {points}/{weight} 分"
    core_missing: str = "{name} 未报送，得 {points}/{weight} 分"
    core_unavailable: str = "{name} 无法计算{reason}，得 {points}/{weight} 分"
    ratio_inputs: str = "（{a_name} {a}{a_unit} ÷ {b_name} {b}{b_unit}{limit}）"
    ratio_limit: str = "，最高 {at_most}{unit}"
    growth_inputs: str = "（{a_name} {a}{a_unit}，上年 {b}{b_unit}）"
    # why a derived value could not be computed, by the code the card stores
    ratio_unavailable: dict[Literal["no_numerator", "no_denominator", "base_not_positive"], str] = {
        "no_numerator": "（缺少{a_name}）",
        "no_denominator": "（缺少{b_name}）",
        "base_not_positive": "（{b_name}不大于 0）",
    }
    growth_unavailable: dict[Literal["no_current", "no_previous", "base_not_positive"], str] = {
        "no_current": "（缺少本年{a_name}）",
        "no_previous": "（缺少上年{a_name}）",
        "base_not_positive": "（上年{a_name}不大于 0）",
    }
    bonus_missing: str = "{name} 未报送，得 {points}/{max} 分"
    bonus_yes: str = "{name}：是，得 {points}/{max} 分"
    bonus_no: str = "{name}：否，得 {points}/{max} 分"
    bonus_per_unit: str = "{name} {value}{unit}（{per} {each} 分{limit}），得 {points}/{max} 分"
    bonus_limit: str = "，上限 {cap} 分"
    deduction_missing: str = "{name} 未报送，不扣分"
    deduction_yes: str = "{name}：是，扣 {deducted} 分{veto}"
    deduction_no: str = "{name}：否，不扣分"
    veto: str = "，一票否决"
    deduction_per_unit: str = "{name} {value}{unit}（{per}扣 {each} 分{limit}），扣 {deducted} 分"
    deduction_per_unit_none: str = "{name} {value}{unit}（{per}扣 {each} 分{limit}），不扣分"
    deduction_limit: str = "，最多扣 {cap} 分"
    per_unit: str = "每{measure}"
    per_item: str = "每个"

    @model_validator(mode="after")
    def _placeholders(self) -> Texts:
        for field, allowed in _PLACEHOLDERS.items():
            _check_template((field,), getattr(self, field), allowed)
        for group in ("ratio_unavailable", "growth_unavailable"):
            reasons: dict[str, str] = getattr(self, group)
            for why, template in reasons.items():
                _check_template((group, why), template, _REASON)
            missing = set(type(self).model_fields[group].default) - set(reasons)
            if missing:
                raise ValueError(f"{group} needs a text for {sorted(missing)}")
        return self


class ColumnDef(_Frozen):
    id: str
    name_zh: str


class ScoringModel(_Frozen):
    version: str
    name_zh: str
    scale: Decimal
    stages: tuple[StageDef, ...]
    stage_rule: StageRule
    categories: tuple[CategoryDef, ...]
    core_total: Decimal
    bonus_cap: Decimal
    grades: tuple[GradeDef, ...]
    whitelist: WhitelistRule
    cross_check: CrossCheck
    departments: tuple[DepartmentDef, ...]
    indicators: tuple[IndicatorDef, ...]
    columns: tuple[ColumnDef, ...]
    texts: Texts = Texts()
    _by_id: Mapping[str, IndicatorDef] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> ScoringModel:
        faults = self._faults()
        if faults:
            # the first fault is the message; every fault travels along for `model_faults`
            raise _AllAt(faults)
        return self

    def _faults(self) -> list[_At]:
        return consistency_faults(self.model_dump())

    # --- lookups used by validation and scoring -------------------------------------------
    def indicator(self, indicator_id: str) -> IndicatorDef:
        return self._by_id[indicator_id]

    def __hash__(self) -> int:
        # By identity: models are loaded once per version and cached, and lookups keyed on the
        # model (functools.cache) must not hash its nested dicts.
        return id(self)

    def model_post_init(self, context: Any, /) -> None:
        self._by_id = {i.id: i for i in self.indicators}

    def department(self, department_id: str) -> DepartmentDef | None:
        return next((d for d in self.departments if d.id == department_id), None)

    def owned_by(self, department_id: str) -> tuple[IndicatorDef, ...]:
        """The indicators a department may upload (for `stats`, the ones it cross-checks)."""
        dept = self.department(department_id)
        if dept is None or dept.master_data:
            return ()
        if dept.cross_check_only:
            return tuple(self._by_id[i] for i in dept.sends)
        return tuple(i for i in self.indicators if i.source == department_id)

    def grade_for(self, score: Decimal) -> str:
        return next(g.grade for g in self.grades if score >= g.min)


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list | tuple) else []


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        return None
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return None
    return number if number.is_finite() else None


def _derived_inputs(derived: Any) -> list[Any]:
    if not isinstance(derived, dict):
        return []
    if derived.get("formula") == "growth":
        return [derived.get("of")] if derived.get("of") else []
    return [derived[k] for k in ("numerator", "denominator") if derived.get(k)]


def consistency_faults(data: Any) -> list[_At]:
    """Every model-level fault (cross-references and sums), in file order.

    Works on the data as given, tolerating parts that are themselves at fault (those are reported by
    their own field checks), so that one bad weight does not hide an unknown category elsewhere: a
    reviewer fixes them all at once. A check whose inputs are at fault is skipped, not guessed.
    """
    if not isinstance(data, dict):
        return []
    faults: list[_At] = []
    indicators = data.get("indicators")
    inds = _dicts(indicators)
    ids = [i.get("id") for i in inds]
    dupes = sorted({str(i) for i in ids if i is not None and ids.count(i) > 1})
    if dupes:
        faults.append(_At(("indicators",), f"indicator ids must be unique: {dupes}"))
    stages = data.get("stages")
    if isinstance(stages, list | tuple) and tuple(s.get("id") for s in _dicts(stages)) != STAGES:
        faults.append(_At(("stages",), f"stages must be {STAGES}"))
    departments = data.get("departments")
    dept_ids = {d.get("id") for d in _dicts(departments)}
    cat_ids = {c.get("id") for c in _dicts(data.get("categories"))}
    by_id = {i.get("id"): i for i in inds}
    listed = list(indicators) if isinstance(indicators, list | tuple) else []
    for n, ind in enumerate(listed):
        if not isinstance(ind, dict):
            continue
        source, category = ind.get("source"), ind.get("category")
        if isinstance(source, str) and source != "derived" and source not in dept_ids:
            faults.append(
                _At(("indicators", n, "source"), f"indicator {ind.get('id')}: unknown department {source!r}")
            )
        if isinstance(category, str) and category not in cat_ids:
            faults.append(
                _At(
                    ("indicators", n, "category"),
                    f"indicator {ind.get('id')}: unknown category {category!r}",
                )
            )
        for src in _derived_inputs(ind.get("derived")):
            if src not in by_id or by_id[src].get("derived") is not None:
                faults.append(
                    _At(
                        ("indicators", n, "derived"),
                        f"indicator {ind.get('id')}: input {src!r} is not an uploaded indicator",
                    )
                )
    for d, dept in enumerate(departments if isinstance(departments, list | tuple) else []):
        sends = dept.get("sends") if isinstance(dept, dict) else None
        for sent in sends if isinstance(sends, list | tuple) else []:
            if sent not in by_id:
                faults.append(
                    _At(
                        ("departments", d, "sends"),
                        f"department {dept.get('id')}: unknown indicator {sent!r}",
                    )
                )
    cross_check = data.get("cross_check")
    if isinstance(cross_check, dict) and cross_check.get("department") not in dept_ids:
        faults.append(
            _At(("cross_check", "department"), f"unknown department {cross_check.get('department')!r}")
        )
    core_total = _number(data.get("core_total"))
    given = [i.get("weight") for i in inds if i.get("weight") is not None]
    weights = [w for w in given if isinstance(w, dict)]
    for stage in STAGES if core_total is not None and len(weights) == len(given) else ():
        parts = [_number(w.get(stage)) for w in weights]
        if any(p is None for p in parts):
            continue  # a missing or broken weight is that indicator's own fault
        total = sum((p for p in parts if p is not None), Decimal(0))
        if total != core_total:
            faults.append(
                _At(("indicators",), f"core weights of stage {stage} sum to {total}, not {core_total}")
            )
    grades = data.get("grades")
    if isinstance(grades, list | tuple):
        mins = [_number(g.get("min")) if isinstance(g, dict) else None for g in grades]
        if not mins or (
            None not in mins and (mins != sorted(mins, reverse=True) or mins[-1] != 0)  # type: ignore[type-var]
        ):
            faults.append(_At(("grades",), "grades must run from the highest `min` down to 0"))
    stage_rule = data.get("stage_rule")
    if isinstance(stage_rule, dict) and stage_rule.get("revenue_indicator") not in by_id:
        faults.append(_At(("stage_rule", "revenue_indicator"), "not an indicator"))
    return faults


class ModelFileError(ValueError):
    """A model file that cannot be used; the message names the file and line."""


def _line_of(node: yaml.Node, loc: tuple[int | str, ...]) -> int:
    """Walk a composed YAML node along a pydantic error location; return the 1-based line."""
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            nxt = next((v for k, v in node.value if k.value == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            nxt = node.value[part]
        else:
            nxt = None
        if nxt is None:
            break
        node = nxt
    return node.start_mark.line + 1


def parse_model(text: str, source: str = "<model>") -> ScoringModel:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ModelFileError(f"{source}: not valid YAML: {exc}") from exc
    if root is None or not isinstance(data, dict):
        raise ModelFileError(f"{source}: empty or not a mapping")
    try:
        return ScoringModel.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        cause = first.get("ctx", {}).get("error")
        loc = tuple(first["loc"]) + (cause.loc if isinstance(cause, _At) else ())
        line = _line_of(root, loc)
        where = ".".join(str(p) for p in loc) or "(top level)"
        raise ModelFileError(f"{source}:{line}: {where}: {first['msg']}") from exc


@cache
def load_model(version: str) -> ScoringModel:
    path = MODELS_DIR / f"{version}.yaml"
    if not path.is_file():
        known = ", ".join(available_versions()) or "none"
        raise ModelFileError(f"no model file for version {version!r} (available: {known})")
    model = parse_model(path.read_text(encoding="utf-8"), str(path))
    if model.version != version:
        raise ModelFileError(f"{path}: declares version {model.version!r}, file name says {version!r}")
    return model


def available_versions() -> list[str]:
    return sorted(p.stem for p in MODELS_DIR.glob("*.yaml"))
