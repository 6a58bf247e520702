"""Support information (支持信息, 积分贷): banks and departments report what they did for enterprises.

Contract 8. A bank writes and reads its own institution's records, a department its own; admin any.
Another institution's record answers 404, never 403, and lists never show it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Final, Literal

from chalice.app import Response
from pydantic import BaseModel, ConfigDict, Field, RootModel

from chalicelib.api import pagination
from chalicelib.api.auth import (
    ADMIN,
    BANK,
    CITY,
    DEPARTMENT,
    ENTERPRISE,
    INVESTOR,
    ORG,
    ZONE,
    Principal,
    department_ids,
)
from chalicelib.api.known import require_seen
from chalicelib.api.pagination import Cursor
from chalicelib.api.problems import ApiProblem, Code, problem_response, status_of
from chalicelib.api.routing import Routes, parse_json
from chalicelib.api.schemas import NextToken, NoParams, PageParams, Period, Region, ZoneFilterParams
from chalicelib.api.zone_filters import scoped
from chalicelib.domain import creditcode
from chalicelib.domain.china import today_in_china
from chalicelib.domain.numbers import Num
from chalicelib.domain.support.fields import Kind, OrgType, Status, SupportInput, SupportProblem
from chalicelib.domain.support.record import Outcome, SupportRecord
from chalicelib.domain.support.summary import EnterpriseSupport, days_waiting, summarise, waiting_since_before
from chalicelib.domain.upload_event import SUPPORT_PREFIX, Upload
from chalicelib.domain.validation.report import BatchReport
from chalicelib.services import support as service
from chalicelib.services import support_reads as reads
from chalicelib.services import zones
from chalicelib.settings import Settings

routes = Routes(__name__)

MAX_BODY_BYTES: Final = 1024 * 1024  # 500 records take about 300 KB; more is not a batch of records
WRITERS: Final = (ADMIN, BANK, DEPARTMENT, INVESTOR)  # an investor writes equity records only
LIST_READERS: Final = (*WRITERS, CITY, ZONE)  # a city or zone: every institution's, in its area (15)
JSON: Final = "application/json"


# --- shapes ------------------------------------------------------------------------------------


class SupportWrite(SupportInput):
    """One record as written: admin names the institution (`org`, `org_type`); a bank or department key
    writes its own."""

    org: str | None = None
    org_type: Literal["bank", "department", "investor"] | None = None


class SupportWriteMany(BaseModel):
    items: Annotated[list[SupportWrite], Field(min_length=1, max_length=service.MAX_BATCH)]


class SupportWriteBody(RootModel[SupportWrite | SupportWriteMany]):
    """`POST /support`: one record, or `{"items": [...]}` (documented; the handler parses the raw body so
    that each item's fault is answered on its own)."""


class SupportListParams(PageParams, ZoneFilterParams):
    period: Period | None = None
    status: Status | None = None
    kind: Kind | None = None
    region: Region | None = None
    credit_code: str | None = Field(default=None, max_length=40)
    org: str | None = Field(default=None, pattern=ORG.pattern, description="admin: one institution")


class SupportFileParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str = Field(
        min_length=len(SUPPORT_PREFIX) + 3, max_length=1024, description="the key POST /uploads gave"
    )


class OverdueParams(PageParams):
    days: int = Field(default=10, ge=0, le=3650, description="days an application has waited")
    region: Region | None = None


class SupportPage(BaseModel):
    model_config = ConfigDict(frozen=True)

    items: list[SupportRecord]
    next_token: NextToken = None


class VersionsPage(BaseModel):
    model_config = ConfigDict(frozen=True)

    record_id: str
    items: list[SupportRecord]


class ItemResult(BaseModel):
    """What became of one item of a batch (contract 13)."""

    model_config = ConfigDict(frozen=True)

    external_ref: str | None
    status: int
    record_id: str | None = Field(default=None, exclude_if=lambda v: v is None)
    code: str | None = Field(default=None, exclude_if=lambda v: v is None)
    detail: str | None = Field(default=None, exclude_if=lambda v: v is None)
    detail_zh: str | None = Field(default=None, exclude_if=lambda v: v is None)


class BatchResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    items: list[ItemResult]


class SupportWriteAnswer(RootModel[SupportRecord | BatchResult]):
    """200: one record updated or unchanged, or a batch's results (each item's own status inside)."""


class OverdueEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    credit_code: str
    name: str | None
    region_code: str | None
    days_waiting: int
    score_at_time: Num
    grade_at_time: str
    record: SupportRecord


class OverduePage(BaseModel):
    model_config = ConfigDict(frozen=True)

    days: int
    waiting_since_before: str
    items: list[OverdueEntry]
    next_token: NextToken = None


# --- who writes --------------------------------------------------------------------------------


def _own_org(principal: Principal) -> str | None:
    """The institution a non-admin caller acts for; None for admin. 403 for a bank key without one."""
    if principal.role == ADMIN:
        return None
    org = principal.institution
    if org is None:
        raise ApiProblem(
            Code.FORBIDDEN,
            "this key belongs to no institution: issue the bank a key with --org",
            "该密钥未绑定机构，请为银行签发带 --org 的密钥",
        )
    return org


def _problem(code: str, field: str, en: str, zh: str) -> SupportProblem:
    return SupportProblem(code, field, f"{field}: {en}", zh)


def _writer(principal: Principal, data: Mapping[str, Any], departments: frozenset[str]) -> service.Item:
    """The item with its writer: the caller's institution, or for admin the `org` it names."""
    rest = {k: v for k, v in data.items() if k not in ("org", "org_type")}
    org, org_type = data.get("org"), data.get("org_type")
    if principal.role != ADMIN:
        mine = _own_org(principal)
        assert mine is not None
        kind: OrgType = (
            "department" if principal.department else "investor" if principal.role == INVESTOR else "bank"
        )
        if (org is not None and org != mine) or (org_type is not None and org_type != kind):
            return service.Item(
                rest,
                None,
                _problem(
                    "FORBIDDEN",
                    "org",
                    f"a {kind} key writes records of its own institution ({mine}) only",
                    f"只能报送本机构（{mine}）的支持信息",
                ),
            )
        return service.Item(rest, service.Writer(mine, kind))
    if not isinstance(org, str) or not ORG.match(org):
        return service.Item(
            rest,
            None,
            _problem(
                "INVALID_FIELD",
                "org",
                "admin names the institution: 2-40 of a-z, 0-9 and -",
                "字段 org：管理员须填写机构标识（2–40 位小写字母、数字或 -）",
            ),
        )
    inferred = "department" if org in departments else "bank"
    if org_type is None:
        org_type = inferred
    if org_type not in ("bank", "department", "investor") or (org_type == "department") != (
        inferred == "department"
    ):
        return service.Item(
            rest,
            None,
            _problem(
                "INVALID_FIELD",
                "org_type",
                "department for a department id of the model, bank otherwise",
                "字段 org_type：部门标识对应 department，其他机构为 bank",
            ),
        )
    written_as: OrgType = (
        "department" if org_type == "department" else "investor" if org_type == "investor" else "bank"
    )
    return service.Item(rest, service.Writer(org, written_as))


def _as_api_problem(problem: SupportProblem) -> ApiProblem:
    return ApiProblem(Code(problem.code), problem.detail_en, problem.detail_zh)


def _body(raw: bytes | str | None) -> Any:
    data = raw.encode() if isinstance(raw, str) else raw or b""
    if len(data) > MAX_BODY_BYTES:
        raise ApiProblem(
            Code.BODY_TOO_LARGE,
            f"the body has {len(data)} bytes; at most {MAX_BODY_BYTES} (about 500 records)",
            f"请求体 {len(data)} 字节，上限 {MAX_BODY_BYTES} 字节（约 500 条记录）",
        )
    parsed = parse_json(data)
    if not isinstance(parsed, dict):
        raise ApiProblem(
            Code.INVALID_BODY,
            'send one record as a JSON object, or {"items": [...]}',
            '请以 JSON 对象提交一条记录，或以 {"items": [...]} 批量提交',
        )
    return parsed


def _items(body: dict[str, Any]) -> list[Any]:
    items = body["items"]
    if not isinstance(items, list) or not items or len(items) > service.MAX_BATCH:
        size = len(items) if isinstance(items, list) else "not a list"
        raise ApiProblem(
            Code.INVALID_FIELD,
            f"items: a list of 1 to {service.MAX_BATCH} records (got {size})",
            f"字段 items：须为 1–{service.MAX_BATCH} 条记录的列表（收到 {size}）",
        )
    return items


def _item_result(result: service.Result) -> ItemResult:
    if result.problem is not None:
        code = Code(result.problem.code)
        return ItemResult(
            external_ref=result.external_ref,
            status=status_of(code),
            code=code,
            detail=result.problem.detail_en,
            detail_zh=result.problem.detail_zh,
        )
    assert result.record is not None
    return ItemResult(
        external_ref=result.external_ref,
        status=201 if result.outcome is Outcome.CREATED else 200,
        record_id=result.record.record_id,
    )


@routes(
    "/support",
    "POST",
    problems=(409, 413),
    roles=WRITERS,
    response=SupportRecord,
    status=201,
    raw=True,
    documented_body=SupportWriteBody,
    also={200: SupportWriteAnswer},
    summary="Write one support record (201 created, 200 updated or unchanged), or {items: [...]} (≤ 500)",
)
def write_support(principal: Principal, settings: Settings) -> Response:
    if principal.role != ADMIN:
        _own_org(principal)  # a bank key without an institution writes nothing
    body = _body(routes.current_request.raw_body)
    departments = department_ids(settings.model_version)
    if "items" in body:
        items = []
        for entry in _items(body):
            if isinstance(entry, dict):
                items.append(_writer(principal, entry, departments))
            else:
                problem = _problem(
                    "INVALID_FIELD", "items", "each item is a JSON object", "每条记录须为 JSON 对象"
                )
                items.append(service.Item({}, None, problem))
        results = service.write_many(items)
        answer = BatchResult(items=[_item_result(r) for r in results])
        return Response(
            answer.model_dump_json(), status_code=200, headers={"Content-Type": "application/json"}
        )
    (result,) = service.write_many([_writer(principal, body, departments)])
    if result.problem is not None:
        return problem_response(_as_api_problem(result.problem))
    assert result.record is not None
    status = 201 if result.outcome is Outcome.CREATED else 200
    return Response(result.record.model_dump_json(), status_code=status, headers={"Content-Type": JSON})


# --- reads -------------------------------------------------------------------------------------


def checked_code(raw: str) -> str:
    code = creditcode.normalise(raw)
    problem = creditcode.problem(code)
    if problem is creditcode.CodeProblem.FORMAT:
        raise ApiProblem(Code.INVALID_CREDIT_CODE, "credit_code: 18 digits and capital letters")
    if problem is creditcode.CodeProblem.CHECKSUM:
        raise ApiProblem(Code.CREDIT_CODE_CHECKSUM, "credit_code: the check character does not match")
    return code


def _cursor(token: str | None, bound_to: bytes, secret: str) -> str | None:
    if token is None:
        return None
    cursor = pagination.decode(token, bound_to, secret)
    after = cursor.after.get("k")
    if after is None:
        raise ApiProblem(Code.INVALID_TOKEN, "next_token: not issued for this query")
    return after


def _token(found: reads.Found, bound_to: bytes, secret: str) -> str | None:
    if found.resume is None:
        return None
    return pagination.encode(Cursor(after={"k": found.resume}), bound_to, secret)


@routes(
    "/support",
    "GET",
    roles=LIST_READERS,
    response=SupportPage,
    params=SupportListParams,
    summary="The caller's visible support records, newest first (a city or zone key: its area's)",
)
def list_support(principal: Principal, settings: Settings, params: SupportListParams) -> SupportPage:
    # a city or zone key reads every institution's records on its area's enterprises (contract 15)
    mine = None if principal.role in (CITY, ZONE) else _own_org(principal)
    if mine is not None and params.org is not None and params.org != mine:
        return SupportPage(items=[])  # another institution's records are never listed
    params = scoped(principal, params)  # region and zone inside the area; else 403 OUTSIDE_AREA
    code = checked_code(params.credit_code) if params.credit_code is not None else None
    filters = reads.Filters(
        period=params.period,
        status=params.status,
        kind=params.kind,
        region=params.region,
        org=mine or params.org,
        credit_code=code,
    )
    wanted = zones.selected(params.zone, params.zone_type, params.zone_level)
    zone_binding = {"zone": params.zone, "zone_type": params.zone_type, "zone_level": params.zone_level}
    bound_to = pagination.binding("support", {**_filters_dict(filters), **zone_binding})
    after = _cursor(params.next_token, bound_to, settings.token_secret)
    found = reads.recent(filters, after, params.limit, in_zones=wanted)
    return SupportPage(
        items=[stored.record for _, stored in found.items],
        next_token=_token(found, bound_to, settings.token_secret),
    )


def _filters_dict(filters: reads.Filters) -> dict[str, object]:
    return {
        "period": filters.period,
        "status": filters.status,
        "kind": filters.kind,
        "region": filters.region,
        "org": filters.org,
        "credit_code": filters.credit_code,
    }


@routes(
    "/support/overdue",
    "GET",
    roles=(ADMIN, BANK, INVESTOR),
    response=OverduePage,
    params=OverdueParams,
    summary="Applications of whitelisted enterprises waiting longer than `days` with no decision",
)
def overdue(principal: Principal, settings: Settings, params: OverdueParams) -> OverduePage:
    mine = _own_org(principal)
    today = today_in_china()  # 13.1: days count China dates
    cutoff = waiting_since_before(today, params.days)
    bound_to = pagination.binding(
        "support/overdue", {"org": mine, "days": params.days, "region": params.region, "on": str(today)}
    )
    after = _cursor(params.next_token, bound_to, settings.token_secret)
    found = reads.pending(cutoff, mine, params.region, after, params.limit)
    items = [
        OverdueEntry(
            credit_code=stored.record.credit_code,
            name=stored.placed.name or None,
            region_code=stored.placed.region_code or None,
            days_waiting=days_waiting(stored.record, today),
            score_at_time=stored.record.score_at_time,
            grade_at_time=stored.record.grade_at_time,
            record=stored.record,
        )
        for _, stored in found.items
    ]
    return OverduePage(
        days=params.days,
        waiting_since_before=cutoff.isoformat(),
        items=items,
        next_token=_token(found, bound_to, settings.token_secret),
    )


def _not_found(record_id: str) -> ApiProblem:
    return ApiProblem(
        Code.SUPPORT_NOT_FOUND, f"no support record {record_id!r}", f"未找到支持记录 {record_id}"
    )


def _record_id(raw: str) -> str:
    if not raw or len(raw) > 64:
        raise _not_found(raw[:64])
    return raw


@routes(
    "/support/{record_id}",
    "GET",
    roles=WRITERS,
    response=SupportRecord,
    params=NoParams,
    not_found=True,
    summary="One support record (its current version)",
)
def get_support(principal: Principal, settings: Settings, params: NoParams, record_id: str) -> SupportRecord:
    found = service.get(_record_id(record_id), _own_org(principal))
    if found is None:
        raise _not_found(record_id)
    return found


@routes(
    "/support/{record_id}/versions",
    "GET",
    roles=WRITERS,
    response=VersionsPage,
    params=NoParams,
    not_found=True,
    summary="Every version of a support record, oldest first",
)
def support_versions(
    principal: Principal, settings: Settings, params: NoParams, record_id: str
) -> VersionsPage:
    found = service.versions(_record_id(record_id), _own_org(principal))
    if found is None:
        raise _not_found(record_id)
    return VersionsPage(record_id=record_id, items=found)


def enterprise_support(principal: Principal, code: str, *, with_items: bool = True) -> EnterpriseSupport:
    """Totals over every institution; the records the caller may see (admin: all) when asked."""
    records = service.of_enterprise(code)
    # an enterprise (its own file), a city or a zone (an enterprise of its area, as /support lists it):
    # every institution's records on it; a bank or department its own org's
    every = principal.role in (ENTERPRISE, CITY, ZONE)
    mine = None if every else _own_org(principal)
    items = [r for r in records if service.visible(r, mine)] if with_items else None
    return EnterpriseSupport(credit_code=code, summary=summarise(records), items=items)


@routes(
    "/enterprises/{credit_code}/support",
    "GET",
    roles=(ADMIN, BANK, INVESTOR, CITY, ZONE, ENTERPRISE),
    response=EnterpriseSupport,
    params=NoParams,
    summary="An enterprise's support: totals over every institution, the caller's visible records",
)
def support_of_enterprise(
    principal: Principal, settings: Settings, params: NoParams, credit_code: str
) -> EnterpriseSupport:
    return enterprise_support(principal, require_seen(checked_code(credit_code)))


def support_upload_key(principal: Principal, filename: str) -> str:
    """Where a support file of the caller goes: `support/<org>/<filename>` (the org from the key)."""
    org = _own_org(principal)
    if org is None:
        raise ApiProblem(
            Code.FORBIDDEN,
            "a support file belongs to an institution: upload it with a bank or department key",
            "支持信息文件须由银行或部门密钥上传",
        )
    return f"{SUPPORT_PREFIX}{org}/{filename}"


@routes(
    "/support/files",
    "GET",
    roles=WRITERS,
    response=BatchReport,
    params=SupportFileParams,
    not_found=True,
    summary="The report of a support file (its key as POST /uploads gave it), with every rejected row",
)
def support_file_report(principal: Principal, settings: Settings, params: SupportFileParams) -> BatchReport:
    mine = _own_org(principal)
    missing = ApiProblem(
        Code.SUPPORT_NOT_FOUND, f"no report for {params.key!r} (yet)", f"尚无文件 {params.key} 的处理报告"
    )
    upload = Upload(
        bucket=settings.upload_bucket, key=params.key, size=0, version_id=None, event_time="", sequencer=None
    )
    org = upload.support_org
    if org is None or (mine is not None and org != mine):
        raise missing  # another institution's file: as if it did not exist
    report = reads.file_report(settings.upload_bucket, upload.report_key)
    if report is None:
        raise missing
    return BatchReport.model_validate(report)
