"""validate_upload: header mapping, every file and row error, duplicates, formats, streaming spill."""

from __future__ import annotations

import csv as csv_module
import io
import tempfile
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.creditcode import check_character
from chalicelib.domain.messages import Code, Issue
from chalicelib.domain.model.schema import load_model
from chalicelib.domain.records import Master
from chalicelib.domain.validation import duplicates
from chalicelib.domain.validation.rows import FactRow, MasterRow, Record
from chalicelib.domain.validation.upload import Validation, validate_upload

MODEL = load_model("jx-2025.1-provisional")
TODAY = date(2025, 6, 30)
A, B, C = "91350100M000100Y43", "91110108551385082Q", "91360100MA35F4XJ89"
BAD_CHECK = "91310115MA1H8R7C6D"


@pytest.fixture(autouse=True)
def few_collisions(monkeypatch: pytest.MonkeyPatch) -> None:
    """Big bitmaps for tiny files, so that row order is not disturbed by a chance hash collision."""
    monkeypatch.setattr(duplicates, "MIN_BITS", 1 << 20)


def run(
    tmp_path: Path,
    department: str | None,
    content: str | bytes,
    name: str = "upload.csv",
    *,
    encoding: str = "utf-8",
    **options: object,
) -> tuple[Validation, list[Record]]:
    path = tmp_path / "download"
    path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    kwargs: dict[str, object] = {"max_inflated_bytes": 1 << 30, "today": TODAY, **options}
    with validate_upload(MODEL, department, path, name, **kwargs) as result:  # type: ignore[arg-type]
        records = list(result.records())
    return result, records


def facts(records: list[Record]) -> dict[int, tuple[str, int, dict[str, object]]]:
    """Accepted fact rows by row number (values typed loosely: Decimal(1) == 1 in expectations)."""
    found: dict[int, tuple[str, int, dict[str, object]]] = {}
    for record in records:
        assert isinstance(record, FactRow)
        found[record.row] = (record.credit_code, record.period, dict(record.values))
    return found


def codes(issues: list[Issue]) -> list[tuple[int | None, str | None, Code]]:
    return [(i.row, i.column, i.code) for i in issues]


def file_codes(result: Validation) -> list[Code]:
    return [i.code for i in result.file_errors]


def csv(*lines: str) -> str:
    return "\n".join(lines) + "\n"


# --- header mapping -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "header",
    [
        "credit_code,period,rd_expense,tax_credit_d",
        "统一社会信用代码,年度,研发费用总额,纳税信用D级",
        " 统一社会信用代码 ,年 度,研发费用总额（万元）,纳税信用Ｄ级",
        "ＣＲＥＤＩＴ＿ＣＯＤＥ,Period,RD_EXPENSE,纳税信用d级",
        "\ufeffcredit_code,period,研发费用总额(万元),tax_credit_d",
    ],
)
def test_headers_by_id_chinese_name_and_their_variants(tmp_path: Path, header: str) -> None:
    result, records = run(tmp_path, "tax", csv(header, f"{A},2024,12.5,否"))
    assert result.file_errors == []
    assert facts(records) == {2: (A, 2024, {"rd_expense": Decimal("12.5"), "tax_credit_d": Decimal(0)})}


def test_missing_key_columns(tmp_path: Path) -> None:
    result, records = run(tmp_path, "tax", csv("研发费用总额", "12"))
    assert [(i.code, i.column) for i in result.file_errors] == [
        (Code.MISSING_COLUMN, "credit_code"),
        (Code.MISSING_COLUMN, "period"),
    ]
    assert records == [] and "统一社会信用代码" in result.file_errors[0].message_zh


def test_an_indicator_file_needs_an_indicator(tmp_path: Path) -> None:
    result, _ = run(tmp_path, "tax", csv("credit_code,period", f"{A},2024"))
    assert file_codes(result) == [Code.MISSING_COLUMN]
    assert "研发费用总额" in result.file_errors[0].message_zh  # it lists what the department may send


