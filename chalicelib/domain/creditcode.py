"""The unified social credit code (统一社会信用代码), GB 32100-2015.

18 characters: registration authority (1), entity type (1), administrative division (6 digits),
organisation code (9), check character (1). The alphabet leaves out I, O, Z, S and V.
"""

from __future__ import annotations

import re
from enum import StrEnum

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_FORMAT = re.compile(r"^[0-9A-HJ-NP-RTUW-Y]{2}[0-9]{6}[0-9A-HJ-NP-RTUW-Y]{10}$")
# Full-width ASCII (U+FF01..U+FF5E) to half-width, and the ideographic space to a space.
_FOLD = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


class CodeProblem(StrEnum):
    FORMAT = "INVALID_CREDIT_CODE"
    CHECKSUM = "CREDIT_CODE_CHECKSUM"


def fold_width(text: str) -> str:
    """Full-width letters, digits and punctuation to their ASCII forms."""
    return text.translate(_FOLD)


def normalise(raw: str) -> str:
    """Fold full-width characters, strip white space, upper-case."""
    return fold_width(raw).strip().upper()


def check_character(first17: str) -> str:
    total = sum(_VALUE[c] * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def problem(code: str) -> CodeProblem | None:
    """None when `code` (already normalised) is a valid credit code."""
    if not _FORMAT.match(code):
        return CodeProblem.FORMAT
    if check_character(code[:17]) != code[17]:
        return CodeProblem.CHECKSUM
    return None


def is_valid(raw: str) -> bool:
    return problem(normalise(raw)) is None
