"""Score, grade and whitelist only: the engine's arithmetic without the card, for backtests.

A backtest scores every enterprise of a period under two models and keeps three numbers of each card.
Building cards (an entry and a Chinese sentence per indicator) is most of the engine's cost; this
module computes the same score from a model pre-compiled into integer ratios: each fact becomes an
exact fraction once (`prepare`), each model's weights and full marks are fractions, and every rounding
is the contract's half-up to cents done on integers. The engine stays the reference:
`tests/unit/test_summary.py` checks that both agree on generated data, ties included.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from chalicelib.domain.model.schema import STAGES, ScoringModel
from chalicelib.domain.records import EnterpriseData, FactValue

Ratio = tuple[int, int]  # numerator, denominator > 0
_HUNDRED: Final = 100


def _half_up(num: int, den: int) -> int:
    """num / den rounded half away from zero to an integer (Decimal's ROUND_HALF_UP)."""
    if num >= 0:
        return (2 * num + den) // (2 * den)
    return -((-2 * num + den) // (2 * den))


def _ratio(value: Decimal) -> Ratio:
    return value.as_integer_ratio()


@dataclass(frozen=True, slots=True)
class Summary:
    stage: str
    score: Decimal
    grade: str
    whitelisted: bool
    veto: bool


@dataclass(frozen=True, slots=True)
class _Linear:
    id: str
    derivation: tuple[str, str, str, Ratio | None] | None  # (kind, a, b, at_most) with kind growth|ratio
    weight: Mapping[str, Ratio]  # per stage
    full: Mapping[str, Ratio]


@dataclass(frozen=True, slots=True)
class _Extra:
    id: str
    bonus: bool
    per_unit: bool
    points: Ratio
    cap: Ratio | None
    veto: bool


# One core indicator under one stage, pre-multiplied: (id, derivation, fn, fd, whole, a, b) where the
# full mark is fn/fd, `whole` the weight in cents and the points of a value vn/vd below the full mark
# are a·vn / (b·vd) rounded half-up (a = 100·wn·fd, b = wd·fn for a weight wn/wd).
_Step = tuple[str, tuple[str, str, str, Ratio | None] | None, int, int, int, int, int]


@dataclass(frozen=True, slots=True)
class Compiled:
    version: str
    plans: Mapping[str, tuple[_Step, ...]]  # per stage
    extras: tuple[_Extra, ...]
    known: frozenset[str]
    revenue: str
    startup_age: int
    startup_revenue: Ratio
    mature_age: int
    mature_revenue: Ratio
    otherwise: str
    bonus_cap: int  # cents
    scale: int  # cents
    grades: tuple[tuple[int, str], ...]  # (min in cents, grade), highest first
    min_score: int  # cents
    veto_excludes: bool


def _step(spec: _Linear, stage: str) -> _Step:
    wn, wd = spec.weight[stage]
    fn, fd = spec.full[stage]
    return (spec.id, spec.derivation, fn, fd, _half_up(wn * _HUNDRED, wd), wn * fd * _HUNDRED, wd * fn)


def compile_model(model: ScoringModel) -> Compiled:
    linear: list[_Linear] = []
    extras: list[_Extra] = []
    for ind in model.indicators:
        if ind.kind == "core":
            assert ind.full is not None and ind.weight is not None
            derivation = None
            if ind.derived is not None:
                d = ind.derived
                at_most = _ratio(d.at_most) if d.at_most is not None else None
                if d.formula == "growth":
                    assert d.of is not None
                    derivation = ("growth", d.of, d.of, at_most)
                else:
                    assert d.numerator is not None and d.denominator is not None
                    derivation = ("ratio", d.numerator, d.denominator, at_most)
            linear.append(
                _Linear(
                    ind.id,
                    derivation,
                    {s: _ratio(ind.weight[s]) for s in STAGES},
                    {s: _ratio(ind.full[s]) for s in STAGES},
                )
            )
        elif ind.kind in ("characteristic", "negative"):
            assert ind.points is not None
            extras.append(
                _Extra(
                    ind.id,
                    ind.kind == "characteristic",
                    ind.method == "per_unit",
                    _ratio(ind.points),
                    _ratio(ind.cap) if ind.cap is not None else None,
                    ind.veto,
                )
            )
    rule = model.stage_rule
    return Compiled(
        version=model.version,
        plans={stage: tuple(_step(spec, stage) for spec in linear) for stage in STAGES},
        extras=tuple(extras),
        known=frozenset(i.id for i in model.indicators if i.uploadable),
        revenue=rule.revenue_indicator,
        startup_age=rule.startup.age_below,
        startup_revenue=_ratio(rule.startup.revenue_below),
        mature_age=rule.mature.age_at_least,
        mature_revenue=_ratio(rule.mature.revenue_at_least),
        otherwise=rule.otherwise,
        bonus_cap=_cents(_ratio(model.bonus_cap)),
        scale=_cents(_ratio(model.scale)),
        grades=tuple((_cents(_ratio(g.min)), g.grade) for g in model.grades),
        min_score=_cents(_ratio(model.whitelist.min_score)),
        veto_excludes=model.whitelist.veto_excludes,
    )


def _cents(r: Ratio) -> int:
    return _half_up(r[0] * _HUNDRED, r[1])


@dataclass(frozen=True, slots=True)
class Prepared:
    """One enterprise-period's facts as exact fractions: converted once, scored under any model."""

    established_year: int
    period: int
    facts: Mapping[str, Ratio]
    previous: Mapping[str, FactValue]  # converted when a growth needs it: most of P-1 never is


def prepare(data: EnterpriseData, period: int) -> Prepared | None:
    """The facts of `period` (and P-1) as fractions; None when the enterprise is not scored for it."""
    master = data.master
    if master is None or master.established_on.year > period:
        return None
    facts = data.facts.get(period)
    if not facts:
        return None
    previous = data.facts.get(period - 1) or {}
    return Prepared(
        master.established_on.year,
        period,
        {k: v.value.as_integer_ratio() for k, v in facts.items()},
        previous,
    )


def _less(a: Ratio, b: Ratio) -> bool:
    return a[0] * b[1] < b[0] * a[1]


def _stage(c: Compiled, p: Prepared) -> str:
    age = p.period - p.established_year
    revenue = p.facts.get(c.revenue, (0, 1))
    if age < c.startup_age or _less(revenue, c.startup_revenue):
        return "startup"
    if age >= c.mature_age and not _less(revenue, c.mature_revenue):
        return "mature"
    return c.otherwise


def _derived(kind: str, a: str, b: str, at_most: Ratio | None, p: Prepared) -> Ratio | None:
    """The derived value rounded half-up to cents, as (cents, 100); None when it is missing."""
    top = p.facts.get(a)
    if top is None:
        return None
    if kind == "growth":
        before = p.previous.get(a)
        base = before.value.as_integer_ratio() if before is not None else None
    else:
        base = p.facts.get(b)
    if base is None or base[0] <= 0:
        return None
    an, ad = top
    bn, bd = base
    if kind == "growth":  # (a - b) x 100 / b
        num, den = (an * bd - bn * ad) * _HUNDRED, ad * bn
    else:
        num, den = an * bd * _HUNDRED, ad * bn
        if at_most is not None and num * at_most[1] > at_most[0] * den:
            num, den = at_most
    return _half_up(num * _HUNDRED, den), _HUNDRED


def summarize(c: Compiled, p: Prepared) -> Summary | None:
    """Stage, score, grade, whitelist and veto, exactly as the engine's card has them."""
    facts = p.facts
    if c.known.isdisjoint(facts):
        return None
    stage = _stage(c, p)
    core = 0  # cents
    get = facts.get
    for indicator, derivation, fn, fd, whole, a, b in c.plans[stage]:
        value = get(indicator) if derivation is None else _derived(*derivation, p)
        if value is None:
            continue
        vn, vd = value
        if vn <= 0:
            continue
        if vn * fd >= fn * vd:  # at or over the full mark: the whole weight
            core += whole
        else:  # weight x value / full, half-up to cents (positive: no sign to care for)
            num, den = a * vn, b * vd
            core += (2 * num + den) // (2 * den)
    bonus = deductions = 0
    veto = False
    for extra in c.extras:
        fact = facts.get(extra.id)
        if fact is None:
            continue
        pn, pd = extra.points
        if not extra.per_unit:
            cents = _half_up(pn * _HUNDRED, pd) if fact[0] != 0 else 0
        else:
            vn, vd = fact
            num, den = (pn * vn, pd * vd) if vn > 0 else (0, 1)
            if extra.cap is not None:
                cn, cd = extra.cap
                if abs(num) * cd > cn * den:
                    num, den = (cn if num > 0 else -cn), cd
            cents = _half_up(num * _HUNDRED, den)
        if extra.bonus:
            bonus += cents
        else:
            deductions -= cents
            if extra.veto and cents:
                veto = True
    total = core + min(bonus, c.bonus_cap) - deductions
    score = 0 if total < 0 else min(total, c.scale)
    grade = next(g for low, g in c.grades if score >= low)
    listed = score >= c.min_score and not (veto and c.veto_excludes)
    return Summary(stage, Decimal(score).scaleb(-2), grade, listed, veto)