def test_registry_files_need_all_five_columns(tmp_path: Path) -> None:
    result, _ = run(tmp_path, "registry", csv("credit_code,name,established_on", f"{A},某公司,2019-03-05"))
    assert [(i.code, i.column) for i in result.file_errors] == [
        (Code.MISSING_COLUMN, "region_code"),
        (Code.MISSING_COLUMN, "industry_code"),
    ]


def test_unknown_columns(tmp_path: Path) -> None:
    result, _ = run(tmp_path, "tax", csv("credit_code,period,rd_expense,备注", f"{A},2024,1,x"))
    assert [(i.code, i.column) for i in result.file_errors] == [(Code.UNKNOWN_COLUMN, "备注")]
    assert "备注" in result.file_errors[0].message_zh


@pytest.mark.parametrize(
    ("header", "column", "says"),
    [
        ("企业名称", "name", "企业登记信息"),
        ("industry_code", "industry_code", "企业登记信息"),
        ("研发费用增长率", "rd_expense_growth", "系统根据其他指标计算"),
        ("rd_intensity", "rd_intensity", "系统根据其他指标计算"),
        ("revenue_growth", "revenue_growth", "系统根据其他指标计算"),
    ],
)
def test_master_and_derived_columns_are_unknown_in_indicator_files(
    tmp_path: Path, header: str, column: str, says: str
) -> None:
    result, _ = run(tmp_path, "tax", csv(f"credit_code,period,rd_expense,{header}", f"{A},2024,1,1"))
    assert [(i.code, i.column) for i in result.file_errors] == [(Code.UNKNOWN_COLUMN, column)]
    assert says in result.file_errors[0].message_zh


def test_period_is_unknown_in_a_registry_file(tmp_path: Path) -> None:
    header = "credit_code,name,established_on,region_code,industry_code,年度"
    result, _ = run(tmp_path, "registry", csv(header, f"{A},某公司,2019-03-05,360100,C39,2024"))
    assert [(i.code, i.column) for i in result.file_errors] == [(Code.UNKNOWN_COLUMN, "年度")]


@pytest.mark.parametrize(
    ("department", "header", "column", "owner"),
    [
        ("tax", "credit_code,period,rd_expense,有效发明专利数", "invention_patents", "市场监督管理局"),
        ("stats", "credit_code,period,operating_revenue,net_profit", "net_profit", "税务局"),
        (
            "registry",
            "credit_code,name,established_on,region_code,industry_code,rd_expense",
            "rd_expense",
            "税务局",
        ),
    ],
)
def test_another_departments_indicator_is_not_owned(
    tmp_path: Path, department: str, header: str, column: str, owner: str
) -> None:
    result, _ = run(tmp_path, department, csv(header, ""))
    assert [(i.code, i.column) for i in result.file_errors] == [(Code.COLUMN_NOT_OWNED, column)]
    assert owner in result.file_errors[0].message_zh


@pytest.mark.parametrize(
    "header",
    ["credit_code,period,rd_expense,研发费用总额", "credit_code,period,rd_expense,rd_expense",
     "credit_code,统一社会信用代码,period,net_profit"],
)  # fmt: skip
def test_one_column_twice_is_a_duplicate_column(tmp_path: Path, header: str) -> None:
    result, records = run(tmp_path, "tax", csv(header, f"{A},2024,1,1"))
    assert file_codes(result) == [Code.DUPLICATE_COLUMN] and records == []


@pytest.mark.parametrize("department", [None, "police", "incoming"])
def test_unknown_departments(tmp_path: Path, department: str | None) -> None:
    result, records = run(tmp_path, department, csv("credit_code,period,rd_expense", f"{A},2024,1"))
    assert file_codes(result) == [Code.UNKNOWN_DEPARTMENT] and records == []
    assert "tax" in result.file_errors[0].message_zh  # it lists the departments


