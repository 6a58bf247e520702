"""Cells of a CSV or XLSX export that Excel and WPS never read as a formula (issue 23, item 11).

A text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula to a spreadsheet
(`=HYPERLINK(...)` in an enterprise name runs when the file is opened). Such a text cell is written
with a leading `'`, which spreadsheets show as text. Numbers are not text cells: a negative number in
a numeric column stays a number. Every export names its text columns and passes them through here.
"""

from __future__ import annotations

from typing import Any, Final

FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")


def text_cell(value: str) -> str:
    """A text cell as written: a leading `'` when it would start a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def csv_cell(value: Any, *, text: bool) -> Any:
    """A CSV cell: empty for null; a text column's string neutralised; numbers as they are."""
    if value is None:
        return ""
    if text and isinstance(value, str):
        return text_cell(value)
    return value
