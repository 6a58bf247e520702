"""The compiled view of a model: plain tuples and prebuilt texts, made once per model object."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from chalicelib.domain.model.schema import STAGES, IndicatorDef, ScoringModel, Stage
from chalicelib.domain.records import (
    IndicatorScore,
)
from chalicelib.domain.scoring.arithmetic import ZERO, ZERO2, plain_text, r2, suffix

# --- the compiled view of a model ------------------------------------------------------------------

# why a derived value could not be computed
NO_A, NO_B, NO_PREVIOUS, BASE = "no_a", "no_b", "no_previous", "base"


@dataclass(frozen=True, slots=True)
class Derivation:
    growth: bool  # growth of `a` over the previous period; otherwise the ratio a x 100 / b
    a: str
    b: str  # growth: `a` again
    at_most: Decimal | None
    a_head: str  # "（研发费用总额 "
    a_sfx: str
    b_head: str  # growth: "，上年 "; ratio: " ÷ 营业收入 "
    b_sfx: str
    limit: str  # "，最高 100%": shown when the cap applied
    reasons: Mapping[str, str]  # why it is missing -> "（缺少上年研发费用总额）"


@dataclass(frozen=True, slots=True, eq=False)  # hashed by identity: part of the sharing key
class CoreStage:
    """One core indicator under one stage: the numbers and the prebuilt text around them."""

    weight: Decimal
    full: Decimal
    max_points: Decimal
    full_text: str  # "，满分线 1000 万元，得 "
    out_of: str  # "/80 分"
    missing: IndicatorScore  # the whole entry when the value is missing
    unavailable: Mapping[str, IndicatorScore]  # derived: the whole entry, by why it is missing


@dataclass(frozen=True, slots=True)
class Core:
    category: int  # position of its category in the card's category list
    id: str
    name_zh: str
    category_id: str
    head: str  # "研发费用总额 "
    sfx: str  # " 万元"
    derivation: Derivation | None
    shareable: bool  # a count: few distinct values, so entries are worth sharing
    stages: Mapping[str, CoreStage]


@dataclass(frozen=True, slots=True)
class Extra:
    """A characteristic (bonus) or negative (deduction) indicator, with its texts prebuilt."""

    bonus: bool
    id: str
    name_zh: str
    category_id: str
    head: str
    sfx: str
    per_unit: bool  # else a flag
    points: Decimal  # per flag or per unit; negative for deductions
    cap: Decimal | None  # per unit: the largest total, as a positive number
    veto: bool
    max_points: Decimal
    missing: IndicatorScore
    flag_on: tuple[Decimal, str]  # points and text when the flag is set
    flag_off: tuple[Decimal, str]
    rule_text: str  # per unit: "（每项 10 分，上限 20 分）"
    out_of: str  # bonus: "/30 分"


@dataclass(frozen=True, slots=True)
class Compiled:
    model: ScoringModel
    specs: tuple[Core | Extra, ...]  # every listed indicator, in model-file order
    category_ids: tuple[str, ...]
    category_kinds: tuple[str, ...]
    core_max: Mapping[str, tuple[Decimal, ...]]  # stage -> max per category (0 for non-core)
    core_count: Decimal
    known: frozenset[str]  # uploadable indicator ids: one of these for P makes P scorable
    revenue_indicator: str
    startup_age: int
    startup_revenue: Decimal
    mature_age: int
    mature_revenue: Decimal
    otherwise: Stage
    bonus_cap: Decimal
    scale: Decimal
    grades: tuple[tuple[Decimal, str], ...]
    cross_checked: tuple[str, ...]
    tolerance: Decimal
    version: str
    shared: dict[tuple[Any, ...], IndicatorScore]  # entries that do not depend on the enterprise
    # per stage, each listed indicator as (core, its stage numbers, None) or (None, None, extra)
    plans: Mapping[str, tuple[tuple[Core | None, CoreStage | None, Extra | None], ...]]


def _derivation(model: ScoringModel, ind: IndicatorDef) -> Derivation | None:
    d = ind.derived
    if d is None:
        return None
    if d.formula == "growth":
        assert d.of is not None
        a = model.indicator(d.of)
        return Derivation(
            growth=True,
            a=a.id,
            b=a.id,
            at_most=None,
            a_head=f"（{a.name_zh} ",
            a_sfx=suffix(a.unit),
            b_head="，上年 ",
            b_sfx=suffix(a.unit),
            limit="",
            reasons={
                NO_A: f"（缺少本年{a.name_zh}）",
                NO_PREVIOUS: f"（缺少上年{a.name_zh}）",
                BASE: f"（上年{a.name_zh}不大于 0）",
            },
        )
    assert d.numerator is not None and d.denominator is not None
    a, b = model.indicator(d.numerator), model.indicator(d.denominator)
    return Derivation(
        growth=False,
        a=a.id,
        b=b.id,
        at_most=d.at_most,
        a_head=f"（{a.name_zh} ",
        a_sfx=suffix(a.unit),
        b_head=f" ÷ {b.name_zh} ",
        b_sfx=suffix(b.unit),
        limit=f"，最高 {plain_text(d.at_most)}{suffix(ind.unit)}" if d.at_most is not None else "",
        reasons={
            NO_A: f"（缺少{a.name_zh}）",
            NO_B: f"（缺少{b.name_zh}）",
            BASE: f"（{b.name_zh}不大于 0）",
        },
    )


def _core(model: ScoringModel, ind: IndicatorDef, category: int) -> Core:
    assert ind.full is not None and ind.weight is not None and ind.category is not None
    derivation = _derivation(model, ind)
    stages: dict[str, CoreStage] = {}
    for stage in STAGES:
        weight, full = ind.weight[stage], ind.full[stage]
        max_points = r2(weight)
        out_of = f"/{plain_text(weight)} 分"

        def missing(text: str, max_points: Decimal = max_points) -> IndicatorScore:
            assert ind.category is not None
            return IndicatorScore(
                ind.id, ind.name_zh, ind.category, None, ZERO2, max_points, None, None, text
            )

        reasons = derivation.reasons if derivation is not None else {}
        stages[stage] = CoreStage(
            weight=weight,
            full=full,
            max_points=max_points,
            full_text=f"，满分线 {plain_text(full)}{suffix(ind.unit)}，得 ",
            out_of=out_of,
            missing=missing(f"{ind.name_zh} 未报送，得 {ZERO2}{out_of}"),
            unavailable={
                why: missing(f"{ind.name_zh} 无法计算{text}，得 {ZERO2}{out_of}")
                for why, text in reasons.items()
            },
        )
    return Core(
        category=category,
        id=ind.id,
        name_zh=ind.name_zh,
        category_id=ind.category,
        head=f"{ind.name_zh} ",
        sfx=suffix(ind.unit),
        derivation=derivation,
        shareable=ind.type == "count",
        stages=stages,
    )


def _extra(ind: IndicatorDef) -> Extra:
    assert ind.points is not None and ind.category is not None
    bonus = ind.kind == "characteristic"
    per_unit = ind.method == "per_unit"
    cap = abs(ind.cap) if ind.cap is not None else None
    name, points = ind.name_zh, ind.points
    per = f"每{ind.unit}" if ind.unit else "每个"
    if bonus:
        best = cap if per_unit and cap is not None else points
        max_points = r2(best)
        out_of = f"/{plain_text(best)} 分"
        missing_text = f"{name} 未报送，得 {ZERO2}{out_of}"
        on = f"{name}：是，得 {r2(points)}{out_of}"
        off = f"{name}：否，得 {ZERO2}{out_of}"
        limit = f"，上限 {plain_text(cap)} 分" if cap is not None else ""
        rule_text = f"（{per} {plain_text(points)} 分{limit}）"
    else:
        max_points = ZERO2  # a deduction has nothing to gain
        out_of = ""
        missing_text = f"{name} 未报送，不扣分"
        on = f"{name}：是，扣 {r2(-points)} 分" + ("，一票否决" if ind.veto else "")
        off = f"{name}：否，不扣分"
        limit = f"，最多扣 {plain_text(cap)} 分" if cap is not None else ""
        rule_text = f"（{per}扣 {plain_text(-points)} 分{limit}）"
    missing = IndicatorScore(ind.id, name, ind.category, None, ZERO2, max_points, None, None, missing_text)
    return Extra(
        bonus=bonus,
        id=ind.id,
        name_zh=name,
        category_id=ind.category,
        head=f"{name} ",
        sfx=suffix(ind.unit),
        per_unit=per_unit,
        points=points,
        cap=cap,
        veto=ind.veto,
        max_points=max_points,
        missing=missing,
        flag_on=(r2(points), on),
        flag_off=(ZERO2, off),
        rule_text=rule_text,
        out_of=out_of,
    )


def _compile(model: ScoringModel) -> Compiled:
    cat_ids = tuple(c.id for c in model.categories)
    cat_index = {c: i for i, c in enumerate(cat_ids)}
    specs: list[Core | Extra] = []
    for ind in model.indicators:
        if ind.kind == "core":
            assert ind.category is not None
            specs.append(_core(model, ind, cat_index[ind.category]))
        elif ind.kind != "input":  # an input feeds a derived indicator and is never listed
            specs.append(_extra(ind))
    cores = [s for s in specs if isinstance(s, Core)]
    core_max: dict[str, tuple[Decimal, ...]] = {}
    for stage in STAGES:
        sums = [ZERO] * len(cat_ids)
        for core in cores:
            sums[core.category] += core.stages[stage].weight
        core_max[stage] = tuple(r2(s) for s in sums)
    rule = model.stage_rule
    cross = model.department(model.cross_check.department)
    return Compiled(
        model=model,
        specs=tuple(specs),
        category_ids=cat_ids,
        category_kinds=tuple(c.kind for c in model.categories),
        core_max=core_max,
        core_count=Decimal(len(cores)),
        known=frozenset(i.id for i in model.indicators if i.uploadable),
        revenue_indicator=rule.revenue_indicator,
        startup_age=rule.startup.age_below,
        startup_revenue=rule.startup.revenue_below,
        mature_age=rule.mature.age_at_least,
        mature_revenue=rule.mature.revenue_at_least,
        otherwise=rule.otherwise,
        bonus_cap=r2(model.bonus_cap),
        scale=r2(model.scale),
        grades=tuple((g.min, g.grade) for g in model.grades),
        cross_checked=cross.sends if cross is not None else (),
        tolerance=model.cross_check.tolerance_pct,
        version=model.version,
        shared={},
        plans={
            stage: tuple(
                (s, s.stages[stage], None) if isinstance(s, Core) else (None, None, s) for s in specs
            )
            for stage in STAGES
        },
    )


_COMPILED: dict[int, Compiled] = {}


def compiled_for(model: ScoringModel) -> Compiled:
    hit = _COMPILED.get(id(model))
    if hit is not None and hit.model is model:  # the entry holds the model, so its id is not reused
        return hit
    if len(_COMPILED) > 32:  # tests build many models; production has one or two
        _COMPILED.clear()
    compiled = _COMPILED[id(model)] = _compile(model)
    return compiled