def test_unsupported_format(tmp_path: Path) -> None:
    result, records = run(tmp_path, "tax", b"\xd0\xcf\x11\xe0", "报表.xls")
    assert file_codes(result) == [Code.UNSUPPORTED_FORMAT] and records == []


@pytest.mark.parametrize(
    "content", ["", "credit_code,period,rd_expense\n", "credit_code,period,rd_expense\n,,\n\n"]
)
def test_empty_files(tmp_path: Path, content: str) -> None:
    result, records = run(tmp_path, "tax", content)
    assert file_codes(result) == [Code.EMPTY_FILE] and records == []


def test_an_invalid_byte_in_the_middle_stores_nothing(tmp_path: Path) -> None:
    good = csv("统一社会信用代码,年度,研发费用总额", f"{A},2024,1", f"{B},2024,2").encode("gb18030")
    result, records = run(tmp_path, "tax", good + b"\xff\xff,2024,3\n" + f"{C},2024,4\n".encode())
    assert file_codes(result) == [Code.UNDECODABLE_TEXT]
    assert records == [] and result.row_errors == [] and result.accepted == 0


def test_malformed_csv_stores_nothing(tmp_path: Path) -> None:
    result, records = run(
        tmp_path, "tax", csv("credit_code,period,rd_expense", f"{A},2024,1", f'{B},2024,"2')
    )
    assert file_codes(result) == [Code.UNSUPPORTED_FORMAT] and records == []


# --- row errors -----------------------------------------------------------------------------
def test_every_row_error_of_an_indicator_file(tmp_path: Path) -> None:
    header = "credit_code,period,rd_expense,net_profit,tax_credit_d"
    result, records = run(
        tmp_path,
        "tax",
        csv(
            header,
            f"{A},2024,1,2,1",  # 2: fine
            "9135010,2024,1,2,1",  # 3: INVALID_CREDIT_CODE
            f"{BAD_CHECK},2024,1,2,1",  # 4: CREDIT_CODE_CHECKSUM
            f"{B},1999,1,2,1",  # 5: INVALID_PERIOD
            f"{B},2024,abc,2,1",  # 6: INVALID_NUMBER
            f"{B},2023,-3,-2,1",  # 7: OUT_OF_RANGE (net profit may be negative)
            f"{C},2024,1,2,maybe",  # 8: INVALID_FLAG
            ",2024,1,2,1",  # 9: INVALID_CREDIT_CODE (missing)
            f"{C},,1,2,1",  # 10: INVALID_PERIOD (missing)
        ),
    )
    assert facts(records) == {2: (A, 2024, {"rd_expense": 1, "net_profit": 2, "tax_credit_d": 1})}
    assert codes(result.row_errors) == [
        (3, "credit_code", Code.INVALID_CREDIT_CODE),
        (4, "credit_code", Code.CREDIT_CODE_CHECKSUM),
        (5, "period", Code.INVALID_PERIOD),
        (6, "rd_expense", Code.INVALID_NUMBER),
        (7, "rd_expense", Code.OUT_OF_RANGE),
        (8, "tax_credit_d", Code.INVALID_FLAG),
        (9, "credit_code", Code.INVALID_CREDIT_CODE),
        (10, "period", Code.INVALID_PERIOD),
    ]
    assert result.row_counts(warnings=0) == {"total": 9, "accepted": 1, "rejected": 8, "warnings": 0}
    assert result.row_errors[3].value == "abc" and "研发费用总额" in result.row_errors[3].message_zh


def test_every_row_error_of_a_registry_file(tmp_path: Path) -> None:
    header = "统一社会信用代码,企业名称,成立日期,行政区划代码,行业代码"
    result, records = run(
        tmp_path,
        "registry",
        csv(
            header,
            f"{A},江西甲公司,2019-3-5,360100,C3911",
            f"{B},江西乙公司,2019-02-30,360100,C39",
            f"{C},江西丙公司,2019-03-05,350100,C39",
            f"{BAD_CHECK},江西丁公司,2019-03-05,360100,Z9",
            "91360700MA38XWXK28,,2019-03-05,360100,C39",
        ),
    )
    assert records == [MasterRow(2, Master(A, "江西甲公司", date(2019, 3, 5), "360100", "C3911"))]
    assert codes(result.row_errors) == [
        (3, "established_on", Code.INVALID_DATE),
        (4, "region_code", Code.INVALID_REGION),
        (5, "credit_code", Code.CREDIT_CODE_CHECKSUM),
        (5, "industry_code", Code.INVALID_INDUSTRY),
        (6, "name", Code.INVALID_ROW),
    ]


