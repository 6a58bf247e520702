"""The local stack's default number of ingest workers (issue 24: two for a province over 10,000)."""

from __future__ import annotations

from scripts.local_stack import ingest_workers_for


def test_one_ingest_worker_up_to_ten_thousand_enterprises_two_above() -> None:
    assert [ingest_workers_for(n, None) for n in (30, 500, 2_000, 10_000)] == [1, 1, 1, 1]
    assert [ingest_workers_for(n, None) for n in (10_001, 20_000, 30_000)] == [2, 2, 2]


def test_ingest_workers_set_in_the_environment_win() -> None:
    assert ingest_workers_for(30_000, "1") == 1
    assert ingest_workers_for(500, "3") == 3
    assert ingest_workers_for(500, "") == 1  # set but empty: the default
    assert ingest_workers_for(500, "0") == 1  # never none: uploads would wait forever
