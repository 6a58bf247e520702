"""Zone reports (通报 of 高新区) and coverage (推广进度), contract 14 and 15: `GET /reports/zones` (+ .csv,
.xlsx; read whole by every reader of reports) and `GET /coverage` (admin; a city or zone key: its rows)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from chalice.app import Response
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.api.auth import ADMIN, CITY, DEPARTMENT, ZONE, Principal
from chalicelib.api.problems import ApiProblem, Code
from chalicelib.api.report_files import XLSX, file_answer
from chalicelib.api.report_period import report_period
from chalicelib.api.routing import Routes
from chalicelib.api.schemas import Period, ZoneLevel, ZoneType
from chalicelib.domain.model.schema import ScoringModel
from chalicelib.services.model_registry import active_model, model_by_version
from chalicelib.services.reports import RegionReport
from chalicelib.services.zone_reports import Coverage, ZoneReport, coverage, zone_report
from chalicelib.settings import Settings

routes = Routes(__name__)
READERS = (ADMIN, DEPARTMENT, CITY, ZONE)


class ZoneReportParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    period: Period | None = None
    type: ZoneType | None = None
    level: ZoneLevel | None = None
    since: date | None = Field(default=None, description="first day of the whitelist-move window")


class CoverageParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    period: Period | None = None
    level: Literal["city", "zone"] = "city"


def _model(version: str | None) -> ScoringModel:
    return model_by_version(version) if version else active_model()


def _report(params: ZoneReportParams) -> tuple[ZoneReport, RegionReport]:
    period = report_period(params.period)
    found = zone_report(
        period, active_model(), zone_type=params.type, zone_level=params.level, since=params.since
    )
    if found is None:
        raise ApiProblem(
            Code.REPORT_NOT_READY,
            f"no report for {period} yet: it is built within a minute of the period's first scores",
            f"{period} 年度的通报尚未生成：该年度有积分后一分钟内生成",
        )
    return found


def _file(params: ZoneReportParams, extension: Literal["csv", "xlsx"]) -> Response:
    _, tabular = _report(params)
    return file_answer(tabular, _model(tabular.model_version), extension)


def frozen_zones(period: int, since: date) -> list[dict[str, Any]]:
    """The zone report frozen into a published snapshot (`POST /reports/regions/publish`)."""
    found = zone_report(period, active_model(), since=since)
    return [item.model_dump(mode="json") for item in found[0].items] if found is not None else []


@routes(
    "/reports/zones",
    "GET",
    roles=READERS,
    response=ZoneReport,
    params=ZoneReportParams,
    not_found=True,
    summary="Zone report (通报 of 高新区) of a period: every block of the region report per zone",
)
def zones_report(principal: Principal, settings: Settings, params: ZoneReportParams) -> ZoneReport:
    return _report(params)[0]


@routes(
    "/reports/zones.csv",
    "GET",
    content_type="text/csv",
    roles=READERS,
    response=ZoneReport,
    params=ZoneReportParams,
    not_found=True,
    raw=True,
    summary="The zone report as CSV (UTF-8 with BOM, Chinese headers)",
)
def zones_report_csv(principal: Principal, settings: Settings, params: ZoneReportParams) -> Response:
    return _file(params, "csv")


@routes(
    "/reports/zones.xlsx",
    "GET",
    content_type=XLSX,
    roles=READERS,
    response=ZoneReport,
    params=ZoneReportParams,
    not_found=True,
    raw=True,
    summary="The zone report as an Excel workbook",
)
def zones_report_xlsx(principal: Principal, settings: Settings, params: ZoneReportParams) -> Response:
    return _file(params, "xlsx")


@routes(
    "/coverage",
    "GET",
    roles=(ADMIN, CITY, ZONE),
    response=Coverage,
    params=CoverageParams,
    not_found=True,
    summary="Rollout coverage (推广进度) per city or zone: registered, scored, complete, departments",
)
def coverage_report(principal: Principal, settings: Settings, params: CoverageParams) -> Coverage:
    period = report_period(params.period)
    departments = [d.id for d in active_model().departments]
    return coverage(period, params.level, principal.area, departments)
