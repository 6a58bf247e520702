"""The reader of files of named fields (domain/validation/named_files.py), without AWS: what support files,
qualification files and unit lists share (header, blank rows, JSON Lines or not, faults found mid-file)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from chalicelib.domain.messages import Code, Issue, issue
from chalicelib.domain.validation.named_files import Row, open_named_file, row_error
from chalicelib.domain.validation.readers import FileProblem, JsonLine

MAX = 10 * 1024 * 1024


def _columns(header: list[object]) -> tuple[list[str | None], list[Issue]]:
    names = [str(cell).strip() or None if cell is not None else None for cell in header]
    bad = [n for n in names if n is not None and n not in ("a", "b")]
    return names, [issue(Code.MISSING_COLUMN, column=n, column_zh=n) for n in bad]


def _json(lines: Iterator[JsonLine]) -> Iterator[Row]:
    for line in lines:
        if line.members is None:
            raise FileProblem(issue(Code.EMPTY_FILE))  # any fault: it ends the file
        yield Row(line.line, dict(line.members))


def _read(tmp_path: Path, name: str, body: bytes, *, jsonl: bool = True) -> tuple[list[Row], list[str]]:
    path = tmp_path / "upload"
    path.write_bytes(body)
    with open_named_file(path, name, _columns, _json if jsonl else None, max_inflated_bytes=MAX) as named:
        rows = list(named.rows)
        return rows, [str(e.code) for e in named.file_errors]


def test_rows_carry_their_spreadsheet_number_and_only_their_non_blank_cells(tmp_path: Path) -> None:
    rows, errors = _read(tmp_path, "f.csv", b"a,,b\n1,x,\n,,\n , ,\n3,,4\n")
    assert errors == []
    assert rows == [Row(2, {"a": "1"}), Row(5, {"a": "3", "b": "4"})]


def test_the_kinds_header_faults_reject_the_file_and_no_row_is_read(tmp_path: Path) -> None:
    rows, errors = _read(tmp_path, "f.csv", b"a,zz\n1,2\n")
    assert rows == [] and errors == ["MISSING_COLUMN"]
    assert _read(tmp_path, "f.csv", b"") == ([], ["EMPTY_FILE"])


def test_json_lines_are_the_kinds_or_an_unsupported_format(tmp_path: Path) -> None:
    body = b'{"a": 1}\n{"b": "x"}\n'
    assert _read(tmp_path, "f.jsonl", body) == ([Row(1, {"a": 1}), Row(2, {"b": "x"})], [])
    assert _read(tmp_path, "f.jsonl", body, jsonl=False) == ([], ["UNSUPPORTED_FORMAT"])
    assert _read(tmp_path, "f.txt", body) == ([], ["UNSUPPORTED_FORMAT"])


def test_a_fault_found_while_reading_ends_the_rows_and_is_a_file_error(tmp_path: Path) -> None:
    rows, errors = _read(tmp_path, "f.jsonl", b'{"a": 1}\n[1]\n{"a": 2}\n')
    assert rows == [Row(1, {"a": 1})] and errors == ["EMPTY_FILE"]


def test_a_row_error_has_the_batch_reports_shape() -> None:
    assert row_error(3, "a", 1.5, "INVALID_FIELD", "中文", "english") == {
        "row": 3,
        "column": "a",
        "value": "1.5",
        "code": "INVALID_FIELD",
        "message_zh": "中文",
        "message_en": "english",
    }
