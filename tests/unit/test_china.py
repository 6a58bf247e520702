"""One China-date helper (issue 23, item 7): the calendar day in Asia/Shanghai, whatever UTC says."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from chalicelib.domain import china


@pytest.mark.parametrize(
    ("utc", "day"),
    [
        (datetime(2026, 3, 20, 15, 59, tzinfo=UTC), date(2026, 3, 20)),
        (datetime(2026, 3, 20, 16, 0, tzinfo=UTC), date(2026, 3, 21)),  # midnight in Nanchang
        (datetime(2026, 12, 31, 17, 0, tzinfo=UTC), date(2027, 1, 1)),
        (datetime(2026, 7, 1, 0, 30, tzinfo=timezone(timedelta(hours=-5))), date(2026, 7, 1)),
    ],
)
def test_the_china_date_of_a_moment(utc: datetime, day: date) -> None:
    assert china.china_date(utc) == day


def test_today_and_the_year_follow_the_one_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(china, "now", lambda: datetime(2026, 12, 31, 16, 30, tzinfo=UTC))
    assert china.today_in_china() == date(2027, 1, 1)
    assert china.china_year() == 2027


def test_no_other_module_defines_china_time() -> None:
    from pathlib import Path

    root = Path(china.__file__).parents[1]
    copies = [
        str(p.relative_to(root))
        for p in root.rglob("*.py")
        if p.name != "china.py" and "timedelta(hours=8)" in p.read_text(encoding="utf-8")
    ]
    assert copies == []
