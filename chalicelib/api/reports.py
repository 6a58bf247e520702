"""Region reports (通报), their files and snapshots, and indicator statistics (contract 10).

Every route reads what the report builder stored (GetItem and one Query): never the score cards.
Files: `.csv` is text (UTF-8 with BOM); `.xlsx` is binary, so a client must accept it (`Accept:
*/*` as browsers and curl send, or the XLSX type): Chalice base64-encodes it for API Gateway.
A snapshot is read as JSON at `/reports/snapshots/{id}` and as the printable sheet at
`/reports/snapshots/{id}.xlsx` (one route: API Gateway path parameters are whole segments).
"""

from __future__ import annotations

from typing import Literal

from chalice.app import Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from chalicelib.api import pagination
from chalicelib.api.areas import list_scope
from chalicelib.api.auth import ADMIN, CITY, DEPARTMENT, ZONE, Principal
from chalicelib.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, MAX_TOKEN_CHARS, MIN_LIMIT
from chalicelib.api.problems import ApiProblem, Code
from chalicelib.api.report_files import XLSX, file_answer
from chalicelib.api.routing import Routes
from chalicelib.api.schemas import (
    TOKEN_PATTERN,
    TOKEN_TEXT,
    Day,
    NextToken,
    Period,
    ZoneId,
    ZoneLevel,
    ZoneType,
)
from chalicelib.api.zone_reports import frozen_zones
from chalicelib.domain.model.schema import ScoringModel, Stage
from chalicelib.domain.zones.reports import statistics_group
from chalicelib.services.model_registry import model_by_version
from chalicelib.services.reports import (
    IndicatorStatistics,
    RegionReport,
    ReportReader,
    Snapshot,
    SnapshotLine,
)
from chalicelib.services.zones import catalogue, zone_cities
from chalicelib.settings import Settings

routes = Routes(__name__)
READERS = (ADMIN, DEPARTMENT, CITY, ZONE)  # 通报 are read whole (contract 15)
XLSX_SUFFIX = ".xlsx"


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReportParams(_Params):
    period: Period | None = None
    level: Literal["city", "district"] = "city"
    since: Day | None = Field(default=None, description="first day of the whitelist-move window (YYYY-MM-DD)")


