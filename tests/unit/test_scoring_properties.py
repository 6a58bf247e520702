"""Properties of the engine over generated enterprises (hypothesis)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.domain.model.schema import IndicatorDef, load_model
from chalicelib.domain.records import EnterpriseData, FactValue, Master, ScoreCard
from chalicelib.domain.scoring import compiled
from chalicelib.domain.scoring.compiled import per_unit_of_value
from chalicelib.domain.scoring.engine import score_period

MODEL = load_model("jx-2025.1-provisional")
P = 2025
UPLOADABLE = [i for i in MODEL.indicators if i.uploadable]
RATIO_DENOMINATORS = {
    i.derived.denominator for i in MODEL.indicators if i.derived is not None and i.derived.formula == "ratio"
}
GROWTH_IDS = {i.id for i in MODEL.indicators if i.derived is not None and i.derived.formula == "growth"}
# Raising one of these can lower the score: revenue moves the stage, and a denominator lowers its ratio.
NOT_MONOTONIC = {MODEL.stage_rule.revenue_indicator} | RATIO_DENOMINATORS
POSITIVE = [i for i in UPLOADABLE if i.kind in ("core", "input", "characteristic")]
NEGATIVE = [i for i in UPLOADABLE if i.kind == "negative"]
VETO = [i for i in NEGATIVE if i.veto]

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _cents(low: int, high: int) -> st.SearchStrategy[Decimal]:
    return st.integers(low * 100, high * 100).map(lambda c: Decimal(c).scaleb(-2))


def values(ind: IndicatorDef) -> st.SearchStrategy[Decimal]:
    if ind.type == "flag":
        return st.sampled_from([Decimal(0), Decimal(1)])
    if ind.type == "count":
        return st.integers(0, 120).map(Decimal)
    if ind.type == "share":
        return _cents(0, 100)
    return _cents(-3000 if ind.allow_negative else 0, 80_000)


def rows() -> st.SearchStrategy[dict[str, Decimal]]:
    return st.fixed_dictionaries({}, optional={i.id: values(i) for i in UPLOADABLE})


def build(
    established: int, periods: dict[int, dict[str, Decimal]], code: str = "91360100PROPERTY0X"
) -> EnterpriseData:
    facts = {
        p: {i: FactValue(v, MODEL.indicator(i).source, f"B{p}", f"{p + 1}-01-01") for i, v in row.items()}
        for p, row in periods.items()
    }
    return EnterpriseData(code, Master(code, "n", date(established, 1, 1), "360100", "C"), facts)


@st.composite
def enterprises(draw: st.DrawFn) -> EnterpriseData:
    established = draw(st.integers(1995, P))
    current = draw(rows().filter(bool))
    previous = draw(rows())
    periods = {P: current} | ({P - 1: previous} if previous else {})
    return build(established, periods)


def card_of(data: EnterpriseData) -> ScoreCard:
    card = score_period(MODEL, data, P)
    assert card is not None
    return card


def with_value(data: EnterpriseData, indicator: str, value: Decimal, period: int = P) -> EnterpriseData:
    row = dict(data.facts.get(period, {}))
    row[indicator] = FactValue(value, MODEL.indicator(indicator).source, "NEW", "2030-01-01")
    return replace(data, facts={**data.facts, period: row})


def raised(data: EnterpriseData, ind: IndicatorDef, step: Decimal) -> EnterpriseData:
    old = data.facts[P].get(ind.id)
    if ind.type == "flag":
        return with_value(data, ind.id, Decimal(1))
    return with_value(data, ind.id, step if old is None else old.value + step)


steps = st.integers(1, 500_000).map(lambda c: Decimal(c).scaleb(-2))


@FAST
@given(enterprises())
def test_the_card_adds_up(data: EnterpriseData) -> None:
    card = card_of(data)
    assert Decimal(0) <= card.score <= MODEL.scale
    by_kind: dict[str, list[Decimal]] = {"core": [], "characteristic": [], "negative": []}
    for entry in card.indicators:
        by_kind[MODEL.indicator(entry.id).kind].append(entry.points)
        assert entry.points == entry.points.quantize(Decimal("0.01"))
        assert entry.points <= entry.max_points or MODEL.indicator(entry.id).kind == "negative"
    assert (
        card.core
        == sum(by_kind["core"], Decimal(0))
        == sum((c.points for c in card.categories[:3]), Decimal(0))
    )
    assert card.bonus == min(sum(by_kind["characteristic"], Decimal(0)), MODEL.bonus_cap)
    assert card.deductions == -sum(by_kind["negative"], Decimal(0))
    assert card.score == max(Decimal(0), min(MODEL.scale, card.core + card.bonus - card.deductions))
    assert card.grade == MODEL.grade_for(card.score)
    assert card.whitelisted == (card.score >= MODEL.whitelist.min_score and not card.veto)
    vetoes = [i.id for i in VETO if (f := data.facts[P].get(i.id)) is not None and f.value == 1]
    assert card.veto == bool(vetoes)
    present = sum(1 for e in card.indicators if MODEL.indicator(e.id).kind == "core" and e.value is not None)
    assert card.completeness == (Decimal(present) / 18).quantize(Decimal("0.0001"), ROUND_HALF_UP)


@FAST
@given(enterprises(), st.sampled_from([i for i in POSITIVE if i.id not in NOT_MONOTONIC]), steps)
def test_raising_a_positive_indicator_never_lowers_the_score(
    data: EnterpriseData, ind: IndicatorDef, step: Decimal
) -> None:
    before, after = card_of(data), card_of(raised(data, ind, step))
    assert after.stage == before.stage
    assert after.score >= before.score
    assert after.core >= before.core


@FAST
@given(enterprises(), st.sampled_from(POSITIVE), steps)
def test_raising_a_value_only_lowers_ratios_over_it(
    data: EnterpriseData, ind: IndicatorDef, step: Decimal
) -> None:
    """Within one stage, raising any value lowers no entry but a ratio with that value as denominator."""
    before, after = card_of(data), card_of(raised(data, ind, step))
    if after.stage != before.stage:
        return  # revenue moved the stage: every full mark and weight changed
    for old, new in zip(before.indicators, after.indicators, strict=True):
        spec = MODEL.indicator(old.id)
        if spec.derived is not None and spec.derived.denominator == ind.id:
            continue
        assert new.points >= old.points, old.id


@FAST
@given(enterprises(), st.sampled_from(NEGATIVE), st.integers(1, 10))
def test_adding_a_penalty_never_raises_the_score(data: EnterpriseData, ind: IndicatorDef, more: int) -> None:
    before = card_of(data)
    after = card_of(raised(data, ind, Decimal(more)))
    assert after.score <= before.score
    assert after.deductions >= before.deductions
    assert after.core == before.core and after.bonus == before.bonus
    if ind.veto:
        assert after.veto and not after.whitelisted


@FAST
@given(enterprises(), st.sampled_from(VETO))
def test_a_veto_is_never_whitelisted(data: EnterpriseData, ind: IndicatorDef) -> None:
    card = card_of(with_value(data, ind.id, Decimal(1)))
    assert card.veto
    assert not card.whitelisted


@FAST
@given(enterprises(), rows())
def test_the_previous_year_reaches_the_year_only_through_growth(
    data: EnterpriseData, other_previous: dict[str, Decimal]
) -> None:
    before = card_of(data)
    changed = build(data.master.established_on.year if data.master else P, {P - 1: other_previous})
    after = card_of(replace(data, facts={**data.facts, P - 1: changed.facts.get(P - 1, {})}))
    assert after.stage == before.stage
    for old, new in zip(before.indicators, after.indicators, strict=True):
        if old.id not in GROWTH_IDS:
            assert new == old
    if all(o == n for o, n in zip(before.indicators, after.indicators, strict=True) if o.id in GROWTH_IDS):
        assert after == before


@settings(max_examples=20, deadline=None)
@given(st.lists(enterprises(), min_size=2, max_size=6))
def test_shared_entries_never_leak_between_enterprises(batch: list[EnterpriseData]) -> None:
    """Cards scored one after another equal cards scored each with a freshly compiled model."""
    in_sequence = [card_of(data) for data in batch]
    for data, card in zip(batch, in_sequence, strict=True):
        compiled._COMPILED.clear()
        assert card_of(data) == card


@settings(max_examples=300, deadline=None)
@given(
    weight=st.integers(0, 20_000).map(lambda c: Decimal(c).scaleb(-1)),
    # fulls of the form 2^i x 5^j (scaled): weight / full always terminates, so the fast path is taken
    full=st.tuples(st.integers(0, 12), st.integers(0, 6), st.integers(0, 3)).map(
        lambda t: Decimal(2 ** t[0] * 5 ** t[1]).scaleb(-t[2])
    ),
    digits=st.integers(1, 10**18),
    places=st.integers(0, 10),
)
def test_the_points_per_unit_of_value_give_the_quotient_exactly(
    weight: Decimal, full: Decimal, digits: int, places: int
) -> None:
    """Where the engine multiplies by weight / full, it gets exactly weight x value / full."""
    ratio = per_unit_of_value(weight, full)
    value = Decimal(digits).scaleb(-places) % full  # below full, at most 10 decimals: as scored
    assert ratio is not None or len((weight / full).as_tuple().digits) + full.adjusted() + 11 > 28
    if ratio is None or not 0 < value < full:
        return
    fast, exact = value * ratio, weight * value / full
    assert fast == exact
    cent = Decimal("0.01")
    assert fast.quantize(cent, ROUND_HALF_UP) == exact.quantize(cent, ROUND_HALF_UP)
