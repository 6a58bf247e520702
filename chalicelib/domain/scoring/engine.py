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

Speed: a national rescore is ~520,000 cards. The model is compiled once into plain tuples laid out
per stage (`compiled.py`, cached per model object), the hot path touches no pydantic object and builds
no text: a card holds numbers only (value, points, source, batch, why a value is missing, a derived
value's inputs) and its sentences are rendered when a portrait or a what-if is read (`explain.py`).
Entries of missing values do not depend on the enterprise and are shared, immutable objects.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from chalicelib.domain.model.schema import ScoringModel, Stage
from chalicelib.domain.records import (
    CategoryScore,
    Discrepancy,
    EnterpriseData,
    FactValue,
    IndicatorScore,
    Master,
    ScoreCard,
)
from chalicelib.domain.scoring.arithmetic import DERIVED, GAP_WHEN_SCORED_ZERO, HUNDRED, Q2, ZERO, ZERO2, r2
from chalicelib.domain.scoring.assembly import build_card
from chalicelib.domain.scoring.compiled import Compiled, Extra, compiled_for
from chalicelib.domain.scoring.whitelist import is_listed

_new = tuple.__new__  # a named tuple from a tuple of its fields: no argument parsing

# --- stage ------------------------------------------------------------------------------------------


def _stage(c: Compiled, established_year: int, revenue: Decimal | None, period: int) -> Stage:
    age = period - established_year
    rev = ZERO if revenue is None else revenue
    if age < c.startup_age or rev < c.startup_revenue:
        return "startup"
    if age >= c.mature_age and rev >= c.mature_revenue:
        return "mature"
    return c.otherwise


def stage_for(model: ScoringModel, master: Master, revenue: Decimal | None, period: int) -> Stage:
    """The development stage for `period`: age from the establishment year, revenue of the period."""
    return _stage(compiled_for(model), master.established_on.year, revenue, period)


# --- one period --------------------------------------------------------------------------------------


def _scorable(c: Compiled, data: EnterpriseData, period: int) -> Mapping[str, FactValue] | None:
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
    return _score(compiled_for(model), model, data, period)


def _score(c: Compiled, model: ScoringModel, data: EnterpriseData, period: int) -> ScoreCard | None:
    facts = _scorable(c, data, period)
    if facts is None:
        return None
    assert data.master is not None
    revenue = facts.get(c.revenue_indicator)
    stage = _stage(c, data.master.established_on.year, revenue.value if revenue else None, period)
    plan = c.plans[stage]

    # Start from the card with nothing uploaded (shared, immutable entries) and fill in what was.
    listed = list(plan.missing)
    sums = [ZERO2] * len(c.category_ids)
    present = 0
    get = facts.get
    for index, category, id_, name, category_id, weight, full, max_points, ratio in plan.plain:
        fact = get(id_)
        if fact is None:
            continue
        value = fact.value
        if value >= full:
            points = max_points
        elif value > ZERO:
            exact = value * ratio if ratio is not None else weight * value / full  # see compiled.py
            points = exact.quantize(Q2, ROUND_HALF_UP)
        else:
            points = ZERO2
        listed[index] = _new(
            IndicatorScore,
            (
                id_,
                name,
                category_id,
                value,
                points,
                max_points,
                fact.department,
                fact.batch_id,
                None,
                None,
                None,
                None,
            ),
        )
        sums[category] += points
        present += 1
    # derived values: one division, rounded half-up to 2 decimals; the points come from the rounded
    # value. The entry keeps both inputs (`numerator`, `base`), so its sentence can be told when read.
    previous = data.facts.get(period - 1)
    for index, category, id_, name, category_id, weight, full, max_points, ratio, derivation in plan.derived:
        growth, a_id, b_id, at_most, without_a, without_b, base_not_positive = derivation
        a = get(a_id)
        if a is None:
            listed[index] = without_a
            continue
        b = (previous.get(a_id) if previous is not None else None) if growth else get(b_id)
        if b is None:
            listed[index] = without_b
            continue
        base = b.value
        if base <= ZERO:
            listed[index] = base_not_positive
            continue
        if growth:
            raw = (a.value - base) * HUNDRED / base
        else:
            raw = a.value * HUNDRED / base
            if at_most is not None and raw > at_most:
                raw = at_most
        value = raw.quantize(Q2, ROUND_HALF_UP)
        if value >= full:
            points = max_points
        elif value > ZERO:
            exact = value * ratio if ratio is not None else weight * value / full  # see compiled.py
            points = exact.quantize(Q2, ROUND_HALF_UP)
        else:
            points = ZERO2
        # provenance: the batch of the newer input (latest received, then the greater batch id)
        if a.received_at > b.received_at or (a.received_at == b.received_at and a.batch_id >= b.batch_id):
            batch = a.batch_id
        else:
            batch = b.batch_id
        listed[index] = _new(
            IndicatorScore,
            (id_, name, category_id, value, points, max_points, DERIVED, batch, None, a.value, base, None),
        )
        sums[category] += points
        present += 1

    # bonus and deductions: `_extra_points` and `_entry` inlined, as they run ~15 times per card
    bonus = ZERO2
    deductions = ZERO2  # a positive number: what is subtracted
    veto = False
    for extra_row in plan.extras:
        index, id_, name, category_id, max_points, per_unit, flag_points, is_bonus, vetoes, extra = extra_row
        fact = get(id_)
        if fact is None:
            continue
        value = fact.value
        points = _per_unit_points(extra, value) if per_unit else (flag_points if value != ZERO else ZERO2)
        listed[index] = _new(
            IndicatorScore,
            (
                id_,
                name,
                category_id,
                value,
                points,
                max_points,
                fact.department,
                fact.batch_id,
                None,
                None,
                None,
                None,
            ),
        )
        if is_bonus:
            bonus += points
        else:
            deductions -= points
            if vetoes and points:
                veto = True

    core_total = sum(sums, ZERO2)
    if bonus > c.bonus_cap:
        bonus = c.bonus_cap
    total = core_total + bonus - deductions
    score = ZERO2 if total < ZERO else (c.scale if total > c.scale else total)
    categories: list[CategoryScore] = []
    for category_id, kind, points, most in zip(
        c.category_ids, c.category_kinds, sums, plan.core_max, strict=True
    ):
        if kind == "core":
            categories.append(_new(CategoryScore, (category_id, points, most)))
        elif kind == "characteristic":
            categories.append(_new(CategoryScore, (category_id, bonus, c.bonus_cap)))
        else:  # never -0.00
            categories.append(_new(CategoryScore, (category_id, ZERO2 - deductions, ZERO2)))
    grade = c.grades[-1][1]  # the lowest grade starts at 0
    for low, name in c.grades:  # highest first
        if score >= low:
            grade = name
            break

    return build_card(
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
        grade,
        is_listed(model, score, veto),  # whitelisted
        c.completeness[present],
        _discrepancies(c, data, period, facts) if data.cross_checks else (),
    )


def _per_unit_points(extra: Extra, value: Decimal) -> Decimal:
    """Points x value within the cap, 2 decimals; negative for deductions."""
    points = extra.points * value if value > ZERO else ZERO
    if extra.cap is not None and abs(points) > extra.cap:
        points = extra.cap if points > ZERO else -extra.cap
    return r2(points)


def _discrepancies(
    c: Compiled, data: EnterpriseData, period: int, facts: Mapping[str, FactValue]
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
            gap = GAP_WHEN_SCORED_ZERO
        else:
            gap = r2(abs(stats.value - scored.value) * HUNDRED / abs(scored.value))
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
    c = compiled_for(model)
    cards = [_score(c, model, data, period) for period in sorted(data.facts)]
    return [card for card in cards if card is not None]
