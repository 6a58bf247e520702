"""Qualification files (contract 17): columns, rows, identity within a file, the row codes.

Columns (id or Chinese name): credit_code 统一社会信用代码, qualification 资质 (id or Chinese name),
certificate_no 证书编号 (1–40 characters), valid_from 起始日期, valid_to 截止日期. Every column is
required. The readers of department files do the reading (encodings, Excel cells, JSON Lines).

Row codes: those of contract 2.3 (INVALID_CREDIT_CODE, CREDIT_CODE_CHECKSUM, INVALID_DATE, DUPLICATE_ROW
— the same certificate twice in one file: every such row — and OUT_OF_RANGE for a certificate number
that is empty or over 40 characters), plus UNKNOWN_QUALIFICATION and NOT_ISSUER (a qualification the
uploading department does not issue); INVALID_DATE also when valid_to lies before valid_from.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Final

from chalicelib.domain.creditcode import fold_width
from chalicelib.domain.cultivation.programs import CultivationFile
from chalicelib.domain.messages import Code, Issue, issue, show
from chalicelib.domain.validation.columns import fold_header, named_columns
from chalicelib.domain.validation.named_files import Row, open_named_file, row_error
from chalicelib.domain.validation.readers import FileProblem, JsonLine, blank_to_none
from chalicelib.domain.values import ValueProblem, parse_credit_code, parse_date

COLUMNS: Final[Mapping[str, str]] = {
    "credit_code": "统一社会信用代码",
    "qualification": "资质",
    "certificate_no": "证书编号",
    "valid_from": "起始日期",
    "valid_to": "截止日期",
}
MAX_CERTIFICATE: Final = 40
NOT_ISSUER: Final = "NOT_ISSUER"
UNKNOWN_QUALIFICATION: Final = "UNKNOWN_QUALIFICATION"
_FAR_FUTURE: Final = date(9999, 12, 31)  # a certificate's dates may lie in the future
_BY_HEADER: Final[Mapping[str, str]] = {
    **{fold_header(name): name for name in COLUMNS},
    **{fold_header(zh): name for name, zh in COLUMNS.items()},
}


@dataclass(frozen=True, slots=True)
class QualificationRow:
    row: int
    credit_code: str
    qualification: str
    certificate_no: str
    valid_from: date
    valid_to: date

    @property
    def identity(self) -> tuple[str, str, str]:
        return (self.credit_code, self.qualification, self.certificate_no)


@dataclass
class QualificationFile:
    """The valid rows of a file, its rejected rows, or why it is rejected as a whole."""

    file_errors: list[Issue] = field(default_factory=list)
    row_errors: list[dict[str, Any]] = field(default_factory=list)
    rows: list[QualificationRow] = field(default_factory=list)
    total: int = 0


def _value_error(number: int, column: str, value: object, problem: ValueProblem) -> dict[str, Any]:
    found = issue(
        problem.code,
        variant=problem.variant,
        row=number,
        column=column,
        column_zh=COLUMNS[column],
        value=value,
        **problem.params,
    )
    return found.to_dict()


def check_row(
    number: int, cells: Mapping[str, object], department: str, catalogue: CultivationFile
) -> tuple[QualificationRow | None, list[dict[str, Any]]]:
    """One row's record, or every fault it has."""
    errors: list[dict[str, Any]] = []
    code = qualification = certificate = None
    dates: dict[str, date] = {}
    try:
        code = parse_credit_code(cells.get("credit_code"))
    except ValueProblem as problem:
        errors.append(_value_error(number, "credit_code", cells.get("credit_code"), problem))
    raw = cells.get("qualification")
    text = "" if raw is None else fold_width(str(raw)).strip()
    known = catalogue.by_name().get(text) or catalogue.by_name().get(text.lower())
    if known is None:
        allowed = "、".join(f"{q.name_zh}（{q.id}）" for q in catalogue.qualifications)
        errors.append(
            row_error(
                number,
                "qualification",
                raw,
                UNKNOWN_QUALIFICATION,
                f"无法识别资质“{show(raw) or ''}”。可填写：{allowed}。",
                f"unknown qualification {show(raw)!r}; known: "
                + ", ".join(q.id for q in catalogue.qualifications),
            )
        )
    else:
        definition = catalogue.qualification(known)
        assert definition is not None
        if definition.issuer != department:
            errors.append(
                row_error(
                    number,
                    "qualification",
                    raw,
                    NOT_ISSUER,
                    f"资质“{definition.name_zh}”由 {definition.issuer} 认定，"
                    f"本部门（{department}）不能报送。",
                    f"{definition.id} is issued by {definition.issuer}, not by {department}",
                )
            )
        else:
            qualification = known
    raw_cert = cells.get("certificate_no")
    cert = "" if raw_cert is None else fold_width(str(raw_cert)).strip()
    if not 1 <= len(cert) <= MAX_CERTIFICATE:
        errors.append(
            row_error(
                number,
                "certificate_no",
                raw_cert,
                str(Code.OUT_OF_RANGE),
                f"证书编号应为 1 至 {MAX_CERTIFICATE} 个字符，此处为 {len(cert)} 个。",
                f"certificate_no must have 1 to {MAX_CERTIFICATE} characters; it has {len(cert)}",
            )
        )
    else:
        certificate = cert
    for column in ("valid_from", "valid_to"):
        try:
            dates[column] = parse_date(cells.get(column), today=_FAR_FUTURE)
        except ValueProblem as problem:
            errors.append(_value_error(number, column, cells.get(column), problem))
    if len(dates) == 2 and dates["valid_to"] < dates["valid_from"]:
        errors.append(
            row_error(
                number,
                "valid_to",
                cells.get("valid_to"),
                str(Code.INVALID_DATE),
                f"截止日期 {dates['valid_to']} 早于起始日期 {dates['valid_from']}，请核对。",
                f"valid_to {dates['valid_to']} lies before valid_from {dates['valid_from']}",
            )
        )
    if errors or code is None or qualification is None or certificate is None:
        return None, errors
    return QualificationRow(
        number, code, qualification, certificate, dates["valid_from"], dates["valid_to"]
    ), []


