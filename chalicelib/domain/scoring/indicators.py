"""One indicator's entry on a card: its value, points and explanation (core, derived, bonus, deduction)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from chalicelib.domain.records import (
    FactValue,
    IndicatorScore,
)
from chalicelib.domain.scoring.arithmetic import (
    DERIVED,
    HUNDRED,
    Q2,
    SHARED_LIMIT,
    ZERO,
    ZERO2,
    r2,
)
from chalicelib.domain.scoring.assembly import (
    indicator_entry,
    new_object,
    s_batch,
    s_cat,
    s_id,
    s_max,
    s_name,
    s_points,
    s_source,
    s_text,
    s_value,
)
from chalicelib.domain.scoring.compiled import (
    BASE,
    NO_A,
    NO_B,
    NO_PREVIOUS,
    Compiled,
    Core,
    CoreStage,
    Derivation,
    Extra,
)

# --- one indicator -----------------------------------------------------------------------------------


def _text(x: Decimal) -> str:
    """`plain_text`, fast: str() is three times quicker than format(), right unless it used an exponent."""
    s = str(x)
    return format(x, "f") if "E" in s else s


def _newest(x: FactValue, y: FactValue) -> str:
    return x.batch_id if (x.received_at, x.batch_id) >= (y.received_at, y.batch_id) else y.batch_id


def core_value(
    spec: Core, cs: CoreStage, value: Decimal, source: str, batch: str | None, why: str
) -> IndicatorScore:
    if value >= cs.full:
        points = cs.max_points
    elif value > 0:
        points = (cs.weight * value / cs.full).quantize(Q2, ROUND_HALF_UP)
    else:
        points = ZERO2
    shown = str(value)  # `_text` and `indicator_entry` inlined: this runs ~15 times per card
    if "E" in shown:
        shown = format(value, "f")
    item: IndicatorScore = new_object(IndicatorScore)
    s_id(item, spec.id)
    s_name(item, spec.name_zh)
    s_cat(item, spec.category_id)
    s_value(item, value)
    s_points(item, points)
    s_max(item, cs.max_points)
    s_source(item, source)
    s_batch(item, batch)
    s_text(item, f"{spec.head}{shown}{spec.sfx}{why}{cs.full_text}{points!s}{cs.out_of}")
    return item


def shared_entry(c: Compiled, spec: Core, cs: CoreStage, fact: FactValue) -> IndicatorScore:
    # keyed on the text of the value: Decimal("1") == Decimal("1.0"), but they print differently
    key = (cs, str(fact.value), fact.department, fact.batch_id)
    shared = c.shared.get(key)
    if shared is None:
        shared = core_value(spec, cs, fact.value, fact.department, fact.batch_id, "")
        if len(c.shared) >= SHARED_LIMIT:
            c.shared.clear()
        c.shared[key] = shared
    return shared


def derived_entry(
    d: Derivation,
    spec: Core,
    cs: CoreStage,
    facts: Mapping[str, FactValue],
    previous: Mapping[str, FactValue] | None,
) -> IndicatorScore:
    """One division, rounded half-up to 2 decimals; the points come from the rounded value."""
    a = facts.get(d.a)
    if a is None:
        return cs.unavailable[NO_A]
    if d.growth:
        b = previous.get(d.a) if previous is not None else None
        if b is None:
            return cs.unavailable[NO_PREVIOUS]
    else:
        b = facts.get(d.b)
        if b is None:
            return cs.unavailable[NO_B]
    base = b.value
    if base <= 0:
        return cs.unavailable[BASE]
    limit = ""
    if d.growth:
        raw = (a.value - base) * HUNDRED / base
    else:
        raw = a.value * HUNDRED / base
        if d.at_most is not None and raw > d.at_most:
            raw, limit = d.at_most, d.limit
    why = f"{d.a_head}{_text(a.value)}{d.a_sfx}{d.b_head}{_text(base)}{d.b_sfx}{limit}）"
    return core_value(spec, cs, raw.quantize(Q2, ROUND_HALF_UP), DERIVED, _newest(a, b), why)


def extra_entry(c: Compiled, spec: Extra, fact: FactValue) -> IndicatorScore:
    value = fact.value
    key = (spec.id, str(value), fact.department, fact.batch_id)
    shared = c.shared.get(key)
    if shared is not None:
        return shared
    if not spec.per_unit:
        points, text = spec.flag_on if value != 0 else spec.flag_off
    else:
        points = spec.points * value if value > 0 else ZERO
        if spec.cap is not None and abs(points) > spec.cap:
            points = spec.cap if points > 0 else -spec.cap
        points = r2(points)
        head = f"{spec.head}{_text(value)}{spec.sfx}{spec.rule_text}"
        if spec.bonus:
            text = f"{head}，得 {points!s}{spec.out_of}"
        else:
            text = f"{head}，不扣分" if points == 0 else f"{head}，扣 {ZERO2 - points!s} 分"
    shared = indicator_entry(
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
    if len(c.shared) >= SHARED_LIMIT:
        c.shared.clear()
    c.shared[key] = shared
    return shared
