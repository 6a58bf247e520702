"""Files of named fields (support records, qualification certificates, a zone's unit list): one reader.

A header cell names a field, by its id or its Chinese name; each data row becomes the field → value
mapping of its non-blank cells, numbered as a spreadsheet shows it (the line for JSON Lines). The
readers of department files (`readers`) do the reading: encodings, Excel cells, JSON Lines. Here is
what the three kinds do alike: the format, an empty header, blank rows skipped, a fault found while
reading (a stray byte, broken quotes) ending the rows in `file_errors`. Each kind gives only what
differs: how its header names columns, and how it reads a JSON Lines line (or that it takes none).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chalicelib.domain.messages import Code, Issue, issue, show
from chalicelib.domain.validation.readers import (
    FileProblem,
    JsonLine,
    blank_to_none,
    format_of,
    open_jsonl,
    open_table,
)

Columns = Callable[[list[object]], tuple[list[str | None], list[Issue]]]
"""The field of each header cell (None for a blank or refused one), and the header's faults."""
JsonRows = Callable[[Iterator[JsonLine]], Iterator["Row"]]
"""A kind's rows from JSON Lines; raising `FileProblem` ends the file with that fault."""


@dataclass(frozen=True, slots=True)
class Row:
    """One data row: its number as a spreadsheet shows it (the line for JSON Lines) and its cells."""

    number: int
    cells: dict[str, Any]


@dataclass
class NamedRows:
    """A file's rows (lazily, as the caller iterates), or why it is rejected as a whole: a fault found
    while reading lands in `file_errors` too, so the caller checks them again after the last row."""

    file_errors: list[Issue] = field(default_factory=list)
    rows: Iterator[Row] = field(default_factory=lambda: iter(()))


def row_error(number: int, column: str | None, value: object, code: str, zh: str, en: str) -> dict[str, Any]:
    """A row error in the batch report's shape (contract 2.4)."""
    return {
        "row": number,
        "column": column,
        "value": show(value),
        "code": code,
        "message_zh": zh,
        "message_en": en,
    }


@contextmanager
def open_named_file(
    path: Path, filename: str, columns: Columns, json_rows: JsonRows | None, *, max_inflated_bytes: int
) -> Iterator[NamedRows]:
    """Open a file of named fields; rows are read as the caller iterates (never the whole file at once).
    `json_rows` None: the kind takes CSV and XLSX only (JSON Lines is UNSUPPORTED_FORMAT)."""
    result = NamedRows()
    with ExitStack() as stack:
        try:
            fmt = format_of(filename)
            if fmt == "jsonl":
                if json_rows is None:
                    raise FileProblem(issue(Code.UNSUPPORTED_FORMAT, filename=filename))
                lines = stack.enter_context(open_jsonl(path))
                result.rows = _guarded(json_rows(lines), result)
            else:
                table = stack.enter_context(
                    open_table(path, filename, fmt, max_inflated_bytes=max_inflated_bytes)
                )
                if not table.header:
                    result.file_errors.append(issue(Code.EMPTY_FILE))
                else:
                    names, problems = columns(table.header)
                    result.file_errors.extend(problems)
                    if not problems:
                        result.rows = _guarded(_table_rows(table.rows, names), result)
        except FileProblem as problem:
            result.file_errors.append(problem.issue)
        yield result


def _table_rows(rows: Iterator[tuple[int, Any]], columns: list[str | None]) -> Iterator[Row]:
    for number, cells in rows:
        values = {
            name: blank_to_none(cell) for name, cell in zip(columns, cells, strict=False) if name is not None
        }
        if all(v is None for v in values.values()):
            continue  # a blank line between records is no record
        yield Row(number, {k: v for k, v in values.items() if v is not None})


def _guarded(rows: Iterator[Row], result: NamedRows) -> Iterator[Row]:
    try:
        yield from rows
    except FileProblem as problem:
        result.file_errors.append(problem.issue)
