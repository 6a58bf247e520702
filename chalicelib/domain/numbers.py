"""Exact numbers at the JSON boundary: a Decimal field that leaves as a JSON number, never a string."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import PlainSerializer, WithJsonSchema


def json_number(value: Decimal) -> int | float:
    """812.50 -> 812.5, 1000 -> 1000: a JSON number (stored values stay exact Decimals)."""
    return int(value) if value == value.to_integral_value() else float(value)


Num = Annotated[
    Decimal,
    PlainSerializer(json_number, return_type=int | float, when_used="json"),
    WithJsonSchema({"type": "number"}, mode="serialization"),
]
