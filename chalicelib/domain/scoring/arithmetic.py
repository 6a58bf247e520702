"""The engine's exact arithmetic: the decimal constants, rounding half-up to 2 decimals, numbers as text."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Final

Q2: Final = Decimal("0.01")
Q4: Final = Decimal("0.0001")
ZERO: Final = Decimal(0)
ZERO2: Final = Decimal("0.00")
HUNDRED: Final = Decimal(100)
GAP_WHEN_SCORED_ZERO: Final = Decimal("100.00")
DERIVED: Final = "derived"


def r2(x: Decimal) -> Decimal:
    return x.quantize(Q2, ROUND_HALF_UP)  # positional: the keyword costs more than the rounding


def plain_text(x: Decimal) -> str:
    """A Decimal as people write it: no exponent (1E+3 -> 1000)."""
    return format(x, "f")


def suffix(unit: str | None) -> str:
    """What follows a number: "%" sticks to it, other units follow a space."""
    if not unit:
        return ""
    return unit if unit == "%" else f" {unit}"