def test_a_row_with_several_faults_lists_each(tmp_path: Path) -> None:
    result, records = run(tmp_path, "tax", csv("credit_code,period,rd_expense,tax_credit_d", "x,3000,-1,2"))
    assert records == []
    assert [i.code for i in result.row_errors] == [
        Code.INVALID_CREDIT_CODE,
        Code.INVALID_PERIOD,
        Code.OUT_OF_RANGE,
        Code.INVALID_FLAG,
    ]
    assert result.rejected == 1  # rows are counted, not faults


def test_cells_without_a_header_must_stay_empty(tmp_path: Path) -> None:
    result, records = run(
        tmp_path,
        "tax",
        csv("credit_code,,period,rd_expense,,", f"{A},,2024,1,,", f"{B},x,2024,1", f"{C},,2024,1,,,9"),
    )
    assert list(facts(records)) == [2]
    assert codes(result.row_errors) == [(3, None, Code.INVALID_ROW), (4, None, Code.INVALID_ROW)]
    assert "第 7 列" in result.row_errors[1].message_zh


def test_values_in_the_forms_departments_write(tmp_path: Path) -> None:
    header = "统一社会信用代码,年度,研发人员数,高新技术产品(服务)收入占比,有效期内高新技术企业,技术合同成交额"
    result, records = run(
        tmp_path,
        "sci",
        csv(header, f' {A.lower()} ,2024年,"1,200",35.5%,是,"１，２３４．５"', f"{B},２０２４,0,100,Y,"),
        encoding="gb18030",
    )
    assert result.row_errors == []
    assert facts(records) == {
        2: (A, 2024, {"rd_staff": 1200, "high_tech_revenue_ratio": Decimal("35.5"), "high_tech_enterprise": 1,
                      "tech_contract_turnover": Decimal("1234.5")}),
        3: (B, 2024, {"rd_staff": 0, "high_tech_revenue_ratio": 100, "high_tech_enterprise": 1}),
    }  # fmt: skip


def test_a_row_with_a_key_and_no_value_changes_nothing_but_is_accepted(tmp_path: Path) -> None:
    result, records = run(tmp_path, "tax", csv("credit_code,period,rd_expense,net_profit", f"{A},2024,,"))
    assert facts(records) == {2: (A, 2024, {})} and result.accepted == 1


def test_blank_rows_are_skipped_and_not_counted(tmp_path: Path) -> None:
    result, records = run(
        tmp_path, "tax", csv("credit_code,period,rd_expense", "", f"{A},2024,1", ",,", " , ,")
    )
    assert list(facts(records)) == [3] and result.total == 1


def test_row_errors_can_be_capped_but_are_all_counted(tmp_path: Path) -> None:
    rows = [f"x{i},2024,1" for i in range(10)]
    result, _ = run(tmp_path, "tax", csv("credit_code,period,rd_expense", *rows), max_row_errors=3)
    assert len(result.row_errors) == 3 and result.row_errors_omitted == 7 and result.rejected == 10


