"""The local stack's report builder schedule (issue 24): on its minute or when a rescore burst settles,
never sooner than 3x the last build's duration after that build started."""

from __future__ import annotations

from scripts.local_stack import build_due


def test_a_quick_build_follows_the_schedule_and_settled_bursts() -> None:
    assert build_due(61, 1.0, 60, burst_settled=False) is True
    assert build_due(30, 1.0, 60, burst_settled=False) is False
    assert build_due(4, 1.0, 60, burst_settled=True) is True  # a burst settled: at once
    assert build_due(0, 0.0, 60, burst_settled=True) is True  # the first build


def test_a_long_build_holds_the_next_one_back_for_twice_its_length_after_it_ends() -> None:
    # a build of 229 s (30,000 enterprises on moto): nothing, schedule or burst, before 687 s
    assert build_due(600, 229.0, 60, burst_settled=True) is False
    assert build_due(686, 229.0, 60, burst_settled=False) is False
    assert build_due(687, 229.0, 60, burst_settled=False) is True
    assert build_due(700, 229.0, 60, burst_settled=True) is True
