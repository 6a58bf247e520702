"""Whitelist moves of a region report: counted by China day and district, summed over a window."""

from __future__ import annotations

from datetime import UTC, date, datetime

from chalicelib.domain.reports.inputs import MoveCount
from chalicelib.domain.reports.window import count_events, default_since, series_by_region, window


def event(kind: str, time: str, region: str = "360111", period: int = 2025) -> dict[str, object]:
    return {"type": kind, "time": time, "region_code": region, "period": period}


def test_events_count_by_china_day_district_and_period() -> None:
    counts = count_events(
        [
            event("whitelist.entered", "2026-01-05T15:59:59Z"),  # 23:59:59 in Beijing: the 5th
            event("whitelist.entered", "2026-01-05T16:00:00Z"),  # 00:00 on the 6th in Beijing
            event("whitelist.left", "2026-01-05T16:30:00Z"),
            event("whitelist.grade_changed", "2026-01-05T16:30:00Z"),  # not a move
            event("whitelist.entered", "2026-01-05T08:00:00Z", region="360702"),
            event("whitelist.left", "2026-01-05T08:00:00Z", period=2024),
        ]
    )
    assert counts[2025] == [
        MoveCount(date(2026, 1, 5), "360111", 1, 0),
        MoveCount(date(2026, 1, 5), "360702", 1, 0),
        MoveCount(date(2026, 1, 6), "360111", 1, 1),
    ]
    assert counts[2024] == [MoveCount(date(2026, 1, 5), "360111", 0, 1)]


def test_series_fold_into_province_city_and_district_and_sum_over_a_window() -> None:
    moves = [
        MoveCount(date(2026, 1, 5), "360111", 2, 0),
        MoveCount(date(2026, 3, 1), "360102", 1, 1),
        MoveCount(date(2026, 3, 1), "369901", 1, 0),  # outside the eleven cities: the province only
    ]
    series = series_by_region(moves)
    assert window(series["36"], date(2026, 1, 1), date(2026, 12, 31)) == (4, 1)
    assert window(series["3601"], date(2026, 1, 1), date(2026, 12, 31)) == (3, 1)
    assert window(series["3601"], date(2026, 1, 6), date(2026, 3, 1)) == (1, 1)  # both ends included
    assert window(series["360111"], date(2026, 1, 6), date(2026, 12, 31)) == (0, 0)
    assert "3699" not in series and window(series["369901"], date(2026, 1, 1), date(2026, 3, 1)) == (1, 0)


def test_the_default_window_starts_on_new_years_day_in_china() -> None:
    assert default_since(datetime(2026, 12, 31, 16, 30, tzinfo=UTC)) == date(2027, 1, 1)
    assert default_since(datetime(2026, 12, 31, 15, 30, tzinfo=UTC)) == date(2026, 1, 1)
