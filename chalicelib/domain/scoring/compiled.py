"""The compiled view of a model: plain tuples of numbers, laid out per stage, made once per model object."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, Inexact, getcontext
from typing import Final

from chalicelib.domain.model.schema import STAGES, IndicatorDef, ScoringModel, Stage
from chalicelib.domain.records import IndicatorScore
from chalicelib.domain.scoring.arithmetic import Q4, ZERO, ZERO2, r2
from chalicelib.domain.values import MAX_PLACES

# --- why a value is missing: the codes a card stores (`IndicatorScore.why`) ----------------------------

NO_VALUE: Final = "no_value"  # nothing uploaded for the indicator
NO_NUMERATOR: Final = "no_numerator"  # ratio: no numerator
NO_DENOMINATOR: Final = "no_denominator"  # ratio: no denominator
NO_CURRENT: Final = "no_current"  # growth: no value of the period itself
NO_PREVIOUS: Final = "no_previous"  # growth: no value of the previous period
BASE_NOT_POSITIVE: Final = "base_not_positive"  # the denominator (or previous value) is <= 0
WHY_CODES: Final = frozenset(
    {NO_VALUE, NO_NUMERATOR, NO_DENOMINATOR, NO_CURRENT, NO_PREVIOUS, BASE_NOT_POSITIVE}
)


@dataclass(frozen=True, slots=True)
class Derivation:
    growth: bool  # growth of `a` over the previous period; otherwise the ratio a x 100 / b
    a: str
    b: str  # growth: `a` again
    at_most: Decimal | None
    no_a: str  # the why code when `a` is missing: NO_CURRENT or NO_NUMERATOR
    no_b: str  # the why code when `b` is missing: NO_PREVIOUS or NO_DENOMINATOR


# A core indicator under one stage, as the engine's loop unpacks it: (position on the card, category
# position, id, name, category id, weight, full, max points, points per unit of value or None)
Plain = tuple[int, int, str, str, str, Decimal, Decimal, Decimal, Decimal | None]
# ... and a derived one: the same, then (growth or not, input ids a and b, the ratio's cap, and its whole
# entry when it cannot be computed: a missing, b missing, b <= 0)
DerivedSpec = tuple[bool, str, str, Decimal | None, IndicatorScore, IndicatorScore, IndicatorScore]
Derived = tuple[int, int, str, str, str, Decimal, Decimal, Decimal, Decimal | None, DerivedSpec]


@dataclass(frozen=True, slots=True)
class Extra:
    """A characteristic (bonus) or negative (deduction) indicator: the same under every stage."""

    index: int  # position on the card
    bonus: bool  # else a deduction
    id: str
    name_zh: str
    category_id: str
    per_unit: bool  # else a flag
    points: Decimal  # per flag or per unit; negative for deductions
    flag_points: Decimal  # points when the flag is set, 2 decimals
    cap: Decimal | None  # per unit: the largest total, as a positive number
    veto: bool
    max_points: Decimal


# ... and a bonus or deduction as the loop unpacks it (locals are cheaper than attributes):
# (position, id, name, category id, max points, per unit, flag points, bonus, veto, the whole Extra)
ExtraRow = tuple[int, str, str, str, Decimal, bool, Decimal, bool, bool, Extra]


def _extra_row(e: Extra) -> ExtraRow:
    return (
        e.index,
        e.id,
        e.name_zh,
        e.category_id,
        e.max_points,
        e.per_unit,
        e.flag_points,
        e.bonus,
        e.veto,
        e,
    )


@dataclass(frozen=True, slots=True)
class StagePlan:
    """Every listed indicator of one stage, grouped by how it is scored; positions keep model order."""

    missing: tuple[IndicatorScore, ...]  # the card with nothing uploaded: copied, then filled in
    plain: tuple[Plain, ...]
    derived: tuple[Derived, ...]
    extras: tuple[ExtraRow, ...]  # bonus and deductions
    core_max: tuple[Decimal, ...]  # max per category (0 for non-core)


@dataclass(frozen=True, slots=True)
class Compiled:
    model: ScoringModel
    category_ids: tuple[str, ...]
    category_kinds: tuple[str, ...]
    completeness: tuple[Decimal, ...]  # by number of core values present: that / core indicators
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
    plans: Mapping[str, StagePlan]


def _unscored(ind: IndicatorDef, max_points: Decimal, why: str) -> IndicatorScore:
    assert ind.category is not None
    return IndicatorScore(ind.id, ind.name_zh, ind.category, None, ZERO2, max_points, None, None, why)


def _derivation(ind: IndicatorDef) -> Derivation | None:
    d = ind.derived
    if d is None:
        return None
    if d.formula == "growth":
        assert d.of is not None
        return Derivation(True, d.of, d.of, None, NO_CURRENT, NO_PREVIOUS)
    assert d.numerator is not None and d.denominator is not None
    return Derivation(False, d.numerator, d.denominator, d.at_most, NO_NUMERATOR, NO_DENOMINATOR)


def per_unit_of_value(weight: Decimal, full: Decimal) -> Decimal | None:
    """weight / full when multiplying by it gives exactly what weight x value / full gives, else None.

    Points are weight x value / full only for 0 < value < full, and such a value has at most
    `MAX_PLACES` decimals (the upload's rule) and no more whole digits than `full`. When weight / full
    is an exact decimal short enough that value x (weight / full) fits the context's precision, both are
    the exact quotient, so one multiplication replaces a multiplication and a division (the division is
    the dearest step of scoring a value).
    """
    context = getcontext()
    exact = Context(prec=context.prec, traps=[Inexact])
    try:
        ratio = exact.divide(weight, full)
    except Inexact:
        return None
    value_digits = max(full.adjusted() + 1, 1) + MAX_PLACES
    return ratio if len(ratio.as_tuple().digits) + value_digits <= context.prec else None


def _extra(ind: IndicatorDef, index: int) -> Extra:
    assert ind.points is not None and ind.category is not None
    bonus = ind.kind == "characteristic"
    per_unit = ind.method == "per_unit"
    cap = abs(ind.cap) if ind.cap is not None else None
    # a bonus at most its cap (per unit) or its points (a flag); a deduction has nothing to gain
    max_points = r2(cap if per_unit and cap is not None else ind.points) if bonus else ZERO2
    return Extra(
        index=index,
        bonus=bonus,
        id=ind.id,
        name_zh=ind.name_zh,
        category_id=ind.category,
        per_unit=per_unit,
        points=ind.points,
        flag_points=r2(ind.points),
        cap=cap,
        veto=ind.veto,
        max_points=max_points,
    )


def _plan(
    model: ScoringModel, listed: list[IndicatorDef], cat_index: Mapping[str, int], stage: Stage
) -> StagePlan:
    missing: list[IndicatorScore] = []
    plain: list[Plain] = []
    derived: list[Derived] = []
    extras: list[ExtraRow] = []
    sums = [ZERO] * len(cat_index)
    for index, ind in enumerate(listed):
        if ind.kind != "core":
            extra = _extra(ind, index)
            extras.append(_extra_row(extra))
            missing.append(_unscored(ind, extra.max_points, NO_VALUE))
            continue
        assert ind.full is not None and ind.weight is not None and ind.category is not None
        weight, full = ind.weight[stage], ind.full[stage]
        category = cat_index[ind.category]
        sums[category] += weight
        max_points = r2(weight)
        ratio = per_unit_of_value(weight, full)
        head = (index, category, ind.id, ind.name_zh, ind.category, weight, full, max_points, ratio)
        missing.append(_unscored(ind, max_points, NO_VALUE))
        derivation = _derivation(ind)
        if derivation is None:
            plain.append(head)
            continue
        d = derivation
        spec = (
            d.growth,
            d.a,
            d.b,
            d.at_most,
            _unscored(ind, max_points, d.no_a),
            _unscored(ind, max_points, d.no_b),
            _unscored(ind, max_points, BASE_NOT_POSITIVE),
        )
        derived.append((*head, spec))
    return StagePlan(
        missing=tuple(missing),
        plain=tuple(plain),
        derived=tuple(derived),
        extras=tuple(extras),
        core_max=tuple(r2(s) for s in sums),
    )


def _completeness(cores: int) -> tuple[Decimal, ...]:
    return tuple((Decimal(n) / Decimal(cores)).quantize(Q4, ROUND_HALF_UP) for n in range(cores + 1))


def _compile(model: ScoringModel) -> Compiled:
    cat_ids = tuple(c.id for c in model.categories)
    cat_index = {c: i for i, c in enumerate(cat_ids)}
    # every listed indicator in model-file order; an input feeds a derived indicator and is never listed
    listed = [ind for ind in model.indicators if ind.kind != "input"]
    rule = model.stage_rule
    cross = model.department(model.cross_check.department)
    return Compiled(
        model=model,
        category_ids=cat_ids,
        category_kinds=tuple(c.kind for c in model.categories),
        completeness=_completeness(sum(1 for ind in listed if ind.kind == "core")),
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
        plans={stage: _plan(model, listed, cat_index, stage) for stage in STAGES},
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
