"""A stored or fresh card's sentences, told with the card's own model version (portrait, what-if).

A card names the version it was scored under; that version's model (from the registry: a registered
version never changes) tells its sentences, so a card scored before an activation still reads as it
did. A card stored with its sentences (before cards held numbers only) needs no model at all.
"""

from __future__ import annotations

from chalicelib.domain.records import ScoreCard
from chalicelib.domain.scoring.explain import explanations, needs_model
from chalicelib.services import model_registry


def card_sentences(card: ScoreCard) -> list[str]:
    """One sentence per indicator entry of `card`, in its order."""
    if not needs_model(card):
        return [item.explanation or "" for item in card.indicators]
    return explanations(model_registry.model_by_version(card.model_version), card)