class PublishBody(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    period: Period
    level: Literal["city", "district"] = "city"
    since: Day | None = None


class StatisticsParams(_Params):
    period: Period | None = None
    region: str = Field(
        default="36",
        pattern=r"^36([0-9]{2}){0,2}$",
        description="36 (province), a city (3601) or a district (360111)",
    )
    stage: Stage | None = None
    zone: ZoneId | None = Field(default=None, description="one zone's enterprises (contract 14)")
    zone_type: ZoneType | None = Field(default=None, description="the enterprises in zones of this type")
    zone_level: ZoneLevel | None = Field(default=None, description="the enterprises in zones of this level")

    @field_validator("region")
    @classmethod
    def _level(cls, region: str) -> str:
        if not (
            region.isascii() and region.isdigit() and region.startswith("36") and len(region) in (2, 4, 6)
        ):
            raise ValueError("region must be 36, a city code (4 digits) or a district code (6 digits)")
        return region


def _model(version: str) -> ScoringModel:
    return model_by_version(version)


def _reader() -> ReportReader:
    return ReportReader()


def _period(reader: ReportReader, period: int | None) -> int:
    if period is not None:
        return period
    latest = reader.latest_period()
    if latest is None:
        raise ApiProblem(Code.REPORT_NOT_READY, "no report has been built yet", "尚未生成任何通报")
    return latest


def _not_ready(period: int) -> ApiProblem:
    return ApiProblem(
        Code.REPORT_NOT_READY,
        f"no report for {period} yet: it is built within a minute of the period's first scores",
        f"{period} 年度的通报尚未生成：该年度有积分后一分钟内生成",
    )


def _report(params: ReportParams) -> RegionReport:
    reader = _reader()
    period = _period(reader, params.period)
    report = reader.region_report(period, params.level, params.since)
    if report is None:
        raise _not_ready(period)
    return report


@routes(
    "/reports/regions",
    "GET",
    roles=READERS,
    response=RegionReport,
    params=ReportParams,
    not_found=True,
    summary="Region report (通报) of a period by city or district",
)
def region_report(principal: Principal, settings: Settings, params: ReportParams) -> RegionReport:
    return _report(params)


@routes(
    "/reports/regions.csv",
    "GET",
    content_type="text/csv",
    roles=READERS,
    response=RegionReport,
    params=ReportParams,
    not_found=True,
    raw=True,
    summary="The region report as CSV (UTF-8 with BOM, Chinese headers)",
)
def region_report_csv(principal: Principal, settings: Settings, params: ReportParams) -> Response:
    report = _report(params)
    return file_answer(report, _model(report.model_version or settings.model_version), "csv")


@routes(
    "/reports/regions.xlsx",
    "GET",
    content_type=XLSX,
    roles=READERS,
    response=RegionReport,
    params=ReportParams,
    not_found=True,
    raw=True,
    summary="The region report as an Excel workbook",
)
def region_report_xlsx(principal: Principal, settings: Settings, params: ReportParams) -> Response:
    report = _report(params)
    return file_answer(report, _model(report.model_version or settings.model_version), "xlsx")


@routes(
    "/reports/regions/publish",
    "POST",
    roles=(ADMIN,),
    response=Snapshot,
    body=PublishBody,
    status=201,
    not_found=True,
    summary="Freeze the current region report as an immutable snapshot",
)
def publish(principal: Principal, settings: Settings, body: PublishBody) -> Snapshot:
    by = principal.label or principal.role
    snapshot = _reader().publish(body.period, body.level, body.since, by=by, zones=frozen_zones)
    if snapshot is None:
        raise _not_ready(body.period)
    return snapshot


class SnapshotsParams(_Params):
    period: Period
    limit: int = Field(default=DEFAULT_LIMIT, ge=MIN_LIMIT, le=MAX_LIMIT)
    next_token: str | None = Field(
        default=None, min_length=3, max_length=MAX_TOKEN_CHARS, pattern=TOKEN_PATTERN, description=TOKEN_TEXT
    )


class SnapshotsPage(BaseModel):
    model_config = ConfigDict(frozen=True)

    period: int
    items: list[SnapshotLine]
    next_token: NextToken = None


@routes(
    "/reports/snapshots",
    "GET",
    roles=READERS,
    response=SnapshotsPage,
    params=SnapshotsParams,
    summary="The snapshots (通报) published for a period, newest first",
)
def snapshots(principal: Principal, settings: Settings, params: SnapshotsParams) -> SnapshotsPage:
    bound_to = pagination.binding("report_snapshots", {"period": params.period})
    cursor = (
        pagination.decode(params.next_token, bound_to, settings.token_secret) if params.next_token else None
    )
    lines, last = _reader().snapshots(params.period, cursor.after.get("sk") if cursor else None, params.limit)
    token = None
    if last is not None:
        token = pagination.encode(pagination.Cursor(after={"sk": last}), bound_to, settings.token_secret)
    return SnapshotsPage(period=params.period, items=lines, next_token=token)


@routes(
    "/reports/snapshots/{snapshot_id}",
    "GET",
    files=(XLSX,),
    roles=READERS,
    response=Snapshot,
    not_found=True,
    raw=True,
    summary="A published snapshot, unchanged forever (append .xlsx for the printable 通报)",
)
def snapshot(principal: Principal, settings: Settings, snapshot_id: str) -> Response:
    as_sheet = snapshot_id.endswith(XLSX_SUFFIX)
    ident = snapshot_id.removesuffix(XLSX_SUFFIX)
    found = _reader().snapshot(ident) if 0 < len(ident) <= 64 else None
    if found is None:
        raise ApiProblem(Code.SNAPSHOT_NOT_FOUND, f"no snapshot {ident}", f"未找到通报快照 {ident}")
    if as_sheet:
        return file_answer(found, _model(found.model_version or settings.model_version), "xlsx", found)
    return Response(
        body=found.model_dump_json(), status_code=200, headers={"Content-Type": "application/json"}
    )


@routes(
    "/statistics/indicators",
    "GET",
    roles=READERS,
    response=IndicatorStatistics,
    params=StatisticsParams,
    not_found=True,
    summary="Statistics of the core indicators (指标数据统计分析) by region and stage",
)
def indicator_statistics(
    principal: Principal, settings: Settings, params: StatisticsParams
) -> IndicatorStatistics:
    reader = _reader()
    period = _period(reader, params.period)
    # a city's or zone's key reads its own area (contract 15); a zone's figures are kept per zone
    scope = list_scope(principal, None if params.region == "36" else params.region, params.zone, zone_cities)
    region = scope.region or "36"
    zoned = scope.zone is not None or params.zone_type is not None or params.zone_level is not None
    if zoned and len(region) > 4:
        raise ApiProblem(
            Code.INVALID_PARAMETER,
            "region: statistics by zone narrow to a city at most (36 or 4 digits)",
            "参数 region 无效：按园区的指标统计最多细分到设区市",
        )
    group = statistics_group(catalogue(), region, scope.zone, params.zone_type, params.zone_level)
    found = reader.indicator_statistics(period, group, params.stage)
    if found is None:
        raise _not_ready(period)
    return found.model_copy(update={"region": region})