# --- duplicates -----------------------------------------------------------------------------
def test_every_copy_of_a_duplicate_row_is_rejected(tmp_path: Path) -> None:
    result, records = run(
        tmp_path,
        "tax",
        csv(
            "credit_code,period,rd_expense",
            f"{A},2024,1",
            f"{B},2024,2",
            f"{A},2024,3",
            f"{A},2023,4",  # another year: not a duplicate
            f"{A.lower()},2024年,5",  # the same key written differently
            f"{C},2024,6",
            f"{C},2024,oops",  # a copy with another fault still makes C's rows duplicates
        ),
    )
    assert sorted(facts(records)) == [3, 5]
    assert codes(result.row_errors) == [
        (2, "credit_code", Code.DUPLICATE_ROW),
        (4, "credit_code", Code.DUPLICATE_ROW),
        (6, "credit_code", Code.DUPLICATE_ROW),
        (7, "credit_code", Code.DUPLICATE_ROW),
        (8, "rd_expense", Code.INVALID_NUMBER),
        (8, "credit_code", Code.DUPLICATE_ROW),
    ]
    assert "3 次" in result.row_errors[0].message_zh and "2024" in result.row_errors[0].message_zh
    assert result.row_counts() == {"total": 7, "accepted": 2, "rejected": 5, "warnings": 0}


def test_registry_duplicates_are_by_credit_code(tmp_path: Path) -> None:
    header = "credit_code,name,established_on,region_code,industry_code"
    result, records = run(
        tmp_path,
        "registry",
        csv(
            header,
            f"{A},甲,2019-03-05,360100,C39",
            f"{B},乙,2019-03-05,360100,C39",
            f"{A},甲,2020-03-05,360100,C39",
        ),
    )
    assert [r.row for r in records] == [3]
    assert codes(result.row_errors) == [
        (2, "credit_code", Code.DUPLICATE_ROW),
        (4, "credit_code", Code.DUPLICATE_ROW),
    ]
    assert "登记信息" in result.row_errors[0].message_zh


def test_duplicates_stay_exact_when_every_key_collides_in_the_bitmaps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(duplicates, "MIN_BITS", 8)
    monkeypatch.setattr(duplicates, "MAX_BITS", 8)  # 8 bits: nearly every key shares a bit with another
    keys = [A, B, C, "91360700MA38XWXK28", "91361100MA37Q0M7XU"]
    rows = [
        f"{code},{year},{i}"
        for i, (code, year) in enumerate((k, y) for k in keys for y in (2022, 2023, 2024))
    ]
    rows += [f"{B},2023,99", f"{C},2024,98"]
    result, records = run(tmp_path, "tax", csv("credit_code,period,rd_expense", *rows))
    duplicated = {(B, 2023), (C, 2024)}
    accepted = {(code, period) for code, period, _ in facts(records).values()}
    assert accepted == {(k, y) for k in keys for y in (2022, 2023, 2024)} - duplicated
    assert len(result.row_errors) == 4 and {i.code for i in result.row_errors} == {Code.DUPLICATE_ROW}
    assert result.accepted == len(records) == 13


def test_records_keep_file_order(tmp_path: Path) -> None:
    rows = [f"{code},{year},{year}" for code in (C, A, B) for year in (2024, 2021, 2023)]
    _, records = run(tmp_path, "tax", csv("credit_code,period,rd_expense", *rows))
    assert [r.row for r in records] == list(range(2, 11))


# --- the fast path gives what pydantic gives ------------------------------------------------
def test_fast_and_pydantic_paths_agree_on_a_mixed_file(tmp_path: Path) -> None:
    header = "credit_code,period,rd_expense,operating_revenue,net_profit,tax_paid,tax_credit_d"
    lines = [
        f"{A},2024,0,100.50,-12.25,1.1,1",
        f"{B},2024,,0.0000000001,-0.5,99999999999999.99,0",
        f"{C},2025,007,1,0,,",
        f"{A},2026,1,1,1,1,1",
        f"{B},2023,1.00,1,-0,1,是",
        f"{A.lower()},2023,1,1,1,1,1",
        f"{C},2023,1,1,1,1,2",
        f"{BAD_CHECK},2023,1,1,1,1,1",
        f"{C},2022,1e3,1,1,1,1",
    ]
    fast, fast_records = run(tmp_path, "tax", csv(header, *lines))
    slow, slow_records = run(tmp_path, "tax", csv(header, *lines), fast=False)
    assert fast_records == slow_records and len(fast_records) == 5
    assert [i.to_dict() for i in fast.row_errors] == [i.to_dict() for i in slow.row_errors]
    assert [str(v) for v in facts(fast_records)[2][2].values()] == ["0", "100.50", "-12.25", "1.1", "1"]


