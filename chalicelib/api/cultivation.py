"""Cultivation (梯次培育) and qualifications (contract 17): programs, candidates (JSON and CSV), one
enterprise's standing and certificates, and where a qualification file goes."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Final
from urllib.parse import quote

from chalice.app import Response
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.api import pagination, queries
from chalicelib.api.areas import list_scope
from chalicelib.api.auth import ADMIN, ANY_ROLE, BANK, CITY, ENTERPRISE, INVESTOR, ZONE, Principal
from chalicelib.api.pagination import Cursor
from chalicelib.api.problems import ApiProblem, Code
from chalicelib.api.routing import Routes
from chalicelib.api.schemas import NextToken, PageParams, Period, PortraitParams, QualificationOut, Region
from chalicelib.domain.cultivation.assess import Assessment, CriterionResult
from chalicelib.domain.cultivation.programs import CultivationFile, ProgramDef
from chalicelib.domain.numbers import Num
from chalicelib.domain.qualifications.records import Qualification
from chalicelib.services import cultivation
from chalicelib.services.model_registry import active_model
from chalicelib.services.zones import zone_cities
from chalicelib.settings import Settings
from chalicelib.stores.cultivation import Entry

routes = Routes(__name__)

ISSUERS: Final = ("department:sci", "department:miit")
CANDIDATE_READERS: Final = (ADMIN, *ISSUERS, CITY, ZONE)
STANDING_READERS: Final = (ENTERPRISE, ADMIN, *ISSUERS, CITY, ZONE)
HISTORY_READERS: Final = (ENTERPRISE, ADMIN, BANK, INVESTOR, *ISSUERS, CITY, ZONE)
CSV_SUFFIX: Final = ".csv"
BOM: Final = "\ufeff"
MAX_UNMET: Final = 5

ZoneId = Annotated[str, Field(pattern=r"^[A-Z0-9-]{3,24}$", description="a zone id (contract 14)")]


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class CriterionOut(_Out):
    id: str
    name_zh: str
    field: str
    op: str
    value: Num | None = Field(default=None, description="the threshold, unless it goes by bands")
    bands: dict[str, Any] | None = None


class ProgramOut(_Out):
    program: str
    name_zh: str
    target: str
    target_name_zh: str
    criteria: list[CriterionOut]


class QualificationDefOut(_Out):
    id: str
    name_zh: str
    issuer: str
    flag: str | None
    counts_as: list[str]


class ProgramsOut(_Out):
    version: str
    items: list[ProgramOut]
    qualifications: list[QualificationDefOut]


class CriterionResultOut(_Out):
    id: str
    name_zh: str
    field: str
    op: str
    threshold: Num
    actual: Num | None
    met: bool
    gap: Num | None


class CandidateOut(_Out):
    credit_code: str
    name: str | None
    region_code: str | None
    zone_id: str | None
    stage: str
    score: Num
    grade: str
    unmet: int
    closeness: Num
    criteria: list[CriterionResultOut]


class CandidatesPage(_Out):
    period: int
    program: str
    items: list[CandidateOut]
    next_token: NextToken
    as_of: str | None = None


class CandidatesParams(PageParams):
    period: Period | None = None
    region: Region | None = None
    zone: ZoneId | None = None
    max_unmet: int = Field(default=1, ge=0, le=MAX_UNMET)


class ProgramStandingOut(_Out):
    program: str
    held: bool
    unmet: int
    closeness: Num
    criteria: list[CriterionResultOut]


class StandingOut(_Out):
    period: int
    holds: list[str]
    programs: list[ProgramStandingOut]


class QualificationVersionOut(_Out):
    qualification: str
    name_zh: str
    certificate_no: str
    valid_from: str
    valid_to: str
    department: str
    batch_id: str
    received_at: str


class QualificationsOut(_Out):
    credit_code: str
    items: list[QualificationOut] = Field(description="current certificates; `held`: today")
    history: list[QualificationVersionOut] = Field(description="every uploaded version, oldest first")


# --- shaping ------------------------------------------------------------------------------------


def _program_out(ladder: CultivationFile, program: ProgramDef) -> ProgramOut:
    target = ladder.qualification(program.target)
    return ProgramOut(
        program=program.id,
        name_zh=program.name_zh,
        target=program.target,
        target_name_zh=target.name_zh if target else program.target,
        criteria=[
            CriterionOut(
                id=c.id,
                name_zh=c.name_zh,
                field=c.field,
                op=c.op,
                value=c.value,
                bands=c.bands.model_dump(mode="json") if c.bands else None,
            )
            for c in program.criteria
        ],
    )


def _results(results: tuple[CriterionResult, ...]) -> list[CriterionResultOut]:
    return [
        CriterionResultOut(
            id=r.id,
            name_zh=r.name_zh,
            field=r.field,
            op=r.op,
            threshold=r.threshold,
            actual=r.actual,
            met=r.met,
            gap=r.gap,
        )
        for r in results
    ]


def _entry_out(program: ProgramDef, entry: Entry) -> CandidateOut:
    criteria = tuple(
        CriterionResult(c.id, c.name_zh, c.field, c.op, threshold, actual, met, gap)
        for c, (threshold, actual, met, gap) in zip(program.criteria, entry.criteria, strict=True)
    )
    return CandidateOut(
        credit_code=entry.credit_code,
        name=entry.name,
        region_code=entry.region_code,
        zone_id=entry.zone_id,
        stage=entry.stage,
        score=entry.score,
        grade=entry.grade,
        unmet=entry.unmet,
        closeness=entry.closeness,
        criteria=_results(criteria),
    )


def _standing_out(program: ProgramDef, result: Assessment) -> ProgramStandingOut:
    return ProgramStandingOut(
        program=program.id,
        held=result.held,
        unmet=result.unmet,
        closeness=result.closeness,
        criteria=_results(result.criteria),
    )


def _program(ladder: CultivationFile, raw: str) -> ProgramDef:
    found = ladder.program(raw)
    if found is None:
        known = ", ".join(p.id for p in ladder.programs)
        raise ApiProblem(
            Code.PROGRAM_NOT_FOUND,
            f"no program {raw!r} (known: {known})",
            f"未找到培育计划 {raw}（可选：{known}）",
        )
    return found


def qualification_out(record: Qualification, period: int | None) -> QualificationOut:
    return QualificationOut.model_validate(cultivation.qualification_fields(record, period))


def qualification_upload_key(principal: Principal, filename: str) -> str:
    """Where a qualification file goes: `qualifications/<department>/<filename>`, for an issuer only."""
    department = principal.department
    ladder = cultivation.ladder()
    if department is None or all(q.issuer != department for q in ladder.qualifications):
        issuers = sorted({q.issuer for q in ladder.qualifications})
        raise ApiProblem(
            Code.FORBIDDEN,
            f"only an issuing department ({', '.join(issuers)}) uploads qualifications",
            f"只有资质认定部门（{'、'.join(issuers)}）可以上传资质文件",
        )
    return f"qualifications/{department}/{filename}"


# --- CSV ----------------------------------------------------------------------------------------


def _cell(value: object) -> str:
    if value is None:
        return ""
    text = format(value, "f") if isinstance(value, Decimal) else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") and not _numeric(text) else text


def _numeric(text: str) -> bool:
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return True


def candidates_csv(page: cultivation.CandidatePage) -> str:
    """Chinese headers, UTF-8 with BOM; after the enterprise columns two per criterion in program order."""
    stages: dict[str, str] = {str(s.id): s.name_zh for s in active_model().stages}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    header = [
        "统一社会信用代码",
        "企业名称",
        "行政区划代码",
        "所属园区",
        "发展阶段",
        "积分",
        "等级",
        "未满足条件数",
        "接近度",
    ]
    for criterion in page.program.criteria:
        header += [f"{criterion.name_zh}实际值", f"{criterion.name_zh}差距"]
    writer.writerow(header)
    for entry in page.entries:
        row = [
            entry.credit_code,
            entry.name,
            entry.region_code,
            entry.zone_id,
            stages.get(entry.stage, entry.stage),
            entry.score,
            entry.grade,
            entry.unmet,
            entry.closeness,
        ]
        for _threshold, actual, _met, gap in entry.criteria:
            row += [actual, gap]
        writer.writerow([_cell(v) for v in row])
    return BOM + out.getvalue()


# --- routes -------------------------------------------------------------------------------------


@routes(
    "/cultivation",
    "GET",
    roles=(ANY_ROLE,),
    response=ProgramsOut,
    summary="The cultivation programs (梯次培育) and the qualification ladder, as shipped",
)
def programs(principal: Principal, settings: Settings) -> ProgramsOut:
    ladder = cultivation.ladder()
    return ProgramsOut(
        version=ladder.version,
        items=[_program_out(ladder, p) for p in ladder.programs],
        qualifications=[
            QualificationDefOut(
                id=q.id, name_zh=q.name_zh, issuer=q.issuer, flag=q.flag, counts_as=list(q.counts_as)
            )
            for q in ladder.qualifications
        ],
    )


@routes(
    "/cultivation/{program}",
    "GET",
    files=("text/csv",),  # `<program>.csv`
    roles=CANDIDATE_READERS,
    response=CandidatesPage,
    params=CandidatesParams,
    not_found=True,
    raw=True,
    summary="A program's candidates for P (unmet asc, closeness desc, credit code); "
    "`/cultivation/<program>.csv`: every candidate as CSV (UTF-8 with BOM)",
)
def candidates(principal: Principal, settings: Settings, params: CandidatesParams, program: str) -> Response:
    as_csv = program.endswith(CSV_SUFFIX)
    found = _program(cultivation.ladder(), program.removesuffix(CSV_SUFFIX))
    scope = list_scope(principal, params.region, params.zone, zone_cities)  # a city key: its city's zones
    bound_to = pagination.binding(
        "cultivation",
        {
            "program": found.id,
            "period": params.period,
            "region": scope.region,
            "zone": scope.zone,
            "max_unmet": params.max_unmet,
        },
    )
    cursor = (
        pagination.decode(params.next_token, bound_to, settings.token_secret) if params.next_token else None
    )
    period = params.period or (cursor.period if cursor and cursor.period else None) or queries.latest_period()
    if as_csv:
        whole = cultivation.all_candidates(
            found, period, region=scope.region, zone=scope.zone, max_unmet=params.max_unmet
        )
        if whole is None:
            raise _not_built(period)
        name = quote(f"培育库-{found.id}-{period}.csv")
        return Response(
            body=candidates_csv(whole),
            status_code=200,
            headers={
                "Content-Type": "text/csv; charset=utf-8",
                "Content-Disposition": f'attachment; filename="cultivation-{found.id}-{period}.csv"; '
                f"filename*=UTF-8''{name}",
            },
        )
    position = int(cursor.after.get("position", "0")) if cursor else 0
    page = cultivation.candidates(
        found,
        period,
        region=scope.region,
        zone=scope.zone,
        max_unmet=params.max_unmet,
        position=position,
        limit=params.limit,
    )
    if page is None:
        raise _not_built(period)
    token = (
        pagination.encode(
            Cursor(after={"position": str(page.next_position)}, period=period),
            bound_to,
            settings.token_secret,
        )
        if page.next_position is not None
        else None
    )
    body = CandidatesPage(
        period=period,
        program=found.id,
        items=[_entry_out(found, e) for e in page.entries],
        next_token=token,
        as_of=page.as_of,
    )
    return Response(
        body=body.model_dump_json(), status_code=200, headers={"Content-Type": "application/json"}
    )


def _not_built(period: int) -> ApiProblem:
    return ApiProblem(
        Code.REPORT_NOT_READY,
        f"the candidates of {period} are not built yet (within a minute of the first scores)",
        f"{period} 年度的培育候选名单尚未生成（首批积分后约一分钟内生成）",
    )


@routes(
    "/enterprises/{credit_code}/cultivation",
    "GET",
    roles=STANDING_READERS,
    response=StandingOut,
    params=PortraitParams,
    not_found=True,
    summary="An enterprise's standing against every cultivation program for P (自我评估)",
)
def enterprise_cultivation(
    principal: Principal, settings: Settings, params: PortraitParams, credit_code: str
) -> StandingOut:
    portrait = queries.portrait(credit_code, params.period)
    values = {i.id: i.value for i in portrait.indicators}
    founded = date.fromisoformat(portrait.established_on) if portrait.established_on else None
    found = cultivation.standing(portrait.credit_code, portrait.period, values, founded)
    return StandingOut(
        period=found.period,
        holds=sorted(found.holds),
        programs=[_standing_out(p, r) for p, r in found.programs],
    )


@routes(
    "/enterprises/{credit_code}/qualifications",
    "GET",
    roles=HISTORY_READERS,
    response=QualificationsOut,
    not_found=True,
    summary="An enterprise's certificates (held today) and every uploaded version of them (一企一档)",
)
def enterprise_qualifications(
    principal: Principal, settings: Settings, credit_code: str
) -> QualificationsOut:
    code = queries.credit_code(credit_code)
    ladder = cultivation.ladder()
    current = cultivation.current_qualifications(code)
    history = cultivation.qualification_history(code)
    if not current and not history:
        raise ApiProblem(
            Code.ENTERPRISE_NOT_FOUND, f"no qualification of {code}", f"未找到企业 {code} 的资质记录"
        )
    names = {q.id: q.name_zh for q in ladder.qualifications}
    return QualificationsOut(
        credit_code=code,
        items=[qualification_out(r, None) for r in current],
        history=[
            QualificationVersionOut(
                qualification=r.qualification,
                name_zh=names.get(r.qualification, r.qualification),
                certificate_no=r.certificate_no,
                valid_from=r.valid_from.isoformat(),
                valid_to=r.valid_to.isoformat(),
                department=r.department,
                batch_id=r.batch_id,
                received_at=r.received_at,
            )
            for r in history
        ],
    )
