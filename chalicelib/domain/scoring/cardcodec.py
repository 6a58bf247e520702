"""A score card as JSON-safe data and back: the stores keep it in a JSON attribute, the API shows it.

Decimals travel as strings in their exact form ("64.00" stays "64.00", never a float), so the round
trip is exact. pydantic does the walking and the checking; the card records stay plain dataclasses.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from pydantic import TypeAdapter, ValidationError

from chalicelib.domain.records import ScoreCard

_CARD: Final = TypeAdapter(ScoreCard)


class CardDecodeError(ValueError):
    """A stored card that does not have the shape of a score card."""

    code = "INVALID_CARD"


def card_to_dict(card: ScoreCard) -> dict[str, Any]:
    """The card as plain JSON types: Decimals as strings, tuples as lists."""
    data: dict[str, Any] = _CARD.dump_python(card, mode="json")
    return data


def card_from_dict(data: Mapping[str, Any]) -> ScoreCard:
    """The card `card_to_dict` produced (or its JSON, parsed); raises CardDecodeError otherwise."""
    try:
        return _CARD.validate_python(data)
    except ValidationError as exc:
        raise CardDecodeError(f"not a score card / 评分卡数据格式错误: {exc}") from exc
