"""Objections' pure rules (contract 16): working days, which fields, who answers, moves, events."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.model.schema import load_model
from chalicelib.domain.objections import workdays
from chalicelib.domain.objections.objection import (
    OPENED,
    RESOLVED,
    ClaimProblem,
    FieldRef,
    NotObjectableError,
    Objection,
    UnknownFieldError,
    answering_department,
    build_event,
    field_ref,
    may_move,
    objection_event_id,
    parse_value,
)
from chalicelib.settings import get_settings

MODEL = load_model(get_settings().model_version)
TODAY = date(2026, 12, 5)


# --- working days -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("opened", "due"),
    [
        (date(2026, 12, 7), date(2026, 12, 21)),  # a Monday: two whole weeks later
        (date(2026, 12, 4), date(2026, 12, 18)),  # a Friday
        (date(2026, 12, 5), date(2026, 12, 18)),  # a Saturday: counting starts on Monday
        (date(2026, 12, 6), date(2026, 12, 18)),  # a Sunday
        (date(2026, 12, 24), date(2027, 1, 7)),  # across the year's end
        (date(2026, 12, 31), date(2027, 1, 14)),  # the last day of the year (a Thursday)
        (date(2027, 12, 31), date(2028, 1, 14)),  # a Friday year end
        (date(2028, 2, 25), date(2028, 3, 10)),  # across 29 February of a leap year
    ],
)
def test_due_dates_count_ten_working_days_after_the_day_opened(opened: date, due: date) -> None:
    assert workdays.due_on(opened) == due


def test_zero_working_days_is_the_day_itself_and_negative_is_refused() -> None:
    assert workdays.add_working_days(date(2026, 12, 5), 0) == date(2026, 12, 5)
    with pytest.raises(ValueError):
        workdays.add_working_days(date(2026, 12, 5), -1)


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)), st.integers(0, 60))
def test_working_days_land_on_a_weekday_and_count_exactly(start: date, n: int) -> None:
    due = workdays.add_working_days(start, n)
    between = [start + timedelta(days=k) for k in range(1, (due - start).days + 1)]
    assert sum(workdays.is_working_day(d) for d in between) == n
    if n:
        assert workdays.is_working_day(due)


# --- fields and routing ------------------------------------------------------------------------


def test_a_derived_indicator_is_not_objectable_and_names_its_inputs() -> None:
    with pytest.raises(NotObjectableError) as caught:
        field_ref(MODEL, "indicator.rd_intensity")
    assert caught.value.inputs == ("rd_expense", "operating_revenue")
    with pytest.raises(NotObjectableError) as growth:
        field_ref(MODEL, "indicator.revenue_growth")
    assert growth.value.inputs == ("operating_revenue",)


@pytest.mark.parametrize("text", ["indicator.nope", "master.zone", "master.", "rd_expense", "", "other.name"])
def test_unknown_fields_are_refused(text: str) -> None:
    with pytest.raises(UnknownFieldError):
        field_ref(MODEL, text)


def test_input_only_indicators_and_master_fields_are_objectable() -> None:
    assert field_ref(MODEL, "indicator.rd_staff") == FieldRef("indicator", "rd_staff")
    assert field_ref(MODEL, "master.established_on") == FieldRef("master", "established_on")


@pytest.mark.parametrize(
    ("text", "source", "department"),
    [
        ("indicator.rd_expense", None, "tax"),  # nothing sent yet: who may send it
        ("indicator.rd_expense", "tax", "tax"),
        ("indicator.high_tech_enterprise", "sci", "sci"),
        ("indicator.employees", None, "hrss"),
        ("indicator.srdi_enterprise", None, "miit"),
        ("master.name", None, "registry"),
        ("master.region_code", "registry", "registry"),
        ("indicator.rd_expense", "what-if", "tax"),  # not a department: who may send it
    ],
)
def test_the_answering_department(text: str, source: str | None, department: str) -> None:
    assert answering_department(MODEL, field_ref(MODEL, text), source) == department


def test_claimed_values_are_parsed_as_an_upload_would() -> None:
    def claim(text: str, raw: object) -> str | None:
        return parse_value(MODEL, field_ref(MODEL, text), raw, today=TODAY, where="claimed_value")

    assert claim("indicator.rd_expense", "1,200.50") == "1200.5"
    assert claim("indicator.rd_expense", 1500) == "1500"
    assert claim("indicator.rd_expense", 12.3) == "12.3"
    assert claim("indicator.high_tech_enterprise", "是") == "1"
    assert claim("indicator.high_tech_revenue_ratio", "60%") == "60"
    assert claim("indicator.rd_expense", None) is None
    assert claim("master.established_on", "2019年3月5日") == "2019-03-05"
    assert claim("master.industry_code", "3911") == "C3911"
    for text, raw, code in [
        ("indicator.rd_expense", "abc", "INVALID_NUMBER"),
        ("indicator.employees", 3.5, "INVALID_NUMBER"),
        ("indicator.high_tech_revenue_ratio", 120, "OUT_OF_RANGE"),
        ("indicator.high_tech_enterprise", "maybe", "INVALID_FLAG"),
        ("master.established_on", "2099-01-01", "INVALID_DATE"),
        ("master.region_code", "440100", "INVALID_REGION"),
        ("master.name", None, "INVALID_VALUE"),
    ]:
        with pytest.raises(ClaimProblem) as caught:
            claim(text, raw)
        assert (caught.value.field, caught.value.code) == ("claimed_value", code), (text, raw)


def test_status_moves_only_from_open() -> None:
    for to in ("corrected", "rejected", "withdrawn"):
        assert may_move("open", to)
        for done in ("corrected", "rejected", "withdrawn"):
            assert not may_move(done, to)
    assert not may_move("open", "open")


def _objection(**changes: object) -> Objection:
    base = Objection(
        objection_id="o-1",
        credit_code="91360100MA35XXXXX0",
        period=2025,
        field="indicator.rd_expense",
        current_value="1000",
        claimed_value="1500.5",
        reason="r",
        department="tax",
        status="open",
        opened_at="2026-12-05T03:00:00.000000Z",
        due_on="2026-12-18",
        version=1,
        region_code="360111",
    )
    return base.moved(**changes) if changes else base


def test_events_carry_the_contract_fields_and_stable_ids() -> None:
    opened = build_event(_objection(), OPENED, "2026-12-05T03:00:00Z")
    assert opened.id == objection_event_id("o-1", 1)
    assert opened.body["claimed_value"] == 1500.5 and opened.body["decision"] is None
    assert opened.attributes == {"type": "objection.opened", "region": "3601"}
    assert set(opened.body) >= {
        "id",
        "type",
        "time",
        "objection_id",
        "credit_code",
        "period",
        "field",
        "status",
        "department",
        "claimed_value",
        "decision",
        "value",
        "due_on",
    }
    resolved = build_event(_objection(status="corrected", decision="corrected", value="1500"), RESOLVED, "t")
    assert resolved.id == objection_event_id("o-1", 2) != opened.id
    assert resolved.body["value"] == 1500 and resolved.body["status"] == "corrected"


def test_overdue_is_open_past_the_due_date() -> None:
    o = _objection()
    assert not o.overdue(date(2026, 12, 18)) and o.overdue(date(2026, 12, 19))
    assert not _objection(status="rejected").overdue(date(2027, 1, 1))
    assert Decimal(o.claimed_value or "0") == Decimal("1500.5")


# --- peers' arithmetic (domain/reports/peers.py) --------------------------------------------------


def test_peer_figures_and_percentiles() -> None:
    from chalicelib.domain.reports.peers import PeerCard, build_figures, cohort_keys, percentile

    zero = (Decimal(0),) * 5

    def card(score: str, stage: str = "growth", zone: str | None = None) -> PeerCard:
        return PeerCard(Decimal(score), stage, "C39", "360111", zone, zero)

    figures = build_figures([card("500.5"), card("600"), card("700", zone="NCHT"), card("700", "mature")])
    growth = figures[("stage", "growth")]
    assert growth["size"] == 3 and growth["scores"] == [50050, 60000, 70000]
    assert growth["score"] == {"mean": "600.17", "median": "600.00", "p90": "700"}
    assert figures[("city", "3601")]["size"] == 4 and figures[("zone", "NCHT")]["size"] == 1
    assert percentile(growth["scores"], Decimal("600")) == Decimal("0.3333")
    assert percentile(growth["scores"], Decimal("500.5")) == Decimal("0")
    assert percentile([], Decimal(1)) is None
    # a card raised since the build: its old score is one of the stored, so at most size - 1 are lower
    assert percentile(growth["scores"], Decimal("900")) == Decimal("0.6667")
    assert cohort_keys("growth", None, "360111", None) == [("stage", "growth"), ("city", "3601")]
