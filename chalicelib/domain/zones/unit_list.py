"""A zone's unit list (入统企业名录, contract 15): columns `credit_code` 统一社会信用代码, `valid_from`
起始日期 (optional: the upload's China date), `valid_to` 截止日期 (optional). CSV or XLSX. Pure: rows in,
accepted rows and coded row errors out."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Final

from chalicelib.domain.messages import Code, Issue, issue
from chalicelib.domain.validation.columns import fold_header
from chalicelib.domain.validation.named_files import open_named_file
from chalicelib.domain.values import ValueProblem, parse_credit_code
from chalicelib.domain.zones.membership import check_range, membership_date

COLUMNS: Final = {"credit_code": "统一社会信用代码", "valid_from": "起始日期", "valid_to": "截止日期"}
_ALIASES: Final = {fold_header(a): col for col, zh in COLUMNS.items() for a in (col, zh)}


@dataclass(frozen=True, slots=True)
class UnitRow:
    row: int
    credit_code: str
    valid_from: date
    valid_to: date | None


@dataclass
class UnitList:
    file_errors: list[Issue] = field(default_factory=list)
    row_errors: list[Issue] = field(default_factory=list)
    rows: list[UnitRow] = field(default_factory=list)
    total: int = 0


def _problem(row: int, column: str, value: object, problem: ValueProblem) -> Issue:
    return issue(
        problem.code, variant=problem.variant, row=row, column=column, column_zh=COLUMNS[column], value=value
    )


def check_row(row: int, cells: dict[str, object], today: date) -> UnitRow | Issue:
    """One row: a valid credit code, dates in any accepted format (valid_from defaults to `today`)."""
    try:
        code = parse_credit_code(cells.get("credit_code"))
    except ValueProblem as problem:
        return _problem(row, "credit_code", cells.get("credit_code"), problem)
    dates: dict[str, date | None] = {"valid_from": today, "valid_to": None}
    for column in ("valid_from", "valid_to"):
        raw = cells.get(column)
        if raw is None:
            continue
        try:
            dates[column] = membership_date(raw)
        except ValueProblem as problem:
            return _problem(row, column, raw, problem)
    start = dates["valid_from"]
    assert start is not None
    try:
        check_range(start, dates["valid_to"])
    except ValueProblem as problem:
        return _problem(row, "valid_to", cells.get("valid_to"), problem)
    return UnitRow(row, code, start, dates["valid_to"])


def _columns(header: Sequence[object]) -> tuple[dict[int, str], list[Issue]]:
    found: dict[int, str] = {}
    problems: list[Issue] = []
    for position, cell in enumerate(header):
        text = "" if cell is None else str(cell)
        if not fold_header(text):
            continue
        column = _ALIASES.get(fold_header(text))
        if column is None:
            problems.append(
                issue(
                    Code.UNKNOWN_COLUMN,
                    column=text,
                    column_zh=text,
                    value=text,
                    department="zone_members",
                    department_zh="园区入统企业名录",
                    allowed=", ".join(COLUMNS),
                    allowed_zh="、".join(COLUMNS.values()),
                    owner="",
                    owner_zh="",
                    registry="registry",
                    registry_zh="市场监管",
                )
            )
        elif column in found.values():
            problems.append(
                issue(
                    Code.DUPLICATE_COLUMN, column=column, column_zh=COLUMNS[column], headers=text, line=None
                )
            )
        else:
            found[position] = column
    if "credit_code" not in found.values() and not problems:
        problems.append(issue(Code.MISSING_COLUMN, column="credit_code", column_zh=COLUMNS["credit_code"]))
    return found, problems


def _named(header: list[object]) -> tuple[list[str | None], list[Issue]]:
    """`_columns` as the reader of named fields takes it: the column of each header cell, in order."""
    found, problems = _columns(header)
    return [found.get(position) for position in range(len(header))], problems


@contextmanager
def read_unit_list(path: Path, filename: str, today: date, *, max_inflated_bytes: int) -> Iterator[UnitList]:
    """Read a unit list whole (a zone's roll: thousands of rows, not millions). CSV or XLSX only."""
    result = UnitList()
    with open_named_file(path, filename, _named, None, max_inflated_bytes=max_inflated_bytes) as named:
        for row in named.rows:
            result.total += 1
            checked = check_row(row.number, row.cells, today)
            if isinstance(checked, UnitRow):
                result.rows.append(checked)
            else:
                result.row_errors.append(checked)
        result.file_errors.extend(named.file_errors)
    yield result
