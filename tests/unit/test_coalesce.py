"""The coalescing rule on plain data (domain/scoring/coalesce.py)."""

from __future__ import annotations

from chalicelib.domain.scoring.coalesce import settle, versions_of
from chalicelib.domain.scoring.rescore_request import Pair


def test_versions_of_keeps_the_highest_per_enterprise_and_ignores_unversioned_pairs() -> None:
    pairs = [
        Pair(credit_code="A", period=2025, facts_version=3),
        Pair(credit_code="A", period=2026, facts_version=4),
        Pair(credit_code="B", period=2025),
    ]
    assert versions_of(pairs) == {"A": 4}


def test_a_newer_write_leaves_the_enterprise_to_its_message() -> None:
    settled = settle({"A": frozenset({2025})}, {"A": 3}, {"A": 4})
    assert settled.now == {} and settled.left == {"A"}


def test_the_current_version_scores_every_period() -> None:
    settled = settle({"A": frozenset({2025})}, {"A": 4}, {"A": 4})
    assert settled.now == {"A": None} and not settled.left


def test_unversioned_enterprises_are_scored_as_named() -> None:
    settled = settle({"A": frozenset({2025}), "B": None}, {}, {"A": 9, "B": 9})
    assert settled.now == {"A": frozenset({2025}), "B": None}


def test_an_enterprise_without_facts_item_is_scored() -> None:
    assert settle({"A": frozenset({2025})}, {"A": 1}, {"A": None}).now == {"A": None}