cells = st.one_of(
    st.from_regex(r"-?[0-9]{1,17}(\.[0-9]{0,12})?", fullmatch=True),
    st.sampled_from(["", "0", "-0", "00", "01", "1.0", "100", "100.0", "100.00000000001", "是", "否", "N",
                     "1,234", "1,234.50", "-1,234.5", "12,345,678", "0,123", "-0,5", "1,23",
                     "999,999,999,999,999", "1,000,000,000,000,000", " 1", "1e3", "%", "50%", "100%",
                     "100.5%", "0%", "１", "2"]),
    st.text(max_size=4),
)  # fmt: skip
keys = st.tuples(
    st.sampled_from([A, B, C, A.lower(), BAD_CHECK, "x", ""]),
    st.sampled_from(["2024", "2025", "2026", "1999", "2024年", "", "02024"]),
)


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(["sci", "tax"]),
    st.lists(st.tuples(keys, st.lists(cells, min_size=9, max_size=9)), max_size=6),
)
def test_fast_and_pydantic_paths_agree_on_any_cells(
    department: str, rows: list[tuple[tuple[str, str], list[str]]]
) -> None:
    columns = ["credit_code", "period", *(i.id for i in MODEL.owned_by(department))]
    buffer = io.StringIO()
    writer = csv_module.writer(buffer)
    writer.writerow(columns)
    for (code, period), values in rows:
        writer.writerow([code, period, *values[: len(columns) - 2]])
    with tempfile.TemporaryDirectory() as folder:
        fast, fast_records = run(Path(folder), department, buffer.getvalue())
        slow, slow_records = run(Path(folder), department, buffer.getvalue(), fast=False)
    assert fast_records == slow_records
    assert [i.to_dict() for i in fast.file_errors] == [i.to_dict() for i in slow.file_errors]
    assert [i.to_dict() for i in fast.row_errors] == [i.to_dict() for i in slow.row_errors]
    assert fast.row_counts() == slow.row_counts()


