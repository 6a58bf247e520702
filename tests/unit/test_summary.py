"""The backtest's summary scorer agrees with the engine (the reference) on every card it is given."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from bench.bench_scoring import _enterprises
from chalicelib.domain.model.schema import load_model
from chalicelib.domain.records import EnterpriseData, FactValue, Master
from chalicelib.domain.scoring.engine import score_period
from chalicelib.domain.scoring.summary import compile_model, prepare, summarize

MODELS = [load_model("jx-2025.1-provisional"), load_model("jx-2026.1-draft")]
COMPILED = [compile_model(m) for m in MODELS]
P = 2025
UPLOADABLE = [i for i in MODELS[0].indicators if i.uploadable]


def agree(data: EnterpriseData, period: int = P) -> None:
    for model, compiled in zip(MODELS, COMPILED, strict=True):
        card = score_period(model, data, period)
        prepared = prepare(data, period)
        summary = summarize(compiled, prepared) if prepared is not None else None
        if card is None:
            assert summary is None
            continue
        assert summary is not None
        assert (summary.stage, summary.score, summary.grade, summary.whitelisted, summary.veto) == (
            card.stage,
            card.score,
            card.grade,
            card.whitelisted,
            card.veto,
        ), data


def test_agrees_with_the_engine_on_the_benchmark_province() -> None:
    for chunk in _enterprises(MODELS[0], 3000, seed=11):
        for data in chunk:
            agree(data, 2025)
            agree(data, 2024)


# values near the rounding ties: few decimals, small and large, so that x.xx5 comes up
_value = st.one_of(
    st.integers(min_value=0, max_value=60).map(Decimal),
    st.decimals(min_value=0, max_value=100_000, places=3, allow_nan=False, allow_infinity=False),
    st.decimals(min_value=-500, max_value=500, places=1, allow_nan=False, allow_infinity=False),
)


@settings(max_examples=400, deadline=None)
@given(
    values=st.dictionaries(st.sampled_from([i.id for i in UPLOADABLE]), _value, max_size=len(UPLOADABLE)),
    previous=st.dictionaries(st.sampled_from(["operating_revenue", "rd_expense"]), _value),
    established=st.integers(min_value=2000, max_value=2026),
)
def test_agrees_with_the_engine_on_generated_facts(
    values: dict[str, Decimal], previous: dict[str, Decimal], established: int
) -> None:
    def facts(row: dict[str, Decimal]) -> dict[str, FactValue]:
        out = {}
        for key, value in row.items():
            ind = MODELS[0].indicator(key)
            if ind.type == "flag":
                value = Decimal(1 if value > 0 else 0)
            elif value < 0 and not ind.allow_negative:
                value = -value
            if ind.type == "share":
                value = min(value, Decimal(100))
            out[key] = FactValue(value, ind.source, "b")
        return out

    master = Master("91360111000000001X", "企业", date(established, 6, 1), "360111", "C39")
    agree(EnterpriseData(master.credit_code, master, {P: facts(values), P - 1: facts(previous)}, {}))


def test_agrees_on_exact_ties_and_negative_growth() -> None:
    master = Master("91360111000000001X", "企业", date(2019, 6, 1), "360111", "C39")
    # 80 x 0.0625 / 1000 = 0.005: a tie, half-up to 0.01; growth of -12.345 % rounds away from zero
    row = {
        "rd_expense": Decimal("0.0625"),
        "operating_revenue": Decimal("877.55"),
        "admin_penalties": Decimal(7),
    }
    before = {"rd_expense": Decimal("0.0625"), "operating_revenue": Decimal("1001")}
    data = EnterpriseData(
        master.credit_code,
        master,
        {
            P: {k: FactValue(v, "tax", "b") for k, v in row.items()},
            P - 1: {k: FactValue(v, "tax", "b") for k, v in before.items()},
        },
        {},
    )
    agree(data)
