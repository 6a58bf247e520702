"""CSV and XLSX exports neutralise text cells that would be formulas, and keep numbers numeric
(issue 23, item 11)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from chalicelib.api.csv_cells import csv_cell, text_cell
from chalicelib.api.report_files import to_csv, to_xlsx
from chalicelib.domain.model.schema import load_model
from chalicelib.domain.reports.blocks import build_blocks
from chalicelib.services.reports import RegionReport
from chalicelib.settings import get_settings

MODEL = load_model(get_settings().model_version)


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_text_cell_that_would_be_a_formula_is_neutralised(start: str) -> None:
    assert text_cell(f'{start}HYPERLINK("http://x")') == f'\'{start}HYPERLINK("http://x")'
    assert csv_cell(f"{start}1+1", text=True) == f"'{start}1+1"


def test_plain_text_and_numbers_are_kept() -> None:
    assert text_cell("江西某科技有限公司") == "江西某科技有限公司"
    assert csv_cell(Decimal("-12.50"), text=False) == Decimal("-12.50")
    assert csv_cell(-3, text=True) == -3  # a number is never a text cell
    assert csv_cell(None, text=True) == ""


def _report(name: str) -> RegionReport:
    figures = build_blocks([], stages=[s.id for s in MODEL.stages], grades=[g.grade for g in MODEL.grades])
    province = figures.province.model_copy(update={"name_zh": name})
    city = figures.province.model_copy(update={"region_code": "3601", "name_zh": name})
    return RegionReport(
        period=2025,
        level="city",
        model_version=MODEL.version,
        as_of="2026-03-20T01:00:00Z",
        since="2026-01-01",
        province=province,
        items=(city,),
    )


def test_the_region_report_csv_and_xlsx_write_no_formula() -> None:
    name = '=HYPERLINK("http://evil.example","点我")'
    rows = list(csv.reader(io.StringIO(to_csv(_report(name), MODEL).lstrip("\ufeff"))))
    assert rows[1][1] == "'" + name
    assert rows[1][2] == "0"  # counts stay numbers

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(to_xlsx(_report(name), MODEL))).active
    assert sheet is not None
    cells = [
        c for row in sheet.iter_rows() for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value
    ]
    assert cells and all(c.data_type == "s" for c in cells)
