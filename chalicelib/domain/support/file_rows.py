"""Support files (contract 8): a CSV, XLSX or JSON Lines file of records, one record per row.

The reader of files of named fields (`domain.validation.named_files`) does the reading: encodings,
Excel cells, JSON Lines, blank rows. Here a header cell names a record field, by its id
(`amount_wan`) or its Chinese name (`金额（万元）`); each data row becomes the field → value mapping
that `fields.parse_input` checks, exactly as a record posted to the API. File faults (format,
encoding, header) reject the whole file with the codes of contract 2.3; a bad row is reported and
the others go on.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from chalicelib.domain.messages import Issue
from chalicelib.domain.support.fields import FIELD_ZH, SupportInput
from chalicelib.domain.validation.columns import fold_header, named_columns
from chalicelib.domain.validation.named_files import Row, open_named_file, row_error
from chalicelib.domain.validation.readers import blank_to_none

__all__ = ["FIELDS", "ORG_COLUMNS", "REQUIRED", "Row", "SupportFile", "read_support_file", "row_error"]

# A file may also carry the writer's own org (it comes from the key; a different one is refused).
ORG_COLUMNS: Final = ("org", "org_type")
FIELDS: Final[tuple[str, ...]] = (*SupportInput.model_fields, *ORG_COLUMNS)
REQUIRED: Final[tuple[str, ...]] = tuple(
    name for name, info in SupportInput.model_fields.items() if info.is_required()
)
_BY_HEADER: Final[Mapping[str, str]] = {
    **{fold_header(name): name for name in FIELDS},
    **{fold_header(zh): name for name, zh in FIELD_ZH.items()},
}


@dataclass
class SupportFile:
    """What a support file holds: its rows (lazily), or why it is rejected as a whole."""

    file_errors: list[Issue] = field(default_factory=list)
    row_errors: list[dict[str, Any]] = field(default_factory=list)  # rows that are not records at all
    rows: Iterator[Row] = field(default_factory=lambda: iter(()))


def _columns(header: list[object], org: str) -> tuple[list[str | None], list[Issue]]:
    """The field of each header cell (None for a blank one), or the header's faults."""
    return named_columns(header, _BY_HEADER, FIELD_ZH, org, REQUIRED, allowed=FIELDS)


@contextmanager
def read_support_file(
    path: Path, filename: str, org: str, *, max_inflated_bytes: int
) -> Iterator[SupportFile]:
    """Open a support file; rows are read as the caller iterates (never the whole file at once).

    A fault found while reading (a stray byte, broken quotes) ends the rows and lands in
    `file_errors`: the caller checks them again after the last row."""
    result = SupportFile()

    def columns(header: list[object]) -> tuple[list[str | None], list[Issue]]:
        return _columns(header, org)

    def json_rows(lines: Iterator[Any]) -> Iterator[Row]:
        return _json_rows(lines, result)

    with open_named_file(path, filename, columns, json_rows, max_inflated_bytes=max_inflated_bytes) as named:
        result.file_errors = named.file_errors  # the same list: faults found while reading land here
        result.rows = named.rows
        yield result


def _json_rows(lines: Iterator[Any], result: SupportFile) -> Iterator[Row]:
    for line in lines:
        if line.members is None:
            result.row_errors.append(
                row_error(
                    line.line,
                    None,
                    None,
                    "INVALID_FIELD",
                    '这一行不是 JSON 对象，请每行写一条记录，如 {"credit_code": …}',
                    f"line {line.line} is not a JSON object ({line.detail or line.problem})",
                )
            )
            continue
        names = [name for name, _ in line.members]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            result.row_errors.append(
                row_error(
                    line.line,
                    twice[0],
                    None,
                    "INVALID_FIELD",
                    f"字段 {twice[0]} 在这一行中出现了不止一次",
                    f"{twice[0]}: given more than once on this line",
                )
            )
            continue
        yield Row(
            line.line, {name: blank_to_none(value) for name, value in line.members if value is not None}
        )
