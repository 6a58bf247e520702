"""The unified social credit code (统一社会信用代码), GB 32100-2015.

18 characters: registration authority (1), entity type (1), administrative division (6 digits),
organisation code (9), check character (1). The alphabet leaves out I, O, Z, S and V.
"""

from __future__ import annotations

import re
from enum import StrEnum

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# The check is C18 = 31 - (sum of value_i * W_i mod 31) with weights W_i = 3^(i-1) mod 31. As 34 = 3
# (mod 31), reading the first 17 characters backwards as a base-34 number (letters renamed to base-34
# digits) gives that weighted sum modulo 31 in one C-level int() call: ingest checks millions of codes.
_BASE34 = str.maketrans("ABCDEFGHJKLMNPQRTUWXY", "abcdefghijklmnopqrstu")
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
    """The GB 32100 check character of the first 17 characters (of the alphabet; not checked here)."""
    return ALPHABET[-int(first17[::-1].translate(_BASE34), 34) % 31]


def checksum_ok(code: str) -> bool:
    """The check character of a format-valid, normalised code is right."""
    return check_character(code[:17]) == code[17]


def complete(first17: str) -> str:
    """A code from its first 17 characters: they, followed by their check character."""
    return first17 + check_character(first17)


def problem(code: str) -> CodeProblem | None:
    """None when `code` (already normalised) is a valid credit code."""
    if not _FORMAT.match(code):
        return CodeProblem.FORMAT
    if not checksum_ok(code):
        return CodeProblem.CHECKSUM
    return None


def is_valid(raw: str) -> bool:
    return problem(normalise(raw)) is None
