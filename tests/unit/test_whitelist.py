"""Whitelist transitions: which event a new card causes against the last published state."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.model.schema import load_model
from chalicelib.domain.records import ScoreCard, WhitelistState
from chalicelib.domain.scoring.whitelist import (
    ENTERED,
    GRADE_CHANGED,
    LEFT,
    ModelMismatchError,
    is_listed,
    transition,
)

MODEL = load_model("jx-2025.1-provisional")
D = Decimal


def card(score: str, veto: bool = False, version: str = MODEL.version) -> ScoreCard:
    value = D(score)
    return ScoreCard(
        credit_code="91360100WHITELIST0",
        period=2025,
        model_version=version,
        stage="growth",
        indicators=(),
        categories=(),
        core=value,
        bonus=D("0.00"),
        deductions=D("0.00"),
        veto=veto,
        score=value,
        grade=MODEL.grade_for(value),
        whitelisted=is_listed(MODEL, value, veto),
        completeness=D("1.0000"),
    )


def state(listed: bool, score: str, sequence: int) -> WhitelistState:
    return WhitelistState(listed=listed, score=D(score), grade=MODEL.grade_for(D(score)), sequence=sequence)


def test_the_rule_comes_from_the_model() -> None:
    assert is_listed(MODEL, D("600.00"), veto=False)
    assert not is_listed(MODEL, D("599.99"), veto=False)
    assert not is_listed(MODEL, D("1000.00"), veto=True)


def test_first_listing_is_entered() -> None:
    change = transition(MODEL, None, card("812.50"))
    assert change is not None
    assert (change.type, change.previous) == (ENTERED, None)
    assert change.state == WhitelistState(listed=True, score=D("812.50"), grade="A", sequence=1)


def test_listing_again_after_leaving_is_entered_with_the_next_sequence() -> None:
    before = state(False, "550", 2)
    change = transition(MODEL, before, card("640"))
    assert change is not None
    assert (change.type, change.previous, change.state.sequence) == (ENTERED, before, 3)


def test_dropping_below_is_left() -> None:
    before = state(True, "640", 1)
    change = transition(MODEL, before, card("590"))
    assert change is not None
    assert change.type == LEFT
    assert change.state == WhitelistState(listed=False, score=D("590"), grade="C", sequence=2)


def test_a_veto_is_left_whatever_the_score() -> None:
    change = transition(MODEL, state(True, "900", 4), card("900", veto=True))
    assert change is not None
    assert (change.type, change.state.listed, change.state.sequence) == (LEFT, False, 5)


def test_a_grade_change_while_listed() -> None:
    change = transition(MODEL, state(True, "700", 1), card("760"))
    assert change is not None
    assert (change.type, change.state.grade, change.state.score) == (GRADE_CHANGED, "A", D("760"))


@pytest.mark.parametrize(
    ("before", "score"),
    [
        (state(True, "700", 1), "710"),  # still listed, still B: a score change is no event
        (state(False, "500", 2), "300"),  # still unlisted, grade C -> D: no event
        (None, "599.99"),  # never listed
        (state(True, "700", 1), "700"),  # nothing changed at all
    ],
)
def test_no_event(before: WhitelistState | None, score: str) -> None:
    assert transition(MODEL, before, card(score)) is None


def test_a_card_from_another_model_version_is_refused() -> None:
    with pytest.raises(ModelMismatchError) as caught:
        transition(MODEL, None, card("700", version="jx-2099.1"))
    assert caught.value.code == "MODEL_MISMATCH"


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 100_000), st.booleans()), min_size=1, max_size=25))
def test_a_stream_of_cards_publishes_exactly_the_changes(stream: list[tuple[int, bool]]) -> None:
    published: WhitelistState | None = None
    events = 0
    for cents, veto in stream:
        new = card(str(D(cents).scaleb(-2)), veto=veto)
        visible_before = (
            (published.listed, published.grade if published.listed else None) if published else None
        )
        visible_now = (new.whitelisted, new.grade if new.whitelisted else None)
        change = transition(MODEL, published, new)
        was_listed = published is not None and published.listed
        if change is None:
            assert visible_now == visible_before or (not new.whitelisted and not was_listed)
            continue
        events += 1
        assert change.previous == published
        assert change.state.sequence == events
        assert (change.state.listed, change.state.score, change.state.grade) == (
            new.whitelisted,
            new.score,
            new.grade,
        )
        assert change.type == (ENTERED if not was_listed else LEFT if not new.whitelisted else GRADE_CHANGED)
        published = change.state
    final_listed = card(str(D(stream[-1][0]).scaleb(-2)), veto=stream[-1][1]).whitelisted
    assert (published is not None and published.listed) == final_listed
