"""Streaming readers for department files: CSV, XLSX and JSON Lines from a local path (contract 2).

Rows are yielded one by one; no reader holds a whole file (openpyxl does keep an XLSX's shared
strings table in memory: CSV is the format for the largest files). A fault of the file itself
(bytes that are not text, a broken workbook, unbalanced CSV quotes) raises `FileProblem` carrying
the file error to report; the caller stores nothing from such a file.

Tabular files (CSV, XLSX) give a `Table`: the header cells and the data rows as sequences aligned
with the header (faster than a dict per row; validation maps header positions to columns once).
`blank_to_none` is the one rule for an empty cell.
"""

from __future__ import annotations

import codecs
import csv
import json
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Any, Literal, TextIO

import openpyxl

from chalicelib.domain.messages import Code, Issue, file_too_large, issue

Format = Literal["csv", "xlsx", "jsonl"]
EXTENSIONS: dict[str, Format] = {".csv": "csv", ".xlsx": "xlsx", ".jsonl": "jsonl"}
SCAN_CHUNK = 1 << 20
Row = tuple[int, Sequence[object]]  # (row number as a spreadsheet shows it, cells)


class FileProblem(Exception):
    """A file error found while reading; `issue` is what the report says."""

    def __init__(self, found: Issue) -> None:
        super().__init__(found.code.value)
        self.issue = found


def blank_to_none(value: object) -> object:
    """An empty or blank text cell means "not sent" (contract 2.2); every other value stays."""
    if isinstance(value, str) and (not value or value.isspace()):
        return None
    return value


def format_of(filename: str) -> Format:
    """The format from the name's extension, case-insensitive."""
    found = EXTENSIONS.get(PurePosixPath(filename).suffix.lower())
    if found is None:
        raise FileProblem(issue(Code.UNSUPPORTED_FORMAT, filename=filename))
    return found


