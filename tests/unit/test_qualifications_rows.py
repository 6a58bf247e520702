"""Qualification files and records (contract 17, 19.1): row codes, duplicates, held-for-P, flag values."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from chalicelib.domain.creditcode import complete
from chalicelib.domain.cultivation.programs import CultivationFile, load_programs
from chalicelib.domain.model.schema import load_model
from chalicelib.domain.qualifications.file_rows import read_qualification_file
from chalicelib.domain.qualifications.records import Qualification, flag_periods, flag_values, holds

CATALOGUE: CultivationFile = load_programs(load_model("jx-2025.1-provisional"))
A = complete("91360100MA35AAAA0")
B = complete("91360100MA35BBBB0")


def _read(tmp_path: Path, text: str, department: str = "sci", name: str = "q.csv"):  # type: ignore[no-untyped-def]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return read_qualification_file(path, name, department, CATALOGUE, max_inflated_bytes=10**8)


def test_valid_rows_are_read_by_id_or_chinese_name(tmp_path: Path) -> None:
    text = (
        "统一社会信用代码,资质,证书编号,起始日期,截止日期\n"
        f"{A},高新技术企业,GR202336000001,2023-11-01,2026-10-31\n"
        f"{B.lower()},tech_sme,2025360100000123,2025/5/1,2026年4月30日\n"
    )
    with _read(tmp_path, text) as found:
        assert found.file_errors == [] and found.row_errors == []
        assert [(r.credit_code, r.qualification, r.valid_to) for r in found.rows] == [
            (A, "hnte", date(2026, 10, 31)),
            (B, "tech_sme", date(2026, 4, 30)),
        ]


def test_each_bad_row_gets_its_code_and_nothing_valid_is_lost(tmp_path: Path) -> None:
    rows = [
        f"{A},hnte,GR1,2023-01-01,2025-12-31",  # 2 valid
        f"{A},srdi,ZJ1,2023-01-01,2025-12-31",  # 3 NOT_ISSUER (miit issues srdi)
        f"{A},独角兽,X1,2023-01-01,2025-12-31",  # 4 UNKNOWN_QUALIFICATION
        f"{A},hnte,GR2,2025-01-01,2024-12-31",  # 5 INVALID_DATE (valid_to before valid_from)
        f"{A},hnte,{'9' * 41},2023-01-01,2025-12-31",  # 6 41 characters
        f"{B},hnte,GR3,2023-01-01,2025-12-31",  # 7, 8 the same certificate twice
        f"{B},hnte,GR3,2023-02-01,2025-12-31",
        f"{A[:-1]}0,hnte,GR4,2023-01-01,2025-12-31"
        if not A.endswith("0")
        else f"{A[:-1]}1,hnte,GR4,2023-01-01,2025-12-31",
        f"{A},hnte,GR5,2023-13-01,2025-12-31",  # 10 INVALID_DATE
        f"{A},hnte,{'9' * 40},2023-01-01,2025-12-31",  # 11 40 characters: fine
    ]
    with _read(
        tmp_path, "credit_code,qualification,certificate_no,valid_from,valid_to\n" + "\n".join(rows)
    ) as found:
        assert [r.row for r in found.rows] == [2, 11]
        assert [(e["row"], e["code"]) for e in found.row_errors] == [
            (3, "NOT_ISSUER"),
            (4, "UNKNOWN_QUALIFICATION"),
            (5, "INVALID_DATE"),
            (6, "OUT_OF_RANGE"),
            (7, "DUPLICATE_ROW"),
            (8, "DUPLICATE_ROW"),
            (9, "CREDIT_CODE_CHECKSUM"),
            (10, "INVALID_DATE"),
        ]
        assert all(e["message_zh"] and e["message_en"] for e in found.row_errors)
        assert found.total == 10


def test_miit_may_send_little_giant_but_not_hnte(tmp_path: Path) -> None:
    text = (
        "credit_code,qualification,certificate_no,valid_from,valid_to\n"
        f'{A},专精特新"小巨人"企业,XJR1,2024-01-01,2026-12-31\n'
        f"{A},hnte,GR1,2024-01-01,2026-12-31\n"
    )
    with _read(tmp_path, text, "miit") as found:
        assert [r.qualification for r in found.rows] == ["little_giant"]
        assert [e["code"] for e in found.row_errors] == ["NOT_ISSUER"]


@pytest.mark.parametrize(
    ("header", "code"),
    [
        ("credit_code,qualification,certificate_no,valid_from", "MISSING_COLUMN"),
        ("credit_code,qualification,certificate_no,valid_from,valid_to,period", "UNKNOWN_COLUMN"),
    ],
)
def test_header_faults_reject_the_file(tmp_path: Path, header: str, code: str) -> None:
    with _read(tmp_path, header + f"\n{A},hnte,GR1,2024-01-01,2026-12-31,x\n") as found:
        assert [e.code for e in found.file_errors] == [code]


def _q(qualification: str, start: str, end: str, cert: str = "C1") -> Qualification:
    return Qualification(A, qualification, cert, date.fromisoformat(start), date.fromisoformat(end))


def test_held_for_a_period_means_held_on_its_last_day() -> None:
    q = _q("hnte", "2023-01-01", "2025-12-31")
    assert q.held_for(2023) and q.held_for(2025)
    assert not q.held_for(2026)
    assert not _q("hnte", "2025-12-31", "2026-06-30").held_for(2024)
    assert _q("hnte", "2025-12-31", "2025-12-31").held_for(2025)
    assert holds(CATALOGUE, [_q("little_giant", "2024-01-01", "2026-12-31")], 2025) == {
        "little_giant",
        "srdi",
    }


def test_flag_values_one_when_held_zero_when_expired_absent_when_no_record_of_the_kind() -> None:
    records = [
        _q("hnte", "2021-01-01", "2023-12-31", "OLD"),  # expired after 2023
        _q("little_giant", "2024-06-01", "2027-05-31", "XJR"),
        _q("tech_sme", "2025-01-01", "2025-12-31", "T"),  # no flag of its own
    ]
    assert flag_values(CATALOGUE, records, [2023, 2025]) == {
        2023: {"high_tech_enterprise": Decimal(1), "srdi_enterprise": Decimal(0)},
        2025: {"high_tech_enterprise": Decimal(0), "srdi_enterprise": Decimal(1)},
    }
    assert flag_values(CATALOGUE, [_q("tech_sme", "2025-01-01", "2025-12-31")], [2025]) == {}


def test_no_period_is_created_by_a_qualification_alone() -> None:
    flags = ["high_tech_enterprise", "srdi_enterprise", "gazelle_unicorn"]
    facts = {2023: ["high_tech_enterprise"], 2024: ["rd_expense", "srdi_enterprise"], 2025: []}
    assert flag_periods(facts, flags) == [2024]
