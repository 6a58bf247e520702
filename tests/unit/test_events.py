"""Whitelist change events: the contract 4 body and attributes, and ids stable per change."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

from chalicelib.domain.events import ATTRIBUTE_NAMES, BODY_FIELDS, build_event, event_id
from chalicelib.domain.records import Master, ScoreCard, WhitelistChange, WhitelistState

MASTER = Master(
    credit_code="91360100MA35G0XB3N",
    name="江西某某科技有限公司",
    established_on=date(2019, 3, 5),
    region_code="360111",
    industry_code="C39",
)
MOMENT = datetime(2026, 1, 5, 8, 0, 0, 123456, tzinfo=UTC)


def _card(score: str, grade: str, *, veto: bool = False, whitelisted: bool = True) -> ScoreCard:
    return ScoreCard(
        credit_code=MASTER.credit_code,
        period=2025,
        model_version="jx-2025.1-provisional",
        stage="growth",
        indicators=(),
        categories=(),
        core=Decimal(score),
        bonus=Decimal("0.00"),
        deductions=Decimal("0.00"),
        veto=veto,
        score=Decimal(score),
        grade=grade,
        whitelisted=whitelisted,
        completeness=Decimal("1.0000"),
    )


def test_first_entry_has_every_contract_field_and_null_previous() -> None:
    card = _card("812.50", "A")
    change = WhitelistChange(
        "whitelist.entered", None, WhitelistState(listed=True, score=card.score, grade="A", sequence=1)
    )
    event = build_event(change, card, MASTER, batch_id="b-1", time=MOMENT)

    assert tuple(event.body) == BODY_FIELDS
    assert event.body["id"] == event.id == event_id(MASTER.credit_code, 2025, 1)
    assert event.body["type"] == "whitelist.entered"
    assert event.body["time"] == "2026-01-05T08:00:00Z"
    assert event.body["previous_score"] is None and event.body["previous_grade"] is None
    assert event.body["sequence"] == 1
    assert (event.body["name"], event.body["region_code"], event.body["industry_code"]) == (
        MASTER.name,
        "360111",
        "C39",
    )
    # the score is a JSON number, not a string
    assert '"score":812.5' in json.dumps(event.body, separators=(",", ":"))


def test_attributes_are_strings_with_the_city_as_region() -> None:
    card = _card("612.00", "B")
    change = WhitelistChange(
        "whitelist.grade_changed",
        WhitelistState(listed=True, score=Decimal("790.25"), grade="A", sequence=3),
        WhitelistState(listed=True, score=card.score, grade="B", sequence=4),
    )
    event = build_event(change, card, MASTER, batch_id=None, time=MOMENT)

    assert tuple(event.attributes) == ATTRIBUTE_NAMES
    assert event.attributes == {
        "type": "whitelist.grade_changed",
        "period": "2025",
        "region": "3601",
        "stage": "growth",
        "grade": "B",
    }
    assert event.body["previous_score"] == 790.25 and event.body["previous_grade"] == "A"
    assert event.body["sequence"] == 4


def test_left_carries_the_new_values_and_the_veto() -> None:
    card = _card("700.00", "B", veto=True, whitelisted=False)
    before = WhitelistState(listed=True, score=Decimal("700.00"), grade="B", sequence=1)
    change = WhitelistChange("whitelist.left", before, WhitelistState(False, card.score, "B", 2))
    body = build_event(change, card, MASTER, batch_id="b-2", time=MOMENT).body

    assert (body["type"], body["veto"], body["score"], body["sequence"]) == ("whitelist.left", True, 700.0, 2)


def test_id_is_the_same_for_one_change_and_differs_between_changes() -> None:
    card = _card("650.00", "B")
    change = WhitelistChange("whitelist.entered", None, WhitelistState(True, card.score, "B", 1))
    first = build_event(change, card, MASTER, batch_id="b-1", time=MOMENT)
    again = build_event(change, card, MASTER, batch_id="b-9", time=datetime(2027, 1, 1, tzinfo=UTC))

    assert first.id == again.id
    ids = {
        event_id(MASTER.credit_code, period, sequence) for period in (2024, 2025) for sequence in (1, 2, 3)
    }
    assert len(ids) == 6
    assert event_id("91360100MA35G0XB3N", 2025, 1) != event_id("91360100MA35G0XB3M", 2025, 1)