# --- text encodings -------------------------------------------------------------------------
def _first_fault(path: Path, encoding: str) -> tuple[int, str | None] | None:
    """(byte offset, message variant) of the first byte that is not text in `encoding`, or None."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    offset = 0
    with path.open("rb") as handle:
        while chunk := handle.read(SCAN_CHUNK):
            held = len(decoder.getstate()[0])
            nul = chunk.find(b"\0")
            try:
                decoder.decode(chunk if nul < 0 else chunk[:nul], final=False)
            except UnicodeDecodeError as exc:
                return offset - held + exc.start, None
            if nul >= 0:
                return offset + nul, "nul"  # valid UTF-8, but no office file holds NUL: UTF-16 or binary
            offset += len(chunk)
        held = len(decoder.getstate()[0])
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            return offset - held + exc.start, None
    return None


def _line_at(path: Path, offset: int) -> int:
    """The 1-based line holding byte `offset`."""
    lines, done = 1, 0
    with path.open("rb") as handle:
        while done < offset and (chunk := handle.read(min(SCAN_CHUNK, offset - done))):
            lines += chunk.count(b"\n")
            done += len(chunk)
    return lines


def detect_encoding(path: Path) -> str:
    """`utf-8-sig`, `utf-8` or `gb18030`, verified over the whole file; else UNDECODABLE_TEXT.

    One strict decoding pass per candidate over the bytes (about 1 GB/s for UTF-8) makes the choice
    exact: a stray byte deep in the file is found here, before any row is validated, and the later
    strict decoding cannot fail. A file valid in both is UTF-8 (GB18030 accepts almost any bytes).
    """
    with path.open("rb") as handle:
        bom = handle.read(len(codecs.BOM_UTF8)) == codecs.BOM_UTF8
    furthest: tuple[int, str | None] = (-1, None)
    for encoding in ("utf-8-sig",) if bom else ("utf-8", "gb18030"):
        fault = _first_fault(path, encoding)
        if fault is None:
            return encoding
        furthest = max(furthest, fault, key=lambda found: found[0])
    # The encoding that read furthest is the one the file was meant to be in: report its fault.
    offset, variant = furthest
    raise FileProblem(
        issue(Code.UNDECODABLE_TEXT, variant=variant, offset=offset + 1, line=_line_at(path, offset))
    )


# --- tables ---------------------------------------------------------------------------------
@dataclass
class Table:
    """A tabular file: its header (first non-blank row) and its data rows, aligned with the header.

    `text_cells` is true for CSV: every cell is the text as written, `''` when empty.
    """

    header: list[object]
    header_row: int
    rows: Iterator[Row]
    text_cells: bool


def _is_blank(cells: Sequence[object]) -> bool:
    return all(blank_to_none(cell) is None for cell in cells)


def _split_header(rows: Iterator[Row]) -> tuple[int, list[object]] | None:
    for number, cells in rows:
        if not _is_blank(cells):
            return number, list(cells)
    return None


def _csv_rows(stream: TextIO, delimiter: str, filename: str) -> Iterator[Row]:
    """Numbered records of a CSV stream. A line without quotes is split directly (what the csv
    module would do, several times faster); a line with quotes goes to the csv module, which pulls
    further lines itself when a quoted cell spans lines (the record keeps one row number, as in a
    spreadsheet)."""
    lines = iter(stream)
    held: list[str] = []

    def feed() -> Iterator[str]:
        while True:
            if held:
                yield held.pop()
            else:
                line = next(lines, None)
                if line is None:
                    return
                yield line

    parser = csv.reader(feed(), delimiter=delimiter, strict=True)
    number = 0
    try:
        for line in lines:
            number += 1
            if '"' in line:
                held.append(line)
                yield number, next(parser)
            else:
                yield number, line.rstrip("\r\n").split(delimiter)
    except csv.Error as exc:
        raise FileProblem(
            issue(
                Code.UNSUPPORTED_FORMAT,
                variant="malformed_csv",
                filename=filename,
                line=number,
                detail=str(exc),
            )
        ) from exc
    except UnicodeDecodeError as exc:  # the file changed under us: detect_encoding passed it
        raise FileProblem(issue(Code.UNDECODABLE_TEXT, offset=exc.start + 1, line=number + 1)) from exc


def _delimiter(stream: TextIO) -> str:
    """Comma (Excel's export), unless the first non-blank line has none but has tabs or semicolons."""
    for line in stream:
        if line.strip():
            if "," in line:
                break
            return "\t" if "\t" in line else ";" if ";" in line else ","
    return ","


@contextmanager
def _open_csv(path: Path, filename: str) -> Iterator[Table]:
    encoding = detect_encoding(path)
    with path.open(encoding=encoding, errors="strict", newline="") as stream:
        delimiter = _delimiter(stream)
        stream.seek(0)
        data = _csv_rows(stream, delimiter, filename)
        found = _split_header(data)
        header_row, header = found if found is not None else (0, [])
        yield Table(header=header, header_row=header_row, rows=data, text_cells=True)


def _corrupt(filename: str) -> FileProblem:
    return FileProblem(issue(Code.UNSUPPORTED_FORMAT, variant="corrupt_xlsx", filename=filename))


def _xlsx_value(cell: Any) -> object:
    """A cell's value as the department sees it. A number formatted as a percentage is stored as a
    fraction (35.5 % is 0.355): it becomes the text "35.5%", so that it reads exactly like the same
    cell in a CSV export (a share, or INVALID_NUMBER where % is not allowed), never 100 times off."""
    value = cell.value
    if value.__class__ in (int, float) and cell.has_style and "%" in (cell.number_format or ""):
        shown = Decimal(format(value, ".15g")).scaleb(2).normalize()
        return f"{shown:f}%"
    return value


def _xlsx_rows(cells: Iterator[tuple[Any, ...]], filename: str) -> Iterator[Row]:
    number = 0
    while True:
        try:
            row = next(cells)
            values = [_xlsx_value(cell) for cell in row]
        except StopIteration:
            return
        except MemoryError:
            raise
        except Exception as exc:  # openpyxl and its XML parser raise many kinds on a broken sheet
            raise _corrupt(filename) from exc
        number += 1
        yield number, values


@contextmanager
def _open_xlsx(path: Path, filename: str, max_inflated_bytes: int) -> Iterator[Table]:
    # A zip bomb is refused before openpyxl inflates anything. The sizes are the archive's own
    # declarations, but zipfile stops at the declared size (and fails the CRC check) if one lies.
    try:
        with zipfile.ZipFile(path) as archive:
            inflated = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        raise _corrupt(filename) from exc
    if inflated > max_inflated_bytes:
        raise FileProblem(file_too_large(inflated, max_inflated_bytes, inflated=True))
    with path.open("rb") as handle:  # a file object: openpyxl would refuse a temp name without .xlsx
        try:
            # openpyxl parses the XML with defusedxml when it is installed (it is a requirement).
            workbook = openpyxl.load_workbook(handle, read_only=True, data_only=True)
            sheet = workbook.worksheets[0]
            sheet.reset_dimensions()  # do not trust the sheet's declared size: read every row
        except MemoryError:
            raise
        except Exception as exc:
            raise _corrupt(filename) from exc
        try:
            data = _xlsx_rows(sheet.iter_rows(), filename)
            found = _split_header(data)
            header_row, header = found if found is not None else (0, [])
            yield Table(header=header, header_row=header_row, rows=data, text_cells=False)
        finally:
            workbook.close()


@contextmanager
def open_table(path: Path, filename: str, fmt: Format, *, max_inflated_bytes: int) -> Iterator[Table]:
    """Open a CSV or XLSX file; `filename` is the name the department gave it (for messages)."""
    if fmt == "csv":
        with _open_csv(path, filename) as table:
            yield table
    elif fmt == "xlsx":
        with _open_xlsx(path, filename, max_inflated_bytes) as table:
            yield table
    else:
        raise ValueError(f"not a tabular format: {fmt}")


# --- JSON Lines -----------------------------------------------------------------------------
class JsonObject(list[tuple[str, object]]):
    """A JSON object's members in order, duplicates kept (so a duplicate key can be reported)."""


@dataclass(frozen=True, slots=True)
class JsonLine:
    """One non-blank line: its members, or why it is not a JSON object."""

    line: int
    members: JsonObject | None
    problem: Literal["not_json", "not_object"] | None = None
    detail: str = ""


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not a number")


def _parse_line(number: int, text: str) -> JsonLine:
    try:
        # Numbers with a point or exponent become exact Decimals; NaN and Infinity are refused.
        parsed = json.loads(
            text, object_pairs_hook=JsonObject, parse_float=Decimal, parse_constant=_no_constant
        )
    except json.JSONDecodeError as exc:
        return JsonLine(number, None, "not_json", f"{exc.msg}, column {exc.colno}")
    except (ValueError, RecursionError) as exc:
        return JsonLine(number, None, "not_json", str(exc) or type(exc).__name__)
    if not isinstance(parsed, JsonObject):
        return JsonLine(number, None, "not_object")
    return JsonLine(number, parsed)


@contextmanager
def open_jsonl(path: Path) -> Iterator[Iterator[JsonLine]]:
    """The non-blank lines of a JSON Lines file, numbered from 1."""
    encoding = detect_encoding(path)
    with path.open(encoding=encoding, errors="strict") as stream:

        def lines() -> Iterator[JsonLine]:
            number = 0
            try:
                for number, text in enumerate(stream, start=1):
                    if text.strip():
                        yield _parse_line(number, text)
            except UnicodeDecodeError as exc:  # the file changed under us: detect_encoding passed it
                raise FileProblem(
                    issue(Code.UNDECODABLE_TEXT, offset=exc.start + 1, line=number + 1)
                ) from exc

        yield lines()