# --- XLSX and JSON Lines --------------------------------------------------------------------
def xlsx(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_registry_xlsx_with_real_date_cells(tmp_path: Path) -> None:
    content = xlsx(
        [
            ["统一社会信用代码", "企业名称", "成立日期", "行政区划代码", "行业代码"],
            [A, "江西甲公司", datetime(2019, 3, 5), 360100, "C3911"],
            [B, "江西乙公司", "2018年1月2日", "361102", "I65"],
            [C, "江西丙公司", datetime(2030, 1, 1), 360100, "C39"],
            [None, None, None, None, None],
            [12345, "江西丁公司", 43529, 360100, "C39"],
        ]
    )
    result, records = run(tmp_path, "registry", content, "登记.XLSX")
    assert records == [
        MasterRow(2, Master(A, "江西甲公司", date(2019, 3, 5), "360100", "C3911")),
        MasterRow(3, Master(B, "江西乙公司", date(2018, 1, 2), "361102", "I65")),
    ]
    assert codes(result.row_errors) == [
        (4, "established_on", Code.INVALID_DATE),
        (6, "credit_code", Code.INVALID_CREDIT_CODE),
        (6, "established_on", Code.INVALID_DATE),
    ]


def test_indicator_xlsx_with_number_cells(tmp_path: Path) -> None:
    content = xlsx(
        [
            ["credit_code", "period", "employees", "high_level_talent"],
            [A, 2024, 120, 3.0],
            [B, 2024.0, 7.5, None],
        ]
    )
    result, records = run(tmp_path, "hrss", content, "hr.xlsx")
    assert facts(records) == {2: (A, 2024, {"employees": 120, "high_level_talent": 3})}
    assert codes(result.row_errors) == [(3, "employees", Code.INVALID_NUMBER)]


def test_percent_formatted_xlsx_cells_are_not_100_times_off(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["credit_code", "period", "高新技术产品(服务)收入占比", "技术合同成交额"])
    sheet.append([A, 2024, 0.355, 12.5])
    sheet.append([B, 2024, 0.5, 0.2])
    sheet["C2"].number_format = sheet["C3"].number_format = sheet["D3"].number_format = "0.0%"
    buffer = BytesIO()
    workbook.save(buffer)
    result, records = run(tmp_path, "sci", buffer.getvalue(), "sci.xlsx")
    assert facts(records) == {
        2: (A, 2024, {"high_tech_revenue_ratio": Decimal("35.5"), "tech_contract_turnover": Decimal("12.5")})
    }
    assert codes(result.row_errors) == [(3, "tech_contract_turnover", Code.INVALID_NUMBER)]
    assert result.row_errors[0].value == "20%" and "不能带 %" in result.row_errors[0].message_zh


def test_xlsx_inflating_too_far_is_a_file_error(tmp_path: Path) -> None:
    content = xlsx([["credit_code", "period", "employees"], *([[A, 2024, 1]] * 50)])
    result, records = run(tmp_path, "hrss", content, "hr.xlsx", max_inflated_bytes=1000)
    assert file_codes(result) == [Code.FILE_TOO_LARGE] and records == []


def test_jsonl_rows(tmp_path: Path) -> None:
    content = "\n".join(
        [
            f'{{"credit_code": "{A}", "period": 2024, "invention_patents": 3, "abnormal_operation": false}}',
            "",
            f'{{"统一社会信用代码": "{B}", "年度": "2024年", "行政处罚次数": "2", "other_ip": null}}',
            "[1, 2]",
            "{broken",
            f'{{"credit_code": "{C}", "period": 2024, "abnormal_operation": "", "standards_led": 1.5}}',
            '{"period": 2024, "standards_led": 1}',
        ]
    )
    result, records = run(tmp_path, "amr", content, "amr.jsonl")
    assert result.file_errors == []
    assert facts(records) == {
        1: (A, 2024, {"invention_patents": 3, "abnormal_operation": 0}),
        3: (B, 2024, {"admin_penalties": 2}),
    }
    assert codes(result.row_errors) == [
        (4, None, Code.INVALID_ROW),
        (5, None, Code.INVALID_ROW),
        (6, "standards_led", Code.INVALID_NUMBER),
        (7, "credit_code", Code.INVALID_CREDIT_CODE),
    ]
    assert result.row_counts() == {"total": 6, "accepted": 2, "rejected": 4, "warnings": 0}


def test_jsonl_an_unknown_key_anywhere_is_a_file_error(tmp_path: Path) -> None:
    lines = [f'{{"credit_code": "{A}", "period": 2024, "invention_patents": {i}}}' for i in range(5)]
    lines.insert(3, f'{{"credit_code": "{B}", "period": 2024, "备注": "x", "net_profit": 1}}')
    result, records = run(tmp_path, "amr", "\n".join(lines), "amr.jsonl")
    assert [(i.code, i.column) for i in result.file_errors] == [
        (Code.UNKNOWN_COLUMN, "备注"),
        (Code.COLUMN_NOT_OWNED, "net_profit"),
    ]
    assert records == [] and result.row_errors == []


def test_jsonl_id_and_chinese_name_in_one_line(tmp_path: Path) -> None:
    content = f'{{"credit_code": "{A}", "period": 2024, "other_ip": 1, "其他有效知识产权数": 1}}\n'
    result, _ = run(tmp_path, "amr", content, "amr.jsonl")
    assert [(i.code, i.column) for i in result.file_errors] == [(Code.DUPLICATE_COLUMN, "other_ip")]
    assert "第 1 行" in result.file_errors[0].message_zh


def test_jsonl_id_in_one_line_chinese_name_in_another_is_fine(tmp_path: Path) -> None:
    content = (
        f'{{"credit_code": "{A}", "period": 2024, "other_ip": 1}}\n'
        f'{{"统一社会信用代码": "{B}", "年度": 2024, "其他有效知识产权数": 2}}\n'
    )
    result, records = run(tmp_path, "amr", content, "amr.jsonl")
    assert result.file_errors == [] and len(records) == 2


def test_jsonl_the_union_of_keys_decides_missing_columns(tmp_path: Path) -> None:
    content = f'{{"credit_code": "{A}", "other_ip": 1}}\n{{"credit_code": "{B}", "other_ip": 2}}\n'
    result, _ = run(tmp_path, "amr", content, "amr.jsonl")
    assert [(i.code, i.column) for i in result.file_errors] == [(Code.MISSING_COLUMN, "period")]


def test_jsonl_blank_file_is_empty(tmp_path: Path) -> None:
    result, _ = run(tmp_path, "amr", "\n\n", "amr.jsonl")
    assert file_codes(result) == [Code.EMPTY_FILE]


# --- a realistic mixed upload ---------------------------------------------------------------
def mixed_rows() -> Iterator[tuple[str, bool]]:
    """(line, valid) pairs for a tax file; every fifth row is broken in some way."""
    faults = ["9136,2024,1,1", "{code},1999,1,1", "{code},2024,-1,1", "{code},2024,1,？", "{code},2024,1e9,1"]
    for i in range(60):
        body = f"91360100MA{i:06d}0"
        code = body + check_character(body)
        if i % 5 == 4:
            yield faults[(i // 5) % len(faults)].format(code=code), False
        else:
            yield f'{code},2024,"{i * 1000:,}.5",{i % 2}', True


def test_a_mixed_gb18030_file_accepts_exactly_the_valid_rows(tmp_path: Path) -> None:
    rows = list(mixed_rows())
    content = csv("统一社会信用代码,年度,研发费用总额,纳税信用D级", *(line for line, _ in rows))
    result, records = run(tmp_path, "tax", content, "2024年 税务.csv", encoding="gb18030")
    valid_rows = {number for number, (_, ok) in enumerate(rows, start=2) if ok}
    assert set(facts(records)) == valid_rows
    assert {i.row for i in result.row_errors} == {
        number for number, (_, ok) in enumerate(rows, start=2) if not ok
    }
    assert result.row_counts() == {"total": 60, "accepted": 48, "rejected": 12, "warnings": 0}
    assert facts(records)[3][2] == {"rd_expense": Decimal("1000.5"), "tax_credit_d": Decimal(1)}


# --- the result object ----------------------------------------------------------------------
def test_department_and_format_errors_together(tmp_path: Path) -> None:
    result, records = run(tmp_path, "police", b"x", "data.xls")
    assert file_codes(result) == [Code.UNKNOWN_DEPARTMENT, Code.UNSUPPORTED_FORMAT] and records == []


def test_stats_sends_its_cross_check_indicators(tmp_path: Path) -> None:
    result, records = run(
        tmp_path, "stats", csv("统一社会信用代码,年度,营业收入,研发费用总额", f"{A},2024,100,5")
    )
    assert result.file_errors == []
    assert facts(records) == {2: (A, 2024, {"operating_revenue": 100, "rd_expense": 5})}


def test_records_can_be_read_once_and_counts_are_final_after(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text(csv("credit_code,period,rd_expense", f"{A},2024,1", f"{A},2024,2"), encoding="utf-8")
    with validate_upload(MODEL, "tax", path, "f.csv", max_inflated_bytes=1 << 30, today=TODAY) as result:
        assert not result.complete and result.rejected == 0  # the duplicates are known after pass 2
        assert list(result) == []
        assert result.complete and result.rejected == 2 and result.accepted == 0
        with pytest.raises(RuntimeError):
            list(result.records())
