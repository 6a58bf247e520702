"""The streaming readers: encodings, CSV shapes, XLSX cells and limits, JSON Lines lines."""

from __future__ import annotations

import zipfile
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import openpyxl.xml
import pytest

from chalicelib.domain.messages import Code
from chalicelib.domain.validation import readers

TEXT = "统一社会信用代码,年度,研发费用总额\n91350100M000100Y43,2024,12.5\n"


def write(tmp_path: Path, data: bytes, name: str = "f.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def table_rows(path: Path, name: str = "f.csv") -> tuple[list[object], list[tuple[int, list[object]]]]:
    fmt = readers.format_of(name)
    with readers.open_table(path, name, fmt, max_inflated_bytes=1 << 30) as table:
        return table.header, [(number, list(cells)) for number, cells in table.rows]


def problem(call: object, *args: object, **kwargs: object) -> tuple[Code, str, str]:
    assert callable(call)
    with pytest.raises(readers.FileProblem) as caught:
        call(*args, **kwargs)
    found = caught.value.issue
    return found.code, found.message_zh, found.message_en


# --- formats and encodings ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "fmt"), [("a.csv", "csv"), ("数据 2024.XLSX", "xlsx"), ("x.JsonL", "jsonl")]
)
def test_format_from_the_extension(name: str, fmt: str) -> None:
    assert readers.format_of(name) == fmt


@pytest.mark.parametrize("name", ["a.xls", "a.txt", "a", "a.csv.gz", "a.json"])
def test_other_extensions_are_unsupported(name: str) -> None:
    code, message_zh, _ = problem(readers.format_of, name)
    assert code is Code.UNSUPPORTED_FORMAT and name in message_zh


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + TEXT.encode("utf-8"), "utf-8-sig"),
        (TEXT.encode("gb18030"), "gb18030"),
        (TEXT.encode("gbk"), "gb18030"),
        (b"credit_code,period\n", "utf-8"),
    ],
)
def test_encodings_are_detected(tmp_path: Path, data: bytes, encoding: str) -> None:
    assert readers.detect_encoding(write(tmp_path, data)) == encoding


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_chinese_headers_read_the_same_in_every_encoding(tmp_path: Path, encoding: str) -> None:
    header, rows = table_rows(write(tmp_path, TEXT.encode(encoding)))
    assert header == ["统一社会信用代码", "年度", "研发费用总额"]
    assert rows == [(2, ["91350100M000100Y43", "2024", "12.5"])]


def test_a_bad_byte_deep_in_the_file_is_found_before_any_row(tmp_path: Path) -> None:
    good = TEXT.encode("utf-8") + b"91110108551385082Q,2024,1\n" * 50_000
    path = write(tmp_path, good + b"91110108551385082Q,2024,\xff\xfe\n")
    code, message_zh, message_en = problem(readers.detect_encoding, path)
    assert code is Code.UNDECODABLE_TEXT
    assert "第 50003 行" in message_zh and "Row 50003" in message_en


def test_gb18030_with_a_stray_byte_reports_its_line(tmp_path: Path) -> None:
    path = write(
        tmp_path, TEXT.encode("gb18030") + "91110108551385082Q,2024,中\n".encode("gb18030") + b"\x80\n"
    )
    code, message_zh, _ = problem(readers.detect_encoding, path)
    assert code is Code.UNDECODABLE_TEXT and "第 4 行" in message_zh


def test_utf16_is_refused(tmp_path: Path) -> None:
    code, _, _ = problem(readers.detect_encoding, write(tmp_path, TEXT.encode("utf-16")))
    assert code is Code.UNDECODABLE_TEXT


def test_nul_bytes_are_refused(tmp_path: Path) -> None:
    code, _, message_en = problem(readers.detect_encoding, write(tmp_path, TEXT.encode("utf-16-le")))
    assert code is Code.UNDECODABLE_TEXT and "NUL" in message_en


# --- CSV shapes -----------------------------------------------------------------------------
def test_quoted_cells_commas_and_line_breaks(tmp_path: Path) -> None:
    data = 'a,b,c\n1,"1,234.5","x"\n"multi\nline",2,3\n4,5,6\n'
    header, rows = table_rows(write(tmp_path, data.encode()))
    assert header == ["a", "b", "c"]
    # a cell spanning two lines keeps one row number, as a spreadsheet shows it
    assert rows == [(2, ["1", "1,234.5", "x"]), (3, ["multi\nline", "2", "3"]), (4, ["4", "5", "6"])]


def test_crlf_blank_lines_and_a_missing_final_newline(tmp_path: Path) -> None:
    header, rows = table_rows(write(tmp_path, b"\r\n\r\na,b\r\n1,2\r\n\r\n3,4"))
    assert header == ["a", "b"]
    assert rows == [(4, ["1", "2"]), (5, [""]), (6, ["3", "4"])]


@pytest.mark.parametrize("sep", ["\t", ";"])
def test_tab_and_semicolon_separated_exports(tmp_path: Path, sep: str) -> None:
    header, rows = table_rows(write(tmp_path, f"a{sep}b\n1{sep}2\n".encode()))
    assert header == ["a", "b"] and rows == [(2, ["1", "2"])]


