"""Working days (contract 16): Monday to Friday, counted on the China date. Pure."""

from __future__ import annotations

from datetime import date, timedelta

WORKING_DAYS_TO_ANSWER = 10


def is_working_day(day: date) -> bool:
    return day.weekday() < 5  # Monday 0 .. Friday 4


def add_working_days(start: date, days: int) -> date:
    """The `days`-th working day after `start` (`start` itself never counts, whatever day it is)."""
    if days < 0:
        raise ValueError("days must not be negative")
    day = start
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day


def due_on(opened_on: date) -> date:
    """When an objection opened on `opened_on` (China date) must be answered."""
    return add_working_days(opened_on, WORKING_DAYS_TO_ANSWER)
