"""The codes of contract 2.3 and their messages: complete, renderable, in the report's shapes."""

from __future__ import annotations

import re
import string
from datetime import date
from pathlib import Path

import pytest

from chalicelib.domain import messages
from chalicelib.domain.messages import Code, Issue, issue
from chalicelib.domain.model.schema import load_model
from chalicelib.domain.validation.upload import validate_upload

MODEL = load_model("jx-2025.1-provisional")
A = "91350100M000100Y43"
CJK = re.compile(r"[\u4e00-\u9fff]")

CONTRACT_FILE_ERRORS = {
    "FILE_TOO_LARGE",
    "UNSUPPORTED_FORMAT",
    "UNDECODABLE_TEXT",
    "EMPTY_FILE",
    "MISSING_COLUMN",
    "UNKNOWN_COLUMN",
    "COLUMN_NOT_OWNED",
    "DUPLICATE_COLUMN",
    "UNKNOWN_DEPARTMENT",
}
CONTRACT_ROW_ERRORS = {
    "INVALID_CREDIT_CODE",
    "CREDIT_CODE_CHECKSUM",
    "INVALID_PERIOD",
    "INVALID_NUMBER",
    "OUT_OF_RANGE",
    "INVALID_FLAG",
    "INVALID_DATE",
    "INVALID_REGION",
    "INVALID_INDUSTRY",
    "DUPLICATE_ROW",
    "INVALID_ROW",
    "OUTSIDE_ZONE_CITY",  # a zone's unit list (contract 15)
}


def test_the_codes_are_exactly_the_contracts() -> None:
    assert {c.value for c in messages.FILE_ERRORS} == CONTRACT_FILE_ERRORS
    assert {c.value for c in messages.ROW_ERRORS} == CONTRACT_ROW_ERRORS
    # UNKNOWN_ZONE: the registry's zone column (contract 14, 19.1)
    assert {c.value for c in messages.WARNINGS} == {"ENTERPRISE_NOT_REGISTERED", "UNKNOWN_ZONE"}


@pytest.mark.parametrize("code", sorted(messages.FILE_ERRORS | messages.ROW_ERRORS | messages.WARNINGS))
def test_every_report_code_has_a_general_message(code: Code) -> None:
    assert (code, None) in messages.TEMPLATES


@pytest.mark.parametrize("code", list(Code))
def test_every_code_is_a_report_code_or_an_api_problem_with_both_titles(code: Code) -> None:
    in_reports = code in messages.FILE_ERRORS | messages.ROW_ERRORS | messages.WARNINGS
    assert in_reports or code in messages.PROBLEMS
    if code in messages.PROBLEMS:
        status, title, title_zh = messages.PROBLEMS[code]
        assert 400 <= status < 600 and title and CJK.search(title_zh)


@pytest.mark.parametrize(("key", "texts"), list(messages.TEMPLATES.items()), ids=str)
def test_every_template_renders_in_chinese_and_english(
    key: tuple[Code, str | None], texts: tuple[str, str]
) -> None:
    zh, en = texts
    names = {name for text in texts for _, name, _, _ in string.Formatter().parse(text) if name}
    rendered = [text.format(**dict.fromkeys(names, "⟨x⟩")) for text in texts]
    assert CJK.search(rendered[0])  # Chinese, and English words in English (which may quote 2025年)
    assert len(re.findall(r"[A-Za-z]{2,}", rendered[1])) >= 4
    assert all("⟨x⟩" in text for text in rendered) or not names
    assert len(zh) > 10 and len(en) > 20


def test_row_errors_have_the_contract_shape() -> None:
    found = issue(
        Code.INVALID_NUMBER, row=7, column="rd_expense", column_zh="研发费用总额", value="abc", unit="万元"
    )
    assert list(found.to_dict()) == ["row", "column", "value", "code", "message_zh", "message_en"]
    assert found.to_dict()["code"] == "INVALID_NUMBER" and found.to_dict()["row"] == 7
    assert "研发费用总额" in found.message_zh and "abc" in found.message_zh and "万元" in found.message_zh
    assert "rd_expense" in found.message_en and "abc" in found.message_en


def test_file_errors_have_the_contract_shape() -> None:
    found = issue(Code.EMPTY_FILE)
    assert found.to_dict() == {
        "code": "EMPTY_FILE",
        "column": None,
        "message_zh": found.message_zh,
        "message_en": found.message_en,
    }


def test_long_values_are_shortened_in_reports() -> None:
    found = issue(Code.INVALID_NUMBER, row=2, column="x", value="9" * 500, unit="")
    assert found.value is not None and len(found.value) == messages.MAX_VALUE_CHARS


def test_helpers_for_the_service() -> None:
    big = messages.file_too_large(300 * 1024 * 1024, 200 * 1024 * 1024)
    assert big.code is Code.FILE_TOO_LARGE and "300.0 MB" in big.message_zh and "200 MB" in big.message_en
    warning = messages.enterprise_not_registered(5, A)
    assert warning.to_dict()["row"] == 5 and warning.to_dict()["value"] == A
    assert list(warning.to_dict()) == ["row", "column", "value", "code", "message_zh", "message_en"]


# Every message variant, produced the way a department meets it, names the column and the value.
REGISTRY = "credit_code,name,established_on,region_code,industry_code\n{A},"
CASES = [
    ("hrss", "credit_code,period,employees\n{A},2024,3.5\n", "not_whole", "整数"),
    ("hrss", "credit_code,period,employees\n{A},2024,35%\n", "percent_not_allowed", "不能带 %"),
    ("tax", "credit_code,period,rd_expense\n{A},2024,0.00000000001\n", "too_precise", "小数位数过多"),
    ("sci", "credit_code,period,high_tech_revenue_ratio\n{A},2024,120%\n", "share", "0 到 100"),
    ("tax", "credit_code,period,rd_expense\n{A},2024,1000000000000000\n", "too_large", "单位"),
    ("tax", "credit_code,period,rd_expense\n{A},2024,-1\n", "negative", "负"),
    ("registry", REGISTRY + "甲,2030-1-1,360100,C\n", "future", "晚于今天"),
    ("registry", REGISTRY + "甲,1899-1-1,360100,C\n", "too_old", "1900"),
    ("registry", REGISTRY + "甲,,360100,C\n", "missing", "为空"),
    ("registry", REGISTRY + "甲,2019-1-1,,C\n", "missing", "为空"),
    ("registry", REGISTRY + "甲,2019-1-1,360100,A39\n", "section_mismatch", "门类 A"),
    ("registry", REGISTRY + "甲,2019-1-1,360100,\n", "missing", "为空"),
    ("registry", REGISTRY + ",2019-1-1,360100,C\n", "missing_name", "企业名称"),
]


@pytest.mark.parametrize(("department", "content", "variant", "says"), CASES)
def test_each_message_variant_as_departments_meet_it(
    tmp_path: Path, department: str, content: str, variant: str, says: str
) -> None:
    path = tmp_path / "f.csv"
    path.write_text(content.format(A=A), encoding="utf-8")
    with validate_upload(
        MODEL, department, path, "f.csv", max_inflated_bytes=1 << 30, today=date(2025, 6, 30)
    ) as result:
        assert list(result.records()) == []
    (found,) = result.row_errors
    assert isinstance(found, Issue) and found.row == 2
    assert says in found.message_zh, found.message_zh
    assert "{" not in found.message_zh + found.message_en
    assert found.column is not None and found.column in found.message_en
