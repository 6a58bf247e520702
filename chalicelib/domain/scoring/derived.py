"""A derived indicator's entry on a card: one division from the period's facts (growth or a ratio)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from chalicelib.domain.records import FactValue, IndicatorScore
from chalicelib.domain.scoring.arithmetic import DERIVED, HUNDRED, Q2, ZERO2
from chalicelib.domain.scoring.compiled import BASE_NOT_POSITIVE, Derived

_new = tuple.__new__


def derived_entry(
    plan: Derived, facts: Mapping[str, FactValue], previous: Mapping[str, FactValue] | None
) -> IndicatorScore:
    """One division, rounded half-up to 2 decimals; the points come from the rounded value.

    The entry keeps both inputs (`numerator`, `base`), so its sentence can be told when read.
    """
    _, _, id_, name, category, weight, full, max_points, d, unavailable = plan
    a = facts.get(d.a)
    if a is None:
        return unavailable[d.no_a]
    b = facts.get(d.b) if not d.growth else (previous.get(d.a) if previous is not None else None)
    if b is None:
        return unavailable[d.no_b]
    base = b.value
    if base <= 0:
        return unavailable[BASE_NOT_POSITIVE]
    if d.growth:
        raw = (a.value - base) * HUNDRED / base
    else:
        raw = a.value * HUNDRED / base
        if d.at_most is not None and raw > d.at_most:
            raw = d.at_most
    value = raw.quantize(Q2, ROUND_HALF_UP)
    # provenance: the batch of the newer input (latest received, then the greater batch id)
    batch = a.batch_id if (a.received_at, a.batch_id) >= (b.received_at, b.batch_id) else b.batch_id
    if value >= full:
        points = max_points
    elif value > 0:
        points = (weight * value / full).quantize(Q2, ROUND_HALF_UP)
    else:
        points = ZERO2
    entry: IndicatorScore = _new(
        IndicatorScore,
        (id_, name, category, value, points, max_points, DERIVED, batch, None, a.value, base, None),
    )
    return entry


def capped(numerator: Decimal, base: Decimal, at_most: Decimal | None) -> bool:
    """Whether a ratio was held at its `at_most` (computed exactly as `derived_entry` computes it)."""
    return at_most is not None and numerator * HUNDRED / base > at_most
