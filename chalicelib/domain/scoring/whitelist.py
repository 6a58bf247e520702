"""The whitelist (白名单): who is listed, and which change event a new score card causes.

The rule (minimum score, whether a veto excludes) is read from the model; nothing here is a number.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from chalicelib.domain.model.schema import ScoringModel
from chalicelib.domain.records import ScoreCard, WhitelistChange, WhitelistState

ENTERED: Final = "whitelist.entered"
LEFT: Final = "whitelist.left"
GRADE_CHANGED: Final = "whitelist.grade_changed"
EVENT_TYPES: Final = (ENTERED, LEFT, GRADE_CHANGED)


class ModelMismatchError(ValueError):
    """A card scored under another model version than the one whose rule is being applied."""

    code = "MODEL_MISMATCH"


def is_listed(model: ScoringModel, score: Decimal, veto: bool) -> bool:
    """The model's whitelist rule: score at or above the minimum, and no veto (when vetoes exclude)."""
    rule = model.whitelist
    return score >= rule.min_score and not (veto and rule.veto_excludes)


def transition(
    model: ScoringModel, previous: WhitelistState | None, card: ScoreCard
) -> WhitelistChange | None:
    """The event a new card causes against the last published state, or None when nothing changed.

    Only the listing and, while listed, the grade make events: a score change that keeps both is no
    event, and an unlisted enterprise staying unlisted is none either. The new state carries the
    card's score and grade and the next sequence number (1 for the first event of the period).
    """
    if card.model_version != model.version:
        raise ModelMismatchError(
            f"card of {card.credit_code}/{card.period} was scored under {card.model_version!r}, "
            f"not {model.version!r} / 评分卡的模型版本与当前模型不一致"
        )
    was_listed = previous is not None and previous.listed
    now_listed = card.whitelisted
    if now_listed and not was_listed:
        kind = ENTERED
    elif was_listed and not now_listed:
        kind = LEFT
    elif now_listed and previous is not None and previous.grade != card.grade:
        kind = GRADE_CHANGED
    else:
        return None
    sequence = (previous.sequence if previous is not None else 0) + 1
    state = WhitelistState(listed=now_listed, score=card.score, grade=card.grade, sequence=sequence)
    return WhitelistChange(type=kind, previous=previous, state=state)
