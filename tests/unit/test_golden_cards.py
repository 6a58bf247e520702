"""Scoring gives exactly the points and the sentences it gave before cards held numbers only.

The golden files (`golden_cards.py`) were written by the engine that built each explanation while
scoring; here the engine scores the same generated enterprises and `explain.py` tells the sentences
from the cards' numbers. The first rows are compared in full on every run; the whole stream (100,000
enterprises of the active model, 10,000 of the draft) is the slow test.
"""

from __future__ import annotations

import pytest

from chalicelib.domain.model.schema import load_model
from chalicelib.domain.scoring.explain import explanations
from tests.unit import golden_cards

VERSIONS = sorted(golden_cards.SIZES)


def _first_differences(expected: list[str], found: list[str]) -> list[tuple[str, str]]:
    return [(e, f) for e, f in zip(expected, found, strict=False) if e != f][:3]


@pytest.mark.parametrize("version", VERSIONS)
def test_the_first_cards_score_and_read_as_before(version: str) -> None:
    first, _, _ = golden_cards.read(version)
    model = load_model(version)
    found: list[str] = []
    for rows in golden_cards.chunks(model, len(first), explanations):  # >= 1 card per enterprise
        found.extend(rows)
    assert len(first) == golden_cards.FULL_ROWS and len(found) >= len(first)
    assert _first_differences(first, found) == []


@pytest.mark.slow
@pytest.mark.parametrize("version", VERSIONS)
def test_every_generated_card_scores_and_reads_as_before(version: str) -> None:
    first, per_chunk, stream = golden_cards.read(version)
    new_first, new_chunks, new_stream = golden_cards.digest(
        load_model(version), golden_cards.SIZES[version], explanations
    )
    assert _first_differences(first, new_first) == []
    differing = [n for n, (a, b) in enumerate(zip(per_chunk, new_chunks, strict=True)) if a != b]
    assert differing == [], f"chunks (of {golden_cards.CHUNK} enterprises) that differ: {differing}"
    assert new_stream == stream
