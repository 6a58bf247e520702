"""The scoring engine: an enterprise's master data and facts in, one score card per period out.

Contract section 3. Every weight, threshold, cap, grade, rule and Chinese indicator name is read from
the model; this module only knows the arithmetic:

- core points = weight x min(max(value, 0) / full, 1), computed exactly (weight x value / full) and
  rounded half-up to 2 decimals;
- derived values are computed with one division (growth = (P - (P-1)) x 100 / (P-1), ratio =
  a x 100 / b, capped where the model says) and rounded half-up to 2 decimals; points are computed
  from the rounded value, so what the portrait shows is exactly what was scored;
- bonus and deduction points per indicator (flag, or per unit within the indicator's cap), rounded to
  2 decimals; the bonus total is capped by the model's bonus cap; deductions have no total cap;
  score = clamp(core + bonus - deductions, 0, scale).

Provenance of a derived value: source `derived`, and the batch of its newest input (latest
`received_at`, then the greater batch id), so a portrait points at the upload that last moved it.
Missing values (and derived values that cannot be computed) have no source and no batch.

Cross-checks (多源校核): the gap is |stats - scored| / |scored| x 100, rounded to 2 decimals, and a
discrepancy is recorded when that rounded gap exceeds the model's tolerance. With no scored value there
is nothing to compare (no record). With a scored value of 0 and a different stats value the relative gap
is unbounded: it is recorded, with the gap taken against the stats value instead (100.00), so the
figure stays finite and JSON-safe.

Speed: a national rescore is ~520,000 cards. The model is compiled once into plain tuples and
prebuilt texts (`_compile`, cached per model object), the hot path touches no pydantic object, and
entries that do not depend on the enterprise (a missing value, a flag or a count from one batch) are
shared, immutable objects.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final

from chalicelib.domain.model.schema import STAGES, IndicatorDef, ScoringModel, Stage
from chalicelib.domain.records import (
    CategoryScore,
    Discrepancy,
    EnterpriseData,
    FactValue,
    IndicatorScore,
    Master,
    ScoreCard,
)
from chalicelib.domain.scoring.whitelist import is_listed

_Q2: Final = Decimal("0.01")
_Q4: Final = Decimal("0.0001")
_ZERO: Final = Decimal(0)
_ZERO2: Final = Decimal("0.00")
_HUNDRED: Final = Decimal(100)
_GAP_WHEN_SCORED_ZERO: Final = Decimal("100.00")
DERIVED: Final = "derived"
_SHARED_LIMIT: Final = 200_000  # shared entries kept per model before the table starts afresh


def _r2(x: Decimal) -> Decimal:
    return x.quantize(_Q2, ROUND_HALF_UP)  # positional: the keyword costs more than the rounding


def _plain(x: Decimal) -> str:
    """A Decimal as people write it: no exponent (1E+3 -> 1000)."""
    return format(x, "f")


def _suffix(unit: str | None) -> str:
    """What follows a number: "%" sticks to it, other units follow a space."""
    if not unit:
        return ""
    return unit if unit == "%" else f" {unit}"


# --- building records fast ---------------------------------------------------------------------------
# A frozen dataclass's __init__ goes through object.__setattr__ once per field, which made building the
# ~30 records of a card the largest cost of scoring. Filling the slots directly gives the very same
# objects (same class, same fields, same equality) at a third of the cost. The field lists are checked
# at import, so a change to records.py fails loudly here instead of filling the wrong slot.
_Setter = Callable[[object, Any], None]
_new = object.__new__


def _slot_setters(cls: type, names: tuple[str, ...]) -> tuple[_Setter, ...]:
    if tuple(f.name for f in fields(cls)) != names or "__slots__" not in vars(cls):  # pragma: no cover
        raise ImportError(f"records.{cls.__name__} changed its fields: update scoring.engine")
    return tuple(getattr(cls, name).__set__ for name in names)


_s_id, _s_name, _s_cat, _s_value, _s_points, _s_max, _s_source, _s_batch, _s_text = _slot_setters(
    IndicatorScore,
    (
        "id",
        "name_zh",
        "category",
        "value",
        "points",
        "max_points",
        "source_department",
        "batch_id",
        "explanation",
    ),
)
_c_id, _c_points, _c_max = _slot_setters(CategoryScore, ("id", "points", "max"))
_CARD_FIELDS: Final = (
    "credit_code",
    "period",
    "model_version",
    "stage",
    "indicators",
    "categories",
    "core",
    "bonus",
    "deductions",
    "veto",
    "score",
    "grade",
    "whitelisted",
    "completeness",
    "discrepancies",
)
_CARD_SETTERS: Final = _slot_setters(ScoreCard, _CARD_FIELDS)


def _entry(
    id: str,
    name_zh: str,
    category: str,
    value: Decimal | None,
    points: Decimal,
    max_points: Decimal,
    source: str | None,
    batch: str | None,
    text: str,
) -> IndicatorScore:
    item: IndicatorScore = _new(IndicatorScore)
    _s_id(item, id)
    _s_name(item, name_zh)
    _s_cat(item, category)
    _s_value(item, value)
    _s_points(item, points)
    _s_max(item, max_points)
    _s_source(item, source)
    _s_batch(item, batch)
    _s_text(item, text)
    return item


def _category(id: str, points: Decimal, max: Decimal) -> CategoryScore:
    item: CategoryScore = _new(CategoryScore)
    _c_id(item, id)
    _c_points(item, points)
    _c_max(item, max)
    return item


def _card(*values: Any) -> ScoreCard:
    """A ScoreCard from its fields in `_CARD_FIELDS` order."""
    card: ScoreCard = _new(ScoreCard)
    for setter, value in zip(_CARD_SETTERS, values, strict=True):
        setter(card, value)
    return card


# --- the compiled view of a model ------------------------------------------------------------------

# why a derived value could not be computed
_NO_A, _NO_B, _NO_PREVIOUS, _BASE = "no_a", "no_b", "no_previous", "base"


@dataclass(frozen=True, slots=True)
class _Derivation:
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
class _CoreStage:
    """One core indicator under one stage: the numbers and the prebuilt text around them."""

    weight: Decimal
    full: Decimal
    max_points: Decimal
    full_text: str  # "，满分线 1000 万元，得 "
    out_of: str  # "/80 分"
    missing: IndicatorScore  # the whole entry when the value is missing
    unavailable: Mapping[str, IndicatorScore]  # derived: the whole entry, by why it is missing


@dataclass(frozen=True, slots=True)
class _Core:
    category: int  # position of its category in the card's category list
    id: str
    name_zh: str
    category_id: str
    head: str  # "研发费用总额 "
    sfx: str  # " 万元"
    derivation: _Derivation | None
    shareable: bool  # a count: few distinct values, so entries are worth sharing
    stages: Mapping[str, _CoreStage]


@dataclass(frozen=True, slots=True)
class _Extra:
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
class _Compiled:
    model: ScoringModel
    specs: tuple[_Core | _Extra, ...]  # every listed indicator, in model-file order
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
    plans: Mapping[str, tuple[tuple[_Core | None, _CoreStage | None, _Extra | None], ...]]


def _derivation(model: ScoringModel, ind: IndicatorDef) -> _Derivation | None:
    d = ind.derived
    if d is None:
        return None
    if d.formula == "growth":
        assert d.of is not None
        a = model.indicator(d.of)
        return _Derivation(
            growth=True,
            a=a.id,
            b=a.id,
            at_most=None,
            a_head=f"（{a.name_zh} ",
            a_sfx=_suffix(a.unit),
            b_head="，上年 ",
            b_sfx=_suffix(a.unit),
            limit="",
            reasons={
                _NO_A: f"（缺少本年{a.name_zh}）",
                _NO_PREVIOUS: f"（缺少上年{a.name_zh}）",
                _BASE: f"（上年{a.name_zh}不大于 0）",
            },
        )
    assert d.numerator is not None and d.denominator is not None
    a, b = model.indicator(d.numerator), model.indicator(d.denominator)
    return _Derivation(
        growth=False,
        a=a.id,
        b=b.id,
        at_most=d.at_most,
        a_head=f"（{a.name_zh} ",
        a_sfx=_suffix(a.unit),
        b_head=f" ÷ {b.name_zh} ",
        b_sfx=_suffix(b.unit),
        limit=f"，最高 {_plain(d.at_most)}{_suffix(ind.unit)}" if d.at_most is not None else "",
        reasons={
            _NO_A: f"（缺少{a.name_zh}）",
            _NO_B: f"（缺少{b.name_zh}）",
            _BASE: f"（{b.name_zh}不大于 0）",
        },
    )


def _core(model: ScoringModel, ind: IndicatorDef, category: int) -> _Core:
    assert ind.full is not None and ind.weight is not None and ind.category is not None
    derivation = _derivation(model, ind)
    stages: dict[str, _CoreStage] = {}
    for stage in STAGES:
        weight, full = ind.weight[stage], ind.full[stage]
        max_points = _r2(weight)
        out_of = f"/{_plain(weight)} 分"

        def missing(text: str, max_points: Decimal = max_points) -> IndicatorScore:
            assert ind.category is not None
            return IndicatorScore(
                ind.id, ind.name_zh, ind.category, None, _ZERO2, max_points, None, None, text
            )

        reasons = derivation.reasons if derivation is not None else {}
        stages[stage] = _CoreStage(
            weight=weight,
            full=full,
            max_points=max_points,
            full_text=f"，满分线 {_plain(full)}{_suffix(ind.unit)}，得 ",
            out_of=out_of,
            missing=missing(f"{ind.name_zh} 未报送，得 {_ZERO2}{out_of}"),
            unavailable={
                why: missing(f"{ind.name_zh} 无法计算{text}，得 {_ZERO2}{out_of}")
                for why, text in reasons.items()
            },
        )
    return _Core(
        category=category,
        id=ind.id,
        name_zh=ind.name_zh,
        category_id=ind.category,
        head=f"{ind.name_zh} ",
        sfx=_suffix(ind.unit),
        derivation=derivation,
        shareable=ind.type == "count",
        stages=stages,
    )


def _extra(ind: IndicatorDef) -> _Extra:
    assert ind.points is not None and ind.category is not None
    bonus = ind.kind == "characteristic"
    per_unit = ind.method == "per_unit"
    cap = abs(ind.cap) if ind.cap is not None else None
    name, points = ind.name_zh, ind.points
    per = f"每{ind.unit}" if ind.unit else "每个"
    if bonus:
        best = cap if per_unit and cap is not None else points
        max_points = _r2(best)
        out_of = f"/{_plain(best)} 分"
        missing_text = f"{name} 未报送，得 {_ZERO2}{out_of}"
        on = f"{name}：是，得 {_r2(points)}{out_of}"
        off = f"{name}：否，得 {_ZERO2}{out_of}"
        limit = f"，上限 {_plain(cap)} 分" if cap is not None else ""
        rule_text = f"（{per} {_plain(points)} 分{limit}）"
    else:
        max_points = _ZERO2  # a deduction has nothing to gain
        out_of = ""
        missing_text = f"{name} 未报送，不扣分"
        on = f"{name}：是，扣 {_r2(-points)} 分" + ("，一票否决" if ind.veto else "")
        off = f"{name}：否，不扣分"
        limit = f"，最多扣 {_plain(cap)} 分" if cap is not None else ""
        rule_text = f"（{per}扣 {_plain(-points)} 分{limit}）"
    missing = IndicatorScore(ind.id, name, ind.category, None, _ZERO2, max_points, None, None, missing_text)
    return _Extra(
        bonus=bonus,
        id=ind.id,
        name_zh=name,
        category_id=ind.category,
        head=f"{name} ",
        sfx=_suffix(ind.unit),
        per_unit=per_unit,
        points=points,
        cap=cap,
        veto=ind.veto,
        max_points=max_points,
        missing=missing,
        flag_on=(_r2(points), on),
        flag_off=(_ZERO2, off),
        rule_text=rule_text,
        out_of=out_of,
    )


def _compile(model: ScoringModel) -> _Compiled:
    cat_ids = tuple(c.id for c in model.categories)
    cat_index = {c: i for i, c in enumerate(cat_ids)}
    specs: list[_Core | _Extra] = []
    for ind in model.indicators:
        if ind.kind == "core":
            assert ind.category is not None
            specs.append(_core(model, ind, cat_index[ind.category]))
        elif ind.kind != "input":  # an input feeds a derived indicator and is never listed
            specs.append(_extra(ind))
    cores = [s for s in specs if isinstance(s, _Core)]
    core_max: dict[str, tuple[Decimal, ...]] = {}
    for stage in STAGES:
        sums = [_ZERO] * len(cat_ids)
        for core in cores:
            sums[core.category] += core.stages[stage].weight
        core_max[stage] = tuple(_r2(s) for s in sums)
    rule = model.stage_rule
    cross = model.department(model.cross_check.department)
    return _Compiled(
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
        bonus_cap=_r2(model.bonus_cap),
        scale=_r2(model.scale),
        grades=tuple((g.min, g.grade) for g in model.grades),
        cross_checked=cross.sends if cross is not None else (),
        tolerance=model.cross_check.tolerance_pct,
        version=model.version,
        shared={},
        plans={
            stage: tuple(
                (s, s.stages[stage], None) if isinstance(s, _Core) else (None, None, s) for s in specs
            )
            for stage in STAGES
        },
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


# --- one indicator -----------------------------------------------------------------------------------


def _text(x: Decimal) -> str:
    """`_plain`, fast: str() is three times quicker than format(), and right unless it used an exponent."""
    s = str(x)
    return format(x, "f") if "E" in s else s


def _newest(x: FactValue, y: FactValue) -> str:
    return x.batch_id if (x.received_at, x.batch_id) >= (y.received_at, y.batch_id) else y.batch_id


def _core_value(
    spec: _Core, cs: _CoreStage, value: Decimal, source: str, batch: str | None, why: str
) -> IndicatorScore:
    if value >= cs.full:
        points = cs.max_points
    elif value > 0:
        points = (cs.weight * value / cs.full).quantize(_Q2, ROUND_HALF_UP)
    else:
        points = _ZERO2
    shown = str(value)  # `_text` and `_entry` inlined: this runs ~15 times per card
    if "E" in shown:
        shown = format(value, "f")
    item: IndicatorScore = _new(IndicatorScore)
    _s_id(item, spec.id)
    _s_name(item, spec.name_zh)
    _s_cat(item, spec.category_id)
    _s_value(item, value)
    _s_points(item, points)
    _s_max(item, cs.max_points)
    _s_source(item, source)
    _s_batch(item, batch)
    _s_text(item, f"{spec.head}{shown}{spec.sfx}{why}{cs.full_text}{points!s}{cs.out_of}")
    return item


def _shared_entry(c: _Compiled, spec: _Core, cs: _CoreStage, fact: FactValue) -> IndicatorScore:
    # keyed on the text of the value: Decimal("1") == Decimal("1.0"), but they print differently
    key = (cs, str(fact.value), fact.department, fact.batch_id)
    shared = c.shared.get(key)
    if shared is None:
        shared = _core_value(spec, cs, fact.value, fact.department, fact.batch_id, "")
        if len(c.shared) >= _SHARED_LIMIT:
            c.shared.clear()
        c.shared[key] = shared
    return shared


def _derived_entry(
    d: _Derivation,
    spec: _Core,
    cs: _CoreStage,
    facts: Mapping[str, FactValue],
    previous: Mapping[str, FactValue] | None,
) -> IndicatorScore:
    """One division, rounded half-up to 2 decimals; the points come from the rounded value."""
    a = facts.get(d.a)
    if a is None:
        return cs.unavailable[_NO_A]
    if d.growth:
        b = previous.get(d.a) if previous is not None else None
        if b is None:
            return cs.unavailable[_NO_PREVIOUS]
    else:
        b = facts.get(d.b)
        if b is None:
            return cs.unavailable[_NO_B]
    base = b.value
    if base <= 0:
        return cs.unavailable[_BASE]
    limit = ""
    if d.growth:
        raw = (a.value - base) * _HUNDRED / base
    else:
        raw = a.value * _HUNDRED / base
        if d.at_most is not None and raw > d.at_most:
            raw, limit = d.at_most, d.limit
    why = f"{d.a_head}{_text(a.value)}{d.a_sfx}{d.b_head}{_text(base)}{d.b_sfx}{limit}）"
    return _core_value(spec, cs, raw.quantize(_Q2, ROUND_HALF_UP), DERIVED, _newest(a, b), why)


def _extra_entry(c: _Compiled, spec: _Extra, fact: FactValue) -> IndicatorScore:
    value = fact.value
    key = (spec.id, str(value), fact.department, fact.batch_id)
    shared = c.shared.get(key)
    if shared is not None:
        return shared
    if not spec.per_unit:
        points, text = spec.flag_on if value != 0 else spec.flag_off
    else:
        points = spec.points * value if value > 0 else _ZERO
        if spec.cap is not None and abs(points) > spec.cap:
            points = spec.cap if points > 0 else -spec.cap
        points = _r2(points)
        head = f"{spec.head}{_text(value)}{spec.sfx}{spec.rule_text}"
        if spec.bonus:
            text = f"{head}，得 {points!s}{spec.out_of}"
        else:
            text = f"{head}，不扣分" if points == 0 else f"{head}，扣 {_ZERO2 - points!s} 分"
    shared = _entry(
        spec.id,
        spec.name_zh,
        spec.category_id,
        value,
        points,
        spec.max_points,
        fact.department,
        fact.batch_id,
        text,
    )
    if len(c.shared) >= _SHARED_LIMIT:
        c.shared.clear()
    c.shared[key] = shared
    return shared


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
    add = listed.append
    present = 0
    bonus = _ZERO2
    deductions = _ZERO2  # a positive number: what is subtracted
    veto = False
    get = facts.get
    for core, cs, extra in c.plans[stage]:
        if core is not None:
            assert cs is not None
            if core.derivation is None:
                fact = get(core.id)
                if fact is None:
                    add(cs.missing)
                    continue
                if core.shareable:
                    item = _shared_entry(c, core, cs, fact)
                else:
                    item = _core_value(core, cs, fact.value, fact.department, fact.batch_id, "")
            else:
                item = _derived_entry(core.derivation, core, cs, facts, previous)
                if item.value is None:
                    add(item)
                    continue
            present += 1
            sums[core.category] += item.points
            add(item)
            continue
        assert extra is not None
        fact = get(extra.id)
        if fact is None:
            add(extra.missing)
            continue
        item = _extra_entry(c, extra, fact)
        if extra.bonus:
            bonus += item.points
        else:
            deductions -= item.points
            if extra.veto and item.points:
                veto = True
        add(item)

    core_total = sum(sums, _ZERO2)
    if bonus > c.bonus_cap:
        bonus = c.bonus_cap
    total = core_total + bonus - deductions
    score = _ZERO2 if total < 0 else (c.scale if total > c.scale else total)
    maxima = c.core_max[stage]
    categories: list[CategoryScore] = []
    for i, kind in enumerate(c.category_kinds):
        if kind == "core":
            categories.append(_category(c.category_ids[i], sums[i], maxima[i]))
        elif kind == "characteristic":
            categories.append(_category(c.category_ids[i], bonus, c.bonus_cap))
        else:  # never -0.00
            categories.append(_category(c.category_ids[i], _ZERO2 - deductions, _ZERO2))

    return _card(
        data.credit_code,
        period,
        c.version,
        stage,
        tuple(listed),
        tuple(categories),
        core_total,  # core
        bonus,
        deductions,
        veto,
        score,
        _grade(c, score),
        is_listed(model, score, veto),  # whitelisted
        (Decimal(present) / c.core_count).quantize(_Q4, ROUND_HALF_UP),  # completeness
        _discrepancies(c, data, period, facts) if data.cross_checks else (),
    )


def _grade(c: _Compiled, score: Decimal) -> str:
    for low, grade in c.grades:
        if score >= low:
            return grade
    raise AssertionError("the model's lowest grade starts at 0")  # pragma: no cover


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