def _columns(header: list[object], department: str) -> tuple[list[str | None], list[Issue]]:
    return named_columns(header, _BY_HEADER, COLUMNS, department, COLUMNS)


def _duplicates(result: QualificationFile) -> None:
    """The same certificate (credit_code, qualification, certificate_no) twice in one file: every such row."""
    counts: dict[tuple[str, str, str], int] = {}
    for row in result.rows:
        counts[row.identity] = counts.get(row.identity, 0) + 1
    kept = []
    for row in result.rows:
        if counts[row.identity] > 1:
            result.row_errors.append(
                row_error(
                    row.row,
                    "certificate_no",
                    row.certificate_no,
                    str(Code.DUPLICATE_ROW),
                    f"同一证书（{row.qualification} {row.certificate_no}）在文件中出现了 "
                    f"{counts[row.identity]} 次，这些行均未采用；请只保留一行。",
                    f"the same certificate appears {counts[row.identity]} times in this file; "
                    "every such row is rejected",
                )
            )
        else:
            kept.append(row)
    result.rows = kept
    result.row_errors.sort(key=lambda e: e["row"])


@contextmanager
def read_qualification_file(
    path: Path, filename: str, department: str, catalogue: CultivationFile, *, max_inflated_bytes: int
) -> Iterator[QualificationFile]:
    """Read and check a whole qualification file (files are small: a province's certificates)."""
    result = QualificationFile()

    def columns(header: list[object]) -> tuple[list[str | None], list[Issue]]:
        return _columns(header, department)

    def json_rows(lines: Iterator[JsonLine]) -> Iterator[Row]:
        return _json_rows(lines, result, department)

    with open_named_file(path, filename, columns, json_rows, max_inflated_bytes=max_inflated_bytes) as named:
        for row in named.rows:
            result.total += 1
            _add(result, row.number, row.cells, department, catalogue)
        result.file_errors.extend(named.file_errors)
        if not result.file_errors and result.total == 0:
            result.file_errors.append(issue(Code.EMPTY_FILE))
        _duplicates(result)
        yield result


def _json_rows(lines: Iterator[JsonLine], result: QualificationFile, department: str) -> Iterator[Row]:
    """A line that is no JSON object is a row error (and counts); an unknown member rejects the file."""
    for line in lines:
        if line.members is None:
            result.total += 1
            result.row_errors.append(
                row_error(
                    line.line,
                    None,
                    None,
                    str(Code.INVALID_ROW),
                    "这一行不是 JSON 对象。",
                    f"line {line.line} is not a JSON object",
                )
            )
            continue
        cells: dict[str, object] = {}
        unknown = []
        for name, value in line.members:
            column = _BY_HEADER.get(fold_header(name))
            if column is None:
                unknown.append(name)
            else:
                cells[column] = blank_to_none(value)
        if unknown:
            result.total += 1
            raise FileProblem(
                issue(
                    Code.UNKNOWN_COLUMN,
                    value=unknown[0],
                    department=department,
                    department_zh=department,
                    allowed=", ".join(COLUMNS),
                    allowed_zh="、".join(COLUMNS.values()),
                )
            )
        yield Row(line.line, cells)


def _add(
    result: QualificationFile,
    number: int,
    cells: Mapping[str, object],
    department: str,
    catalogue: CultivationFile,
) -> None:
    row, errors = check_row(number, cells, department, catalogue)
    if row is not None:
        result.rows.append(row)
    result.row_errors.extend(errors)
