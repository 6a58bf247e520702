"""The fast path for plain CSV rows: one regular expression per row, built from the model, that
accepts only cells whose parse is trivially known (a property test holds it equal to pydantic's)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from chalicelib.domain.validation.columns import Column

# --- the fast path for plain CSV rows -------------------------------------------------------
# [0-9] rather than \d, and few alternatives: a third faster. Leading zeros are harmless
# (Decimal("007") is Decimal("7") on both paths); negative zero is not (it would keep its sign), so
# the negative form cannot be zero. Thousands separators, `%` on shares and 是/否 on flags are
# Excel's everyday forms: the matched row is cleaned of them in one call each before it is spilled.
_CODE_RE = r"[0-9A-HJ-NP-RTUW-Y]{2}[0-9]{6}[0-9A-HJ-NP-RTUW-Y]{10}"
_WHOLE_RE = r"(?:[0-9]{1,15}|[0-9]{1,3}(?:,[0-9]{3}){1,4})"  # below 10^15
_AMOUNT_RE = rf"{_WHOLE_RE}(?:\.[0-9]{{1,10}})?"
_NEGATIVE_RE = (
    r"-(?:(?:[1-9][0-9]{0,14}|[1-9][0-9]{0,2}(?:,[0-9]{3}){1,4})(?:\.[0-9]{1,10})?|0\.[0-9]{0,9}[1-9])"
)
SEP: Final = "\x1f"  # joins a CSV row for the fast path; no fast-path cell can contain it
FLAG_WORDS = str.maketrans({"是": "1", "否": "0"})


def _fast_cell(col: Column | None) -> str | None:
    """The plain forms of a cell whose parse is obvious; None: this column has no fast form."""
    if col is None:  # a column without a header must be empty
        return ""
    if col.id == "credit_code":
        return _CODE_RE
    if col.id == "period":
        return r"20[0-9][0-9]"  # and <= this year, checked after the match
    ind = col.indicator
    if ind is None:
        return None
    if ind.type == "flag":
        return "[01是否]?"
    if ind.type == "count":
        return rf"{_WHOLE_RE}?"
    if ind.type == "share":
        return r"(?:(?:100(?:\.0{1,10})?|[0-9]{1,2}(?:\.[0-9]{1,10})?)%?)?"
    if ind.type == "amount":
        return rf"(?:{_AMOUNT_RE}|{_NEGATIVE_RE})?" if ind.allow_negative else rf"(?:{_AMOUNT_RE})?"
    return None


def fast_pattern(cells: Sequence[Column | None]) -> re.Pattern[str] | None:
    """One regular expression for a whole row joined by SEP, or None if some column has no fast form."""
    parts = [_fast_cell(col) for col in cells]
    if any(part is None for part in parts):
        return None
    return re.compile(SEP.join(str(part) for part in parts))