def test_unbalanced_quotes_are_a_file_error(tmp_path: Path) -> None:
    path = write(tmp_path, b'a,b\n1,2\n3,"4\n5,6\n')
    code, message_zh, _ = problem(table_rows, path)
    assert code is Code.UNSUPPORTED_FORMAT and "引号" in message_zh


def test_an_empty_file_has_no_header(tmp_path: Path) -> None:
    assert table_rows(write(tmp_path, b"")) == ([], [])


def test_blank_cells_are_not_sent() -> None:
    assert readers.blank_to_none("") is None
    assert readers.blank_to_none(" \u3000\xa0") is None
    assert readers.blank_to_none("0") == "0"
    assert readers.blank_to_none(0) == 0


# --- XLSX -----------------------------------------------------------------------------------
def make_xlsx(path: Path, rows: list[list[object]]) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    workbook.create_sheet("ignored").append(["not", "read"])
    workbook.save(path)
    return path


def test_xlsx_first_sheet_with_typed_cells(tmp_path: Path) -> None:
    path = make_xlsx(
        tmp_path / "r.xlsx",
        [["credit_code", "established_on", "n", "x"], ["91350100M000100Y43", datetime(2019, 3, 5), 12, 1.5],
         [None, None, None, None], ["91110108551385082Q", "2019/3/5", None, "t"]],
    )  # fmt: skip
    header, rows = table_rows(path, "r.xlsx")
    assert header == ["credit_code", "established_on", "n", "x"]
    assert rows[0] == (2, ["91350100M000100Y43", datetime(2019, 3, 5), 12, 1.5])
    assert rows[-1] == (4, ["91110108551385082Q", "2019/3/5", None, "t"])


def test_percent_formatted_cells_read_as_the_percentage_shown(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["share", "plain", "whole"])
    sheet.append([0.355, 0.355, 1])
    sheet["A2"].number_format = "0.00%"
    sheet["C2"].number_format = "0%"
    workbook.save(tmp_path / "p.xlsx")
    _, rows = table_rows(tmp_path / "p.xlsx", "p.xlsx")
    assert rows == [(2, ["35.5%", 0.355, "100%"])]


def test_a_temp_file_without_the_xlsx_extension_is_read(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "r.xlsx", [["a"], [1]])
    renamed = path.rename(tmp_path / "download.tmp")
    with readers.open_table(renamed, "部门数据.xlsx", "xlsx", max_inflated_bytes=1 << 30) as table:
        assert table.header == ["a"] and [list(c) for _, c in table.rows] == [[1]]


def test_inflated_size_is_capped_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * 5_000_000)
    assert path.stat().st_size < 100_000
    with (
        pytest.raises(readers.FileProblem) as caught,
        readers.open_table(path, "bomb.xlsx", "xlsx", max_inflated_bytes=1_000_000),
    ):
        pass  # pragma: no cover
    assert caught.value.issue.code is Code.FILE_TOO_LARGE


@pytest.mark.parametrize("data", [b"not a zip", TEXT.encode()])
def test_a_file_that_is_not_a_workbook(tmp_path: Path, data: bytes) -> None:
    path = write(tmp_path, data, "x.xlsx")
    code, message_zh, _ = problem(table_rows, path, "x.xlsx")
    assert code is Code.UNSUPPORTED_FORMAT and "x.xlsx" in message_zh


def test_a_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "x.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "hi")
    assert problem(table_rows, path, "x.xlsx")[0] is Code.UNSUPPORTED_FORMAT


def test_openpyxl_parses_with_defusedxml() -> None:
    assert openpyxl.xml.DEFUSEDXML


# --- JSON Lines -----------------------------------------------------------------------------
def jsonl(tmp_path: Path, text: str, encoding: str = "utf-8") -> list[readers.JsonLine]:
    path = write(tmp_path, text.encode(encoding), "f.jsonl")
    with readers.open_jsonl(path) as lines:
        return list(lines)


def test_jsonl_lines_objects_and_problems(tmp_path: Path) -> None:
    lines = jsonl(
        tmp_path,
        '{"credit_code": "91350100M000100Y43", "period": 2024, "x": 1.50, "f": true, "n": null}\n'
        "\n"
        "[1, 2]\n"
        "{not json}\n"
        '{"a": NaN}\n'
        '{"a": 1, "a": 2}\n',
    )
    assert [line.line for line in lines] == [1, 3, 4, 5, 6]
    first = lines[0].members
    assert first == [("credit_code", "91350100M000100Y43"), ("period", 2024), ("x", Decimal("1.50")),
                     ("f", True), ("n", None)]  # fmt: skip
    assert (lines[1].members, lines[1].problem) == (None, "not_object")
    assert (lines[2].members, lines[2].problem) == (None, "not_json")
    assert lines[2].detail  # says what is wrong
    assert lines[3].problem == "not_json"
    assert lines[4].members == [("a", 1), ("a", 2)]  # both kept, so the duplicate can be reported


def test_jsonl_in_gb18030_is_read(tmp_path: Path) -> None:
    lines = jsonl(tmp_path, '{"年度": "2024年"}\n', "gb18030")
    assert lines[0].members == [("年度", "2024年")]
