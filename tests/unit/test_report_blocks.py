"""Region report arithmetic (contract 10): by example and by property over generated cards."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.model.schema import STAGES, load_model
from chalicelib.domain.records import EnterpriseData, FactValue, Master
from chalicelib.domain.regions import CITIES
from chalicelib.domain.reports.blocks import PROVINCE, RegionBlock, build_blocks
from chalicelib.domain.reports.inputs import (
    CATEGORIES,
    CardFacts,
    DigestError,
    IndicatorFigure,
    MatchFact,
    SupportFact,
    card_digest,
    parse_digest,
)
from chalicelib.domain.scoring.engine import score_period

D = Decimal
MODEL = load_model("jx-2025.1-provisional")
GRADES = tuple(g.grade for g in MODEL.grades)
DISTRICTS = ("360102", "360111", "360203", "360702", "361102", "369901")  # the last is outside the cities


def card(
    code: str,
    region: str,
    score: str,
    *,
    stage: str = "growth",
    grade: str = "B",
    listed: bool = False,
    completeness: str = "0.5000",
    categories: tuple[str, ...] = ("0", "0", "0", "0", "0"),
) -> CardFacts:
    return CardFacts(
        code, region, stage, grade, D(score), listed, D(completeness), tuple(D(c) for c in categories), ()
    )


def blocks(
    cards: list[CardFacts], **kw: object
) -> tuple[RegionBlock, dict[str, RegionBlock], dict[str, RegionBlock]]:
    figures = build_blocks(cards, stages=STAGES, grades=GRADES, **kw)  # type: ignore[arg-type]
    return (
        figures.province,
        {b.region_code: b for b in figures.cities},
        {b.region_code: b for b in figures.districts},
    )


def test_a_city_by_hand() -> None:
    cards = [
        card(
            "a",
            "360111",
            "812.50",
            grade="A",
            listed=True,
            completeness="1.0000",
            categories=("400", "300", "80", "40", "-7.5"),
        ),
        card("b", "360111", "600.00", grade="B", listed=True, completeness="0.5000"),
        card("c", "360102", "100.01", stage="startup", grade="D", completeness="0.0556"),
        card("d", "360102", "100.02", stage="startup", grade="D", completeness="0.0555"),
    ]
    province, cities, districts = blocks(cards)
    nanchang = cities["3601"]
    assert nanchang.name_zh == "南昌市"
    assert nanchang.enterprises == 4
    assert nanchang.by_stage == {"startup": 2, "growth": 2, "mature": 0}
    assert nanchang.by_grade == {"A": 1, "B": 1, "C": 0, "D": 2}
    assert nanchang.score.mean == D("403.13")  # 1612.53 / 4 = 403.1325
    assert nanchang.score.median == D("350.01")  # (100.02 + 600.00) / 2 = 350.01
    assert nanchang.score.p90 == D("812.50")  # rank ceil(3.6) = 4
    assert nanchang.categories["tech_innovation"] == D("100.00")
    assert nanchang.categories["negative"] == D("-1.88")  # -7.5 / 4 = -1.875, half-up away from zero
    assert nanchang.completeness_mean == D("0.4028")  # 1.6111 / 4 = 0.402775
    assert nanchang.whitelist == 2 and nanchang.whitelist_share == D("0.5000")
    assert districts["360102"].score.median == D("100.02")  # (100.01 + 100.02) / 2 = 100.015 half-up
    assert province.enterprises == 4 and province.region_code == PROVINCE


def test_an_empty_city_has_zeros_and_nulls() -> None:
    _, cities, _ = blocks([card("a", "360111", "700")])
    empty = cities["3611"]
    assert empty.enterprises == 0 and empty.whitelist == 0
    assert empty.by_stage == {"startup": 0, "growth": 0, "mature": 0}
    assert empty.score.mean is None and empty.score.median is None and empty.score.p90 is None
    assert all(v is None for v in empty.categories.values())
    assert empty.completeness_mean is None and empty.whitelist_share is None
    assert empty.support.records == 0 and empty.support.mean_rate_pct is None
    assert list(cities) == list(CITIES)  # all eleven, by code


def test_support_counts_disbursed_loans_and_credit_lines_weighted_by_amount() -> None:
    cards = [card("a", "360111", "700"), card("b", "360702", "650")]
    support = [
        SupportFact("a", "loan", "disbursed", D("500"), D("3.45")),
        SupportFact("a", "credit_line", "repaid", D("100"), D("4.00")),
        SupportFact("a", "loan", "approved", D("900"), D("3.00")),  # not reached yet
        SupportFact("b", "subsidy", "disbursed", D("50"), None),  # not a loan
        SupportFact("b", "loan", "disbursed", D("300"), None),  # no rate: in the amount, not the rate
        SupportFact("zzz", "loan", "disbursed", D("1"), D("1")),  # no card for the period
    ]
    matches = [MatchFact("a", "p1"), MatchFact("a", "p2"), MatchFact("b", "p1"), MatchFact("zzz", "p1")]
    province, cities, _ = blocks(cards, support=support, matches=matches)
    nanchang = cities["3601"].support
    assert nanchang.records == 2 and nanchang.enterprises_disbursed == 1
    assert nanchang.disbursed_wan == D("600.00")
    assert nanchang.mean_rate_pct == D("3.54")  # (500 x 3.45 + 100 x 4) / 600 = 3.5417
    assert cities["3607"].support.mean_rate_pct is None and cities["3607"].support.disbursed_wan == D(
        "300.00"
    )
    assert province.support.records == 3 and province.support.enterprises_disbursed == 2
    assert province.policy_matches == 3 and cities["3601"].policy_matches == 2


def test_equity_counts_investments_that_reached_the_enterprise() -> None:
    cards = [card("a", "360111", "700"), card("b", "360702", "650"), card("c", "360111", "600")]
    support = [
        SupportFact("a", "equity", "disbursed", D("1000"), None),
        SupportFact("a", "equity", "repaid", D("500.5"), None),
        SupportFact("c", "equity", "disbursed", D("200"), None),
        SupportFact("b", "equity", "approved", D("800"), None),  # not reached yet
        SupportFact("b", "loan", "disbursed", D("300"), D("4")),  # a loan: not equity
        SupportFact("zzz", "equity", "disbursed", D("1"), None),  # no card for the period
    ]
    province, cities, _ = blocks(cards, support=support)
    nanchang = cities["3601"].support.equity
    assert (nanchang.records, nanchang.enterprises, nanchang.amount_wan) == (3, 2, D("1700.50"))
    assert cities["3607"].support.equity.records == 0 and cities["3607"].support.records == 1
    assert province.support.equity.enterprises == 2 and province.support.equity.amount_wan == D("1700.50")
    assert province.support.records == 1  # equity is not counted with loans


cards_strategy = st.lists(
    st.builds(
        lambda n, region, score, stage, grade, listed, completeness, cats: CardFacts(
            f"c{n}",
            region,
            stage,
            grade,
            D(score).scaleb(-2),
            listed,
            D(completeness).scaleb(-4),
            tuple(D(c).scaleb(-2) for c in cats),
            (),
        ),
        st.integers(0, 10**9),
        st.sampled_from(DISTRICTS),
        st.integers(0, 100_000),
        st.sampled_from(STAGES),
        st.sampled_from(GRADES),
        st.booleans(),
        st.integers(0, 10_000),
        st.tuples(*[st.integers(-20_000, 40_000)] * len(CATEGORIES)),
    ),
    max_size=80,
    unique_by=lambda c: c.credit_code,
)


@settings(max_examples=120, deadline=None)
@given(cards_strategy)
def test_counts_add_up_to_the_province_and_shares_stay_in_range(cards: list[CardFacts]) -> None:
    province, cities, districts = blocks(cards)
    outside = [c for c in cards if c.region_code[:4] not in CITIES]
    assert province.enterprises == len(cards)
    assert sum(b.enterprises for b in districts.values()) == province.enterprises
    assert sum(b.enterprises for b in cities.values()) + len(outside) == province.enterprises
    assert (
        sum(b.whitelist for b in cities.values()) + sum(c.whitelisted for c in outside) == province.whitelist
    )
    for block in (province, *cities.values(), *districts.values()):
        assert sum(block.by_stage.values()) == block.enterprises == sum(block.by_grade.values())
        assert set(block.by_grade) == set(GRADES) and set(block.by_stage) == set(STAGES)
        if block.enterprises == 0:
            assert block.whitelist_share is None and block.score.median is None
            continue
        assert block.whitelist_share is not None and D(0) <= block.whitelist_share <= D(1)
        assert block.completeness_mean is not None and D(0) <= block.completeness_mean <= D(1)
        assert block.score.p90 is not None and block.score.median is not None
        assert block.score.p90 >= block.score.median


def test_the_digest_of_a_scored_card_round_trips() -> None:
    master = Master("91360100000000001X", "江西某公司", date(2015, 6, 1), "360111", "C39")
    facts = {
        2025: {
            "operating_revenue": FactValue(D("12500"), "tax", "b"),
            "rd_expense": FactValue(D("1000"), "tax", "b"),
            "invention_patents": FactValue(D("4"), "amr", "b"),
            "dishonest_debtor": FactValue(D("1"), "credit", "b"),
        }
    }
    scored = score_period(MODEL, EnterpriseData(master.credit_code, master, facts), 2025)
    assert scored is not None
    facts_ = parse_digest(scored.credit_code, "360111", card_digest(scored))
    assert (facts_.stage, facts_.grade, facts_.score) == (scored.stage, scored.grade, scored.score)
    assert facts_.whitelisted == scored.whitelisted and facts_.completeness == scored.completeness
    assert facts_.categories == tuple(
        next(c.points for c in scored.categories if c.id == k) for k in CATEGORIES
    )
    core = {i.id: i for i in scored.indicators if i.category in CATEGORIES[:3]}
    assert len(facts_.indicators) == len(core) == 18
    for figure in facts_.indicators:
        scored_ = core[figure.id]
        assert figure.value == scored_.value
        assert figure.at_full == (scored_.points == scored_.max_points)
    rd = next(f for f in facts_.indicators if f.id == "rd_expense")
    assert rd == IndicatorFigure("rd_expense", D("1000"), True)
    growth = next(f for f in facts_.indicators if f.id == "rd_expense_growth")
    assert growth.value is None and not growth.at_full  # no P-1 data: missing


def test_a_foreign_digest_is_refused() -> None:
    for text in ("v2|growth|A|1|1|1|0,0,0,0,0|", "v1|growth|A|x|1|1|0,0,0,0,0|", "nonsense"):
        try:
            parse_digest("c", "360111", text)
        except DigestError as exc:
            assert exc.code == "INVALID_DIGEST"
        else:
            raise AssertionError(text)


def test_districts_are_named_from_the_division_table() -> None:
    _, _, districts = blocks(
        [card("a", "360111", "700"), card("b", "360199", "700"), card("c", "369901", "1")]
    )
    assert districts["360111"].name_zh == "青山湖区"
    assert districts["360199"].name_zh == "南昌市（360199）"  # not in the table: the city and the code
    assert districts["369901"].name_zh == "369901"
