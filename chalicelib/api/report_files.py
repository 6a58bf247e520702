"""Region reports as files: CSV (UTF-8 with BOM, so Excel and WPS read the Chinese right) and XLSX (the
通报 sheet a province office circulates), both with Chinese headers named from the scoring model.

One table layout serves both: a row per region in code order, then the province total. The XLSX adds a
title with the period and dates, formats every number (counts, 2-decimal means, percentages), freezes
the header and prints landscape on one page wide. openpyxl is imported only when a workbook is made.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Final, Literal
from urllib.parse import quote

from chalice.app import Response

from chalicelib.api.csv_cells import csv_cell
from chalicelib.domain.model.schema import ScoringModel
from chalicelib.domain.reports.blocks import RegionBlock
from chalicelib.domain.reports.inputs import CATEGORIES
from chalicelib.domain.reports.window import china_day
from chalicelib.services.reports import RegionReport, Snapshot

XLSX: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV: Final = "text/csv; charset=utf-8"
BOM: Final = "\ufeff"
LEVEL_NAMES: Final = {"city": "设区市", "district": "县（市、区）", "zone": "开发区（园区）"}
COUNT, MEAN, SHARE, TEXT = "#,##0", "#,##0.00", "0.00%", "@"


@dataclass(frozen=True, slots=True)
class Column:
    header: str
    value: Callable[[RegionBlock], Any]
    format: str
    width: int = 10


def columns(model: ScoringModel) -> list[Column]:
    """The table's columns; stage, grade and category names come from the model."""
    stages = {s.id: s.name_zh for s in model.stages}
    categories = {c.id: c.name_zh for c in model.categories}
    out = [
        Column("地区代码", lambda b: b.region_code, TEXT, 10),
        Column("地区名称", lambda b: b.name_zh, TEXT, 22),
        Column("评价企业数", lambda b: b.enterprises, COUNT),
    ]
    out += [Column(f"{name}企业数", _count("by_stage", sid), COUNT) for sid, name in stages.items()]
    out += [Column(f"{g.grade}级企业数", _count("by_grade", g.grade), COUNT) for g in model.grades]
    out += [
        Column("平均积分", lambda b: b.score.mean, MEAN),
        Column("积分中位数", lambda b: b.score.median, MEAN),
        Column("积分P90", lambda b: b.score.p90, MEAN),
    ]
    out += [Column(f"{categories.get(c, c)}平均分", _category(c), MEAN, 12) for c in CATEGORIES]
    out += [
        Column("平均数据完整度", lambda b: b.completeness_mean, SHARE, 12),
        Column("白名单企业数", lambda b: b.whitelist, COUNT, 12),
        Column("白名单占比", lambda b: b.whitelist_share, SHARE),
        Column("新进入白名单", lambda b: b.entered, COUNT, 12),
        Column("退出白名单", lambda b: b.left, COUNT),
        Column("支持记录数", lambda b: b.support.records, COUNT),
        Column("获得放款企业数", lambda b: b.support.enterprises_disbursed, COUNT, 12),
        Column("放款金额（万元）", lambda b: b.support.disbursed_wan, MEAN, 14),
        Column("加权平均利率（%）", lambda b: b.support.mean_rate_pct, MEAN, 14),
        Column("政策匹配数", lambda b: b.policy_matches, COUNT),
    ]
    return out


def _count(field: str, key: str) -> Callable[[RegionBlock], int]:
    return lambda b: int(getattr(b, field).get(key, 0))


def _category(category: str) -> Callable[[RegionBlock], Decimal | None]:
    return lambda b: b.categories.get(category)


def _rows(report: RegionReport) -> list[RegionBlock]:
    return [*report.items, report.province.model_copy(update={"name_zh": f"{report.province.name_zh}合计"})]


def filename(report: RegionReport, extension: str) -> str:
    return f"{report.period}年度创新积分{LEVEL_NAMES.get(report.level, report.level)}通报.{extension}"


