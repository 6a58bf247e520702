"""The scoring engine: an enterprise's master data and facts in, one score card per period out.

Contract section 3. Every weight, threshold, cap, grade, rule and Chinese indicator name is read from
the model; this module only knows the arithmetic:

- core points = weight x min(max(value, 0) / full, 1), computed exactly (weight x value / full) and
  rounded half-up to 2 decimals;
- derived values (growth, ratios) are rounded half-up to 2 decimals, and points are computed from the
  rounded value: what the portrait shows is what was scored;
- bonus and deduction points per indicator (flag or per unit, each within its own cap), the bonus total
  capped by the model's bonus cap; score = clamp(core + bonus - deductions, 0, scale).

Provenance of a derived value: source `derived`, and the batch of its newest input (latest
`received_at`, then the greater batch id), so a portrait points at the upload that last moved it.

Cross-checks (多源校核): the gap is |stats - scored| / |scored| x 100, rounded to 2 decimals, and a
discrepancy is recorded when that rounded gap exceeds the model's tolerance. With no scored value there
is nothing to compare (no record). With a scored value of 0 and a different stats value the relative gap
is unbounded: it is recorded, with the gap taken against the stats value instead (100.00), so the
figure stays finite and JSON-safe.

Speed: a national rescore is ~520,000 cards, so the model is compiled once into plain tuples and
strings (`_compile`, cached per model object) and the hot path touches no pydantic object.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from chalicelib.model import STAGES, IndicatorDef, ScoringModel, Stage
from chalicelib.records import (
    CategoryScore,
    Discrepancy,
    EnterpriseData,
    FactValue,
    IndicatorScore,
    Master,
    ScoreCard,
)
from chalicelib.whitelist import is_listed

_Q2: Final = Decimal("0.01")
_Q4: Final = Decimal("0.0001")
_ZERO: Final = Decimal(0)
_ZERO2: Final = Decimal("0.00")
_HUNDRED: Final = Decimal(100)
_GAP_WHEN_SCORED_ZERO: Final = Decimal("100.00")
DERIVED: Final = "derived"

# Kinds of listed indicators, as small ints for the hot loop.
_CORE, _BONUS, _NEGATIVE = 0, 1, 2


def _r2(x: Decimal) -> Decimal:
    return x.quantize(_Q2, rounding=ROUND_HALF_UP)


def _plain(x: Decimal) -> str:
    """A Decimal as people write it: no exponent (1E+3 -> 1000)."""
    return format(x, "f")


def _with_unit(text: str, unit: str | None) -> str:
    if not unit:
        return text
    return f"{text}{unit}" if unit == "%" else f"{text} {unit}"


# --- the compiled view of a model ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Derivation:
    growth: bool  # growth of `a` over the previous period; otherwise the ratio a / b x 100
    a: str
    b: str | None
    at_most: Decimal | None
    a_name: str
    a_unit: str | None
    b_name: str
    b_unit: str | None


@dataclass(frozen=True, slots=True)
class _CoreStage:
    """One core indicator under one stage: the numbers and the prebuilt text around them."""

    weight: Decimal
    full: Decimal
    max_points: Decimal
    full_text: str  # "，满分线 1000 万元，得 "
    out_of: str  # "/80 分"
    missing: IndicatorScore  # the whole entry when the value is missing (no provenance)


@dataclass(frozen=True, slots=True)
class _Spec:
    index: int  # position of its category in the card's category list
    kind: int
    id: str
    name_zh: str
    category: str
    unit: str | None
    derivation: _Derivation | None
    stages: Mapping[str, _CoreStage]  # core only
    per_unit: bool  # bonus/negative: per unit (else flag)
    points: Decimal  # bonus/negative: points per flag or unit (negative for deductions)
    cap: Decimal | None  # bonus/negative per unit: largest total (absolute)
    veto: bool
    max_points: Decimal  # bonus/negative (core: per stage)
    missing: IndicatorScore | None  # bonus/negative


@dataclass(frozen=True, slots=True)
class _Compiled:
    model: ScoringModel
    specs: tuple[_Spec, ...]
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
    cross_checked: tuple[str, ...]
    tolerance: Decimal
    version: str


def _derivation(model: ScoringModel, ind: IndicatorDef) -> _Derivation | None:
    d = ind.derived
    if d is None:
        return None
    if d.formula == "growth":
        assert d.of is not None
        a, b = d.of, None
    else:
        assert d.numerator is not None and d.denominator is not None
        a, b = d.numerator, d.denominator
    a_def = model.indicator(a)
    b_def = model.indicator(b) if b is not None else a_def
    return _Derivation(
        growth=d.formula == "growth",
        a=a,
        b=b,
        at_most=d.at_most,
        a_name=a_def.name_zh,
        a_unit=a_def.unit,
        b_name=b_def.name_zh,
        b_unit=b_def.unit,
    )


def _missing_text(name: str, points: Decimal, out_of: str) -> str:
    return f"{name} 未报送，得 {points}{out_of}"


def _compile(model: ScoringModel) -> _Compiled:
    cat_ids = tuple(c.id for c in model.categories)
    cat_index = {c: i for i, c in enumerate(cat_ids)}
    specs: list[_Spec] = []
    for ind in model.indicators:
        if ind.kind == "input":
            continue  # feeds a derived indicator; never listed on a card
        assert ind.category is not None
        index = cat_index[ind.category]
        if ind.kind == "core":
            assert ind.full is not None and ind.weight is not None
            stages: dict[str, _CoreStage] = {}
            for stage in STAGES:
                weight, full = ind.weight[stage], ind.full[stage]
                out_of = f"/{_plain(weight)} 分"
                text = (
                    f"{ind.name_zh} 无法计算，得 {_ZERO2}{out_of}"
                    if ind.is_derived
                    else _missing_text(ind.name_zh, _ZERO2, out_of)
                )
                missing = IndicatorScore(
                    ind.id, ind.name_zh, ind.category, None, _ZERO2, _r2(weight), None, None, text
                )
                stages[stage] = _CoreStage(
                    weight=weight,
                    full=full,
                    max_points=_r2(weight),
                    full_text=f"，满分线 {_with_unit(_plain(full), ind.unit)}，得 ",
                    out_of=out_of,
                    missing=missing,
                )
            specs.append(
                _Spec(
                    index,
                    _CORE,
                    ind.id,
                    ind.name_zh,
                    ind.category,
                    ind.unit,
                    _derivation(model, ind),
                    stages,
                    False,
                    _ZERO,
                    None,
                    False,
                    _ZERO2,
                    None,
                )  # fmt: skip
            )
            continue
        assert ind.points is not None
        per_unit = ind.method == "per_unit"
        kind = _BONUS if ind.kind == "characteristic" else _NEGATIVE
        if kind == _BONUS:
            max_points = _r2(ind.cap if per_unit and ind.cap is not None else ind.points)
            text = _missing_text(ind.name_zh, _ZERO2, f"/{_plain(max_points)} 分")
        else:
            max_points = _ZERO2  # a deduction has nothing to gain
            text = f"{ind.name_zh} 未报送，不扣分"
        missing = IndicatorScore(
            ind.id, ind.name_zh, ind.category, None, _ZERO2, max_points, None, None, text
        )
        specs.append(
            _Spec(
                index,
                kind,
                ind.id,
                ind.name_zh,
                ind.category,
                ind.unit,
                None,
                {},
                per_unit,
                ind.points,
                ind.cap,
                ind.veto,
                max_points,
                missing,
            )  # fmt: skip
        )
    core_max: dict[str, tuple[Decimal, ...]] = {}
    for stage in STAGES:
        sums = [_ZERO] * len(cat_ids)
        for spec in specs:
            if spec.kind == _CORE:
                sums[spec.index] += spec.stages[stage].weight
        core_max[stage] = tuple(_r2(s) for s in sums)
    rule = model.stage_rule
    cross = model.department(model.cross_check.department)
    return _Compiled(
        model=model,
        specs=tuple(specs),
        category_ids=cat_ids,
        category_kinds=tuple(c.kind for c in model.categories),
        core_max=core_max,
        core_count=Decimal(sum(1 for s in specs if s.kind == _CORE)),
        known=frozenset(i.id for i in model.indicators if i.uploadable),
        revenue_indicator=rule.revenue_indicator,
        startup_age=rule.startup.age_below,
        startup_revenue=rule.startup.revenue_below,
        mature_age=rule.mature.age_at_least,
        mature_revenue=rule.mature.revenue_at_least,
        otherwise=rule.otherwise,
        bonus_cap=_r2(model.bonus_cap),
        scale=_r2(model.scale),
        cross_checked=cross.sends if cross is not None else (),
        tolerance=model.cross_check.tolerance_pct,
        version=model.version,
    )


_COMPILED: dict[int, _Compiled] = {}


def _compiled(model: ScoringModel) -> _Compiled:
    hit = _COMPILED.get(id(model))
    if hit is not None and hit.model is model:  # the entry holds the model, so its id is not reused
        return hit
    if len(_COMPILED) > 32:  # tests build many models; production has one or two
        _COMPILED.clear()
    compiled = _COMPILED[id(model)] = _compile(model)
    return compiled


# --- stage ------------------------------------------------------------------------------------------


def _stage(c: _Compiled, established_year: int, revenue: Decimal | None, period: int) -> Stage:
    age = period - established_year
    rev = _ZERO if revenue is None else revenue
    if age < c.startup_age or rev < c.startup_revenue:
        return "startup"
    if age >= c.mature_age and rev >= c.mature_revenue:
        return "mature"
    return c.otherwise


def stage_for(model: ScoringModel, master: Master, revenue: Decimal | None, period: int) -> Stage:
    """The development stage for `period`: age from the establishment year, revenue of the period."""
    return _stage(_compiled(model), master.established_on.year, revenue, period)


# --- derived values ---------------------------------------------------------------------------------


def _newest(x: FactValue, y: FactValue) -> str:
    return x.batch_id if (x.received_at, x.batch_id) >= (y.received_at, y.batch_id) else y.batch_id


def _derive(
    d: _Derivation,
    facts: Mapping[str, FactValue],
    previous: Mapping[str, FactValue] | None,
) -> tuple[Decimal | None, str | None, str]:
    """(value rounded to 2 decimals, batch of the newest input, the bracketed explanation).

    Missing when an input is missing or the base is not positive; the text then says which.
    """
    a = facts.get(d.a)
    if d.growth:
        before = previous.get(d.a) if previous is not None else None
        if a is None:
            return None, None, f"（缺少本年{d.a_name}）"
        if before is None:
            return None, None, f"（缺少上年{d.a_name}）"
        if before.value <= 0:
            return None, None, f"（上年{d.a_name}不大于 0）"
        value = _r2((a.value - before.value) * _HUNDRED / before.value)
        why = (
            f"（{d.a_name} {_with_unit(_plain(a.value), d.a_unit)}，"
            f"上年 {_with_unit(_plain(before.value), d.a_unit)}）"
        )
        return value, _newest(a, before), why
    assert d.b is not None
    b = facts.get(d.b)
    if a is None:
        return None, None, f"（缺少{d.a_name}）"
    if b is None:
        return None, None, f"（缺少{d.b_name}）"
    if b.value <= 0:
        return None, None, f"（{d.b_name}不大于 0）"
    raw = a.value * _HUNDRED / b.value
    limit = ""
    if d.at_most is not None and raw > d.at_most:
        raw = d.at_most
        limit = f"，最高 {_plain(d.at_most)}%"
    why = (
        f"（{d.a_name} {_with_unit(_plain(a.value), d.a_unit)} ÷ "
        f"{d.b_name} {_with_unit(_plain(b.value), d.b_unit)}{limit}）"
    )
    return _r2(raw), _newest(a, b), why


# --- one period --------------------------------------------------------------------------------------


def _scorable(c: _Compiled, data: EnterpriseData, period: int) -> Mapping[str, FactValue] | None:
    master = data.master
    if master is None or master.established_on.year > period:
        return None
    facts = data.facts.get(period)
    if not facts or c.known.isdisjoint(facts):
        return None
    return facts


def score_period(model: ScoringModel, data: EnterpriseData, period: int) -> ScoreCard | None:
    """The score card of `period`, or None when the enterprise is not scored for it.

    Not scored: no master data, established after the period, or no uploaded indicator value for the
    period (stats values do not count, and neither do the previous period's values alone).
    """
    c = _compiled(model)
    facts = _scorable(c, data, period)
    if facts is None:
        return None
    assert data.master is not None
    previous = data.facts.get(period - 1)
    revenue = facts.get(c.revenue_indicator)
    stage = _stage(c, data.master.established_on.year, revenue.value if revenue else None, period)

    sums = [_ZERO2] * len(c.category_ids)
    listed: list[IndicatorScore] = []
    present = 0
    bonus_total = _ZERO2
    deduction_total = _ZERO2  # positive: what is subtracted
    veto = False
    for spec in c.specs:
        if spec.kind == _CORE:
            cs = spec.stages[stage]
            if spec.derivation is None:
                fact = facts.get(spec.id)
                if fact is None:
                    listed.append(cs.missing)
                    continue
                value = fact.value
                source: str = fact.department
                batch: str | None = fact.batch_id
                why = ""
            else:
                derived, batch, why = _derive(spec.derivation, facts, previous)
                if derived is None:
                    listed.append(
                        IndicatorScore(
                            spec.id,
                            spec.name_zh,
                            spec.category,
                            None,
                            _ZERO2,
                            cs.max_points,
                            None,
                            None,
                            f"{spec.name_zh} 无法计算{why}，得 {_ZERO2}{cs.out_of}",
                        )  # fmt: skip
                    )
                    continue
                value, source = derived, DERIVED
            present += 1
            if value >= cs.full:
                points = cs.max_points
            elif value > 0:
                points = _r2(cs.weight * value / cs.full)
            else:
                points = _ZERO2
            sums[spec.index] += points
            text = (
                f"{spec.name_zh} {_with_unit(_plain(value), spec.unit)}{why}{cs.full_text}{points}{cs.out_of}"
            )
            listed.append(
                IndicatorScore(
                    spec.id, spec.name_zh, spec.category, value, points, cs.max_points, source, batch, text
                )
            )
            continue

        fact = facts.get(spec.id)
        if fact is None:
            assert spec.missing is not None
            listed.append(spec.missing)
            continue
        value = fact.value
        if spec.per_unit:
            units = value if value > 0 else _ZERO
            points = spec.points * units
            if spec.cap is not None and abs(points) > spec.cap:
                points = spec.cap if points > 0 else -spec.cap
            points = _r2(points)
            amount = _with_unit(_plain(value), spec.unit)
            per = f"每{spec.unit}" if spec.unit else "每个"
        else:
            points = _r2(spec.points) if value != 0 else _ZERO2
        if spec.kind == _BONUS:
            bonus_total += points
            if spec.per_unit:
                text = (
                    f"{spec.name_zh} {amount}（{per} {_plain(spec.points)} 分，上限 {_plain(spec.cap or _ZERO)} 分），"
                    f"得 {points}/{spec.max_points} 分"
                )
            else:
                text = f"{spec.name_zh}：{'是' if value != 0 else '否'}，得 {points}/{spec.max_points} 分"
        else:
            deduction_total -= points
            if points != 0 and spec.veto:
                veto = True
            if spec.per_unit:
                detail = f"{spec.name_zh} {amount}（{per}扣 {_plain(-spec.points)} 分，最多扣 {_plain(spec.cap or _ZERO)} 分）"
            else:
                detail = f"{spec.name_zh}：{'是' if value != 0 else '否'}"
            if points == 0:
                text = f"{detail}，不扣分"
            else:
                text = f"{detail}，扣 {-points} 分" + ("，一票否决" if spec.veto else "")
        listed.append(
            IndicatorScore(
                spec.id,
                spec.name_zh,
                spec.category,
                value,
                points,
                spec.max_points,
                fact.department,
                fact.batch_id,
                text,
            )  # fmt: skip
        )

    core = sum(sums, _ZERO2)
    bonus = bonus_total if bonus_total <= c.bonus_cap else c.bonus_cap
    deductions = deduction_total
    total = core + bonus - deductions
    score = _ZERO2 if total < 0 else (c.scale if total > c.scale else total)
    maxima = c.core_max[stage]
    categories: list[CategoryScore] = []
    for i, (cat, kind) in enumerate(zip(c.category_ids, c.category_kinds, strict=True)):
        if kind == "core":
            categories.append(CategoryScore(cat, sums[i], maxima[i]))
        elif kind == "characteristic":
            categories.append(CategoryScore(cat, bonus, c.bonus_cap))
        else:
            categories.append(CategoryScore(cat, _ZERO2 - deductions, _ZERO2))  # never -0.00

    return ScoreCard(
        credit_code=data.credit_code,
        period=period,
        model_version=c.version,
        stage=stage,
        indicators=tuple(listed),
        categories=tuple(categories),
        core=core,
        bonus=bonus,
        deductions=deductions,
        veto=veto,
        score=score,
        grade=model.grade_for(score),
        whitelisted=is_listed(model, score, veto),
        completeness=(Decimal(present) / c.core_count).quantize(_Q4, rounding=ROUND_HALF_UP),
        discrepancies=_discrepancies(c, data, period, facts),
    )


def _discrepancies(
    c: _Compiled, data: EnterpriseData, period: int, facts: Mapping[str, FactValue]
) -> tuple[Discrepancy, ...]:
    checks = data.cross_checks.get(period)
    if not checks:
        return ()
    found: list[Discrepancy] = []
    for ind in c.cross_checked:
        stats, scored = checks.get(ind), facts.get(ind)
        if stats is None or scored is None or stats.value == scored.value:
            continue
        if scored.value == 0:
            gap = _GAP_WHEN_SCORED_ZERO
        else:
            gap = _r2(abs(stats.value - scored.value) * _HUNDRED / abs(scored.value))
            if gap <= c.tolerance:
                continue
        found.append(
            Discrepancy(
                indicator=ind,
                period=period,
                scored_value=scored.value,
                scored_department=scored.department,
                stats_value=stats.value,
                gap_pct=gap,
                stats_batch_id=stats.batch_id,
            )
        )
    return tuple(found)


def score_enterprise(model: ScoringModel, data: EnterpriseData) -> list[ScoreCard]:
    """One card per scorable period, ascending by period."""
    cards = (score_period(model, data, period) for period in sorted(data.facts))
    return [card for card in cards if card is not None]
