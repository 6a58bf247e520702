"""Indicator statistics (contract 10/13): by example and by property."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.model.schema import STAGES
from chalicelib.domain.reports.indicators import ALL_STAGES, indicator_statistics
from chalicelib.domain.reports.inputs import CardFacts, IndicatorFigure

D = Decimal
IDS = ("rd_expense", "invention_patents")
DISTRICTS = ("360102", "360111", "360702")


def card(code: str, region: str, stage: str, *figures: IndicatorFigure) -> CardFacts:
    return CardFacts(code, region, stage, "B", D(600), True, D("0.5"), (D(0),) * 5, figures)


def fig(id_: str, value: str | None, points: str, max_points: str = "80.00") -> IndicatorFigure:
    return IndicatorFigure(id_, D(value) if value is not None else None, D(points) == D(max_points))


def test_a_province_by_hand() -> None:
    cards = [
        card(
            "a",
            "360111",
            "growth",
            fig("rd_expense", "1000", "80.00"),
            fig("invention_patents", "2", "15.00"),
        ),
        card(
            "b", "360111", "growth", fig("rd_expense", "200", "16.00"), fig("invention_patents", None, "0.00")
        ),
        card("c", "360702", "startup", fig("rd_expense", "300", "90.00", "90.00")),
        card("d", "360702", "mature", fig("rd_expense", "50", "0.70", "70.00")),
    ]
    out = indicator_statistics(cards, IDS)
    rd = out[("36", ALL_STAGES)]["rd_expense"]
    assert (rd.present, rd.missing, rd.at_full) == (4, 0, 2)
    assert (rd.min, rd.p25, rd.median, rd.p75, rd.max) == (D(50), D(50), D("250.00"), D(300), D(1000))
    assert rd.mean == D("387.50")
    patents = out[("36", ALL_STAGES)]["invention_patents"]
    assert (patents.present, patents.missing) == (1, 3)  # d and c carry no such figure: missing too
    assert patents.median == D("2.00") and patents.p25 == D(2) == patents.max
    growth = out[("3601", "growth")]["rd_expense"]
    assert (growth.present, growth.min, growth.max, growth.at_full) == (2, D(200), D(1000), 1)
    assert ("3601", "startup") not in out  # no card there: a reader gets the empty figures
    empty = out[("360111", "growth")]["invention_patents"]
    assert empty.present == 1 and empty.missing == 1


groups = st.lists(
    st.tuples(
        st.sampled_from(DISTRICTS),
        st.sampled_from(STAGES),
        st.one_of(st.none(), st.integers(0, 10**6).map(lambda c: D(c).scaleb(-2))),
        st.booleans(),
    ),
    max_size=60,
)


@settings(max_examples=120, deadline=None)
@given(groups)
def test_figures_are_consistent_in_every_group(rows: list[tuple[str, str, Decimal | None, bool]]) -> None:
    cards = [
        card(
            f"c{i}",
            region,
            stage,
            fig("rd_expense", None if v is None else str(v), "80.00" if full else "1.00"),
        )
        for i, (region, stage, v, full) in enumerate(rows)
    ]
    out = indicator_statistics(cards, ("rd_expense",))
    for (region, stage), figures in out.items():
        members = [c for c in cards if c.region_code.startswith(region) and stage in (ALL_STAGES, c.stage)]
        s = figures["rd_expense"]
        assert s.present + s.missing == len(members)
        assert s.at_full == sum(c.indicators[0].at_full for c in members)
        if s.present == 0:
            assert s.min is None and s.median is None and s.mean is None
            continue
        assert s.min is not None and s.p25 is not None and s.p75 is not None and s.max is not None
        assert s.min <= s.p25 <= s.p75 <= s.max
        assert s.median is not None and s.min <= s.median <= s.max
        assert s.mean is not None and s.min - D("0.005") <= s.mean <= s.max + D("0.005")
    province = out.get(("36", ALL_STAGES))
    if province is not None:
        cities = [f["rd_expense"].present for (r, st_), f in out.items() if len(r) == 4 and st_ == ALL_STAGES]
        assert sum(cities) == province["rd_expense"].present