def disposition(name: str) -> str:
    """An attachment header any browser reads: an ASCII fallback and the UTF-8 name (RFC 6266 / 5987)."""
    ascii_name = name.encode("ascii", "ignore").decode() or "report"
    ascii_name = ascii_name.replace('"', "") if "." in ascii_name else f"report.{name.rsplit('.', 1)[-1]}"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


def to_csv(report: RegionReport, model: ScoringModel) -> str:
    cols = columns(model)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.header for c in cols])
    for block in _rows(report):
        writer.writerow([csv_cell(c.value(block), text=c.format == TEXT) for c in cols])
    return BOM + out.getvalue()


def _day(stamp: str) -> str:
    """A stored UTC stamp as the date in China."""
    moment = datetime.strptime(stamp[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
    return china_day(moment).isoformat()


def _title(report: RegionReport, snapshot: Snapshot | None) -> list[str]:
    level = LEVEL_NAMES.get(report.level, report.level)
    lines = [
        f"江西省企业创新积分制试点成效通报（{report.period}年度，按{level}）",
        f"数据截至 {_day(report.as_of)}；白名单变动统计区间 {report.since.isoformat()} 至 "
        f"{_day(report.as_of)}；积分模型 {report.model_version}",
    ]
    if snapshot is not None:
        lines.append(f"发布日期 {_day(snapshot.published_at)}；通报编号 {snapshot.snapshot_id}")
    return lines


def to_xlsx(report: RegionReport, model: ScoringModel, snapshot: Snapshot | None = None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    cols = columns(model)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("通报")
    for i, col in enumerate(cols, start=1):  # widths before any row, as write-only mode requires
        sheet.column_dimensions[get_column_letter(i)].width = col.width
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    title_lines = _title(report, snapshot)
    sheet.freeze_panes = f"C{len(title_lines) + 3}"
    sheet.print_title_rows = f"{len(title_lines) + 2}:{len(title_lines) + 2}"
    thin = Side(style="thin", color="999999")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)

    def cell(value: Any, *, fmt: str | None = None, bold: bool = False, size: int | None = None) -> Any:
        c = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str):
            c.data_type = "s"  # text, never a formula (openpyxl reads a leading "=" as one)
        if fmt is not None:
            c.number_format = fmt
            c.border = box
        c.font = Font(name="宋体", bold=bold, size=size or 10)
        return c

    for n, line in enumerate(title_lines):
        sheet.append([cell(line, bold=n == 0, size=16 if n == 0 else 10)])
    sheet.append([])
    header = []
    for col in cols:
        h = cell(col.header, fmt=TEXT, bold=True)
        h.alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")
        header.append(h)
    sheet.append(header)
    rows = _rows(report)
    for index, block in enumerate(rows):
        total = index == len(rows) - 1
        sheet.append([cell(c.value(block), fmt=c.format, bold=total) for c in cols])
    sheet.append([])
    sheet.append(
        [cell("说明：评价企业数为本年度已评价积分的企业；白名单为积分达到入库线且无一票否决情形的企业；")]
    )
    sheet.append(
        [cell("支持情况统计本年度贷款和授信中已放款或已还款的记录，利率按放款金额加权平均；空白表示无数据。")]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def headers(content_type: str, name: str) -> dict[str, str | list[str]]:
    return {"Content-Type": content_type, "Content-Disposition": disposition(name)}


def file_answer(
    report: RegionReport,
    model: ScoringModel,
    extension: Literal["csv", "xlsx"],
    snapshot: Snapshot | None = None,
) -> Response:
    """The answer that downloads a report: CSV (UTF-8 with BOM, Chinese headers) or an Excel workbook."""
    if extension == "csv":
        body: str | bytes = to_csv(report, model)
        content_type = CSV
    else:
        body = to_xlsx(report, model, snapshot=snapshot)
        content_type = XLSX
    return Response(body=body, status_code=200, headers=headers(content_type, filename(report, extension)))


def column_headers(model: ScoringModel) -> Sequence[str]:
    return [c.header for c in columns(model)]
