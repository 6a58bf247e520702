"""The policy record's life (contract 9): states, validity in China's calendar, fields."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from chalicelib.domain.policies.policy import (
    Policy,
    PolicyFields,
    PolicyStateError,
    check_editable,
    check_publishable,
    check_withdrawable,
    policy_day,
)


def policy(status: str = "draft", **extra: Any) -> Policy:
    return Policy.model_validate(
        {
            "policy_id": "p1",
            "title": "高层次人才引进奖励",
            "issuer": "hrss",
            "kind": "talent",
            "summary": "",
            "url": None,
            "contact": "",
            "period": 2025,
            "valid_from": "2026-01-01",
            "valid_to": "2026-12-31",
            "status": status,
            "version": 1,
            "criteria": {"field": "score", "op": ">=", "value": 600},
            "created_at": "2026-01-01T00:00:00.000000Z",
            "updated_at": "2026-01-01T00:00:00.000000Z",
            **extra,
        }
    )


def test_validity_follows_the_calendar_in_china() -> None:
    # 2026-12-31 16:30 UTC is already 2027-01-01 in Nanchang: the policy has expired
    assert policy_day(datetime(2026, 12, 31, 16, 30, tzinfo=UTC)) == date(2027, 1, 1)
    assert policy_day(datetime(2025, 12, 31, 16, 0, tzinfo=UTC)) == date(2026, 1, 1)
    published = policy("published")
    assert published.in_force(date(2026, 1, 1)) and published.in_force(date(2026, 12, 31))
    assert not published.in_force(date(2027, 1, 1)) and not published.in_force(date(2025, 12, 31))
    assert not policy("draft").in_force(date(2026, 6, 1))
    assert not policy("withdrawn").in_force(date(2026, 6, 1))


@pytest.mark.parametrize(
    ("status", "edit", "publish", "withdraw"),
    [
        ("draft", None, None, "POLICY_NOT_PUBLISHED"),
        ("published", "POLICY_NOT_DRAFT", "POLICY_NOT_DRAFT", None),
        ("withdrawn", "POLICY_NOT_DRAFT", "POLICY_NOT_DRAFT", "POLICY_NOT_PUBLISHED"),
    ],
)
def test_what_each_state_allows(
    status: str, edit: str | None, publish: str | None, withdraw: str | None
) -> None:
    subject = policy(status)
    for check, expected in (
        (check_editable, edit),
        (lambda p: check_publishable(p, date(2026, 6, 1)), publish),
        (check_withdrawable, withdraw),
    ):
        if expected is None:
            check(subject)
        else:
            with pytest.raises(PolicyStateError) as refused:
                check(subject)
            assert refused.value.code == expected
            assert refused.value.message_zh


def test_a_draft_outside_its_validity_cannot_be_published() -> None:
    with pytest.raises(PolicyStateError) as early:
        check_publishable(policy(), date(2025, 12, 31))
    assert early.value.code == "POLICY_NOT_IN_FORCE"


def test_fields_are_checked() -> None:
    base = {"title": "x", "kind": "tax", "period": 2025, "valid_from": "2026-01-01", "valid_to": "2026-12-31"}
    PolicyFields.model_validate({**base, "criteria": {}})
    for bad in (
        {"valid_to": "2025-12-31"},
        {"kind": "lottery"},
        {"title": ""},
        {"url": "javascript:alert(1)"},
        {"period": 1999},
        {"unknown": 1},
    ):
        with pytest.raises(ValidationError):
            PolicyFields.model_validate({**base, "criteria": {}, **bad})
