"""Objections (异议, contract 16): file, list, read, resolve, withdraw, versions.

Who reads what: admin every objection; a department those it answers; an enterprise its own; a city
or zone key those of enterprises in its area (read only). Anyone else's objection is 404 (no existence
leak), resolving one that another department answers included.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from chalicelib.api import pagination
from chalicelib.api.areas import list_scope, require_in_area
from chalicelib.api.auth import ADMIN, CITY, DEPARTMENT, ENTERPRISE, ZONE, Principal
from chalicelib.api.pagination import Cursor
from chalicelib.api.problems import ApiProblem, Code
from chalicelib.api.routing import Routes, json_body
from chalicelib.api.schemas import NextToken, PageParams, Period
from chalicelib.api.support import checked_code
from chalicelib.domain.areas import Location
from chalicelib.domain.numbers import Num
from chalicelib.domain.objections.objection import (
    MAX_EVIDENCE_CHARS,
    MAX_REASON_CHARS,
    REJECTED,
    ClaimProblem,
    NotObjectableError,
    Objection,
    UnknownFieldError,
    value_out,
)
from chalicelib.services import objections as service
from chalicelib.services.objections import china_date
from chalicelib.settings import Settings
from chalicelib.stores import objections as store

routes = Routes(__name__)

READERS = (ADMIN, DEPARTMENT, ENTERPRISE, CITY, ZONE)


def _text(value: str) -> str:
    stripped = value.strip()
    if not stripped:
        raise ValueError("must not be empty")
    return stripped


Reason = Annotated[str, Field(min_length=1, max_length=MAX_REASON_CHARS), AfterValidator(_text)]


class FileBody(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    credit_code: str = Field(min_length=1, max_length=40)
    period: Period
    field: str = Field(min_length=1, max_length=80, description="indicator.<id> or master.<name|…>")
    claimed_value: Any = Field(description="as an upload would send it; null: the value should be absent")
    reason: Reason
    evidence: str | None = Field(default=None, max_length=MAX_EVIDENCE_CHARS)


class ResolveBody(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    decision: Literal["corrected", "rejected"]
    value: Any = Field(default=None, description="corrected: the value to write (default: the claimed one)")
    reason: Reason | None = Field(default=None, description="required to reject, optional to correct")


class NoBody(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Value = Num | str | None


class DeliveryOut(BaseModel):
    state: str
    attempts: int
    last_status: int | None


class ObjectionOut(BaseModel):
    objection_id: str
    credit_code: str
    region_code: str | None = None
    zone_id: str | None = None
    period: int
    field: str
    current_value: Value
    claimed_value: Value
    reason: str
    evidence: str | None = None
    department: str
    status: str
    opened_at: str
    due_on: str
    overdue: bool
    version: int
    decision: str | None = None
    value: Value = None
    resolve_reason: str | None = None
    resolved_at: str | None = None
    updated_at: str | None = None
    delivery: DeliveryOut | None = None


class ObjectionPage(BaseModel):
    items: list[ObjectionOut]
    next_token: NextToken = None


class VersionsOut(BaseModel):
    items: list[ObjectionOut]


class ObjectionParams(PageParams):
    status: Literal["open", "corrected", "rejected", "withdrawn"] | None = None
    department: str | None = Field(default=None, pattern=r"^[a-z]{2,20}$")
    period: Period | None = None
    overdue: bool | None = None


def _today() -> str:
    return china_date(datetime.now(UTC)).isoformat()


def out(objection: Objection) -> ObjectionOut:
    def shown(text: str | None) -> Decimal | str | None:
        return value_out(objection.field, text)

    return ObjectionOut(
        objection_id=objection.objection_id,
        credit_code=objection.credit_code,
        region_code=objection.region_code,
        zone_id=objection.zone_id,
        period=objection.period,
        field=objection.field,
        current_value=shown(objection.current_value),
        claimed_value=shown(objection.claimed_value),
        reason=objection.reason,
        evidence=objection.evidence,
        department=objection.department,
        status=objection.status,
        opened_at=objection.opened_at,
        due_on=objection.due_on,
        overdue=objection.overdue(china_date(datetime.now(UTC))),
        version=objection.version,
        decision=objection.decision,
        value=shown(objection.value),
        resolve_reason=objection.resolve_reason,
        resolved_at=objection.resolved_at,
        updated_at=objection.updated_at,
        delivery=DeliveryOut.model_validate(objection.delivery) if objection.delivery else None,
    )


def may_read(principal: Principal, objection: Objection) -> bool:
    if principal.role == ADMIN:
        return True
    if principal.department is not None:
        return objection.department == principal.department
    return principal.area.contains(Location(objection.credit_code, objection.region_code, objection.zone_id))


def _not_found(objection_id: str) -> ApiProblem:
    return ApiProblem(Code.OBJECTION_NOT_FOUND, f"no objection {objection_id}", f"未找到异议 {objection_id}")


def _claim(problem: ClaimProblem) -> ApiProblem:
    return ApiProblem(
        Code.INVALID_VALUE,
        f"{problem.field}: {problem.message_en} ({problem.code})",
        f"{problem.field}：{problem.message_zh}（{problem.code}）",
    )


@routes(
    "/objections",
    "POST",
    roles=(ADMIN, ENTERPRISE),
    response=ObjectionOut,
    body=FileBody,
    status=201,
    summary="File an objection (异议) to a value of an enterprise's file (an enterprise: its own)",
)
def file_objection(principal: Principal, settings: Settings, body: FileBody) -> ObjectionOut:
    code = checked_code(body.credit_code)
    require_in_area(principal, code)  # an enterprise objects for itself only: 404 for any other
    filing = service.Filing(
        credit_code=code,
        period=body.period,
        field=body.field,
        claimed_value=body.claimed_value,
        reason=body.reason,
        evidence=body.evidence,
        opened_by=principal.role if principal.org is None else f"{principal.role}:{principal.org}",
    )
    try:
        return out(service.file_objection(filing))
    except NotObjectableError as exc:
        inputs = ", ".join(f"indicator.{i}" for i in exc.inputs)
        raise ApiProblem(
            Code.NOT_OBJECTABLE,
            f"field: {exc.field} is derived; object to its inputs: {inputs}",
            f"字段 {exc.field} 由其他指标计算得出，请对其输入指标提出异议：{inputs}",
        ) from exc
    except UnknownFieldError as exc:
        raise ApiProblem(Code.INVALID_FIELD, f"field: {exc}", f"字段 field 无效：{exc}") from exc
    except ClaimProblem as exc:
        raise _claim(exc) from exc
    except service.EnterpriseUnknownError as exc:
        raise ApiProblem(
            Code.ENTERPRISE_NOT_FOUND, f"no enterprise {code}", f"没有统一社会信用代码为 {code} 的企业"
        ) from exc
    except service.ObjectionConflictError as exc:
        raise ApiProblem(Code.OBJECTION_CONFLICT) from exc
    except store.ObjectionOpenError as exc:
        existing = store.open_on(code, body.period, body.field)
        raise ApiProblem(
            Code.OBJECTION_OPEN,
            f"an objection on {body.field} for {body.period} is open: {existing}",
            f"该企业 {body.period} 年度 {body.field} 已有未办结的异议：{existing}",
        ) from exc


@routes(
    "/objections",
    "GET",
    roles=READERS,
    response=ObjectionPage,
    params=ObjectionParams,
    summary="Objections the caller may read, newest first (overdue=true: open past their due date)",
)
def list_objections(principal: Principal, settings: Settings, params: ObjectionParams) -> ObjectionPage:
    credit_code = None
    department = params.department
    region = zone = None
    if principal.role == ENTERPRISE:
        credit_code = principal.org
    elif principal.department is not None:
        if department is not None and department != principal.department:
            raise ApiProblem(
                Code.FORBIDDEN,
                "a department lists the objections it answers",
                "部门只能查看由本部门答复的异议",
            )
        department = principal.department
    elif principal.role != ADMIN:
        scope = list_scope(principal, None, None)
        region, zone = scope.region, scope.zone
    today = _today() if params.overdue else None
    filters = store.Filters(
        status=params.status,
        period=params.period,
        department=department,
        overdue_before=today,
        region_prefix=region,
        zone_id=zone,
    )
    bound_to = pagination.binding(
        "objections",
        {
            "status": params.status,
            "period": params.period,
            "department": department,
            "overdue": today,
            "region": region,
            "zone": zone,
            "credit_code": credit_code,
        },
    )
    after = None
    if params.next_token is not None:
        after = pagination.decode(params.next_token, bound_to, settings.token_secret).after.get("k")
        if after is None:
            raise ApiProblem(Code.INVALID_TOKEN, "next_token: not issued for this query")
    found = store.page(credit_code=credit_code, filters=filters, after=after, limit=params.limit + 1)
    token = None
    if len(found) > params.limit:
        cursor = Cursor(after={"k": found[params.limit - 1][0]})
        token = pagination.encode(cursor, bound_to, settings.token_secret)
    return ObjectionPage(items=[out(o) for _, o in found[: params.limit]], next_token=token)


def _readable(principal: Principal, objection_id: str) -> Objection:
    found = store.get(objection_id)
    if found is None or not may_read(principal, found):
        raise _not_found(objection_id)
    return found


@routes(
    "/objections/{objection_id}",
    "GET",
    roles=READERS,
    response=ObjectionOut,
    not_found=True,
    summary="One objection as it is now",
)
def get_objection(principal: Principal, settings: Settings, objection_id: str) -> ObjectionOut:
    return out(_readable(principal, objection_id))


@routes(
    "/objections/{objection_id}/versions",
    "GET",
    roles=READERS,
    response=VersionsOut,
    not_found=True,
    summary="Every state of an objection, oldest first",
)
def objection_versions(principal: Principal, settings: Settings, objection_id: str) -> VersionsOut:
    _readable(principal, objection_id)
    return VersionsOut(items=[out(o) for o in store.versions(objection_id)])


def _moved(call: Any, objection_id: str) -> ObjectionOut:
    try:
        return out(call())
    except service.ObjectionNotFoundError as exc:
        raise _not_found(objection_id) from exc
    except service.InvalidTransitionError as exc:
        raise ApiProblem(
            Code.INVALID_TRANSITION,
            f"the objection is {exc.status}: it cannot become {exc.to}",
            f"该异议状态为 {exc.status}，不能变更为 {exc.to}",
        ) from exc
    except ClaimProblem as exc:
        raise _claim(exc) from exc
    except service.ObjectionConflictError as exc:
        raise ApiProblem(Code.OBJECTION_CONFLICT) from exc
    except service.EnterpriseUnknownError as exc:
        raise ApiProblem(Code.ENTERPRISE_NOT_FOUND) from exc


@routes(
    "/objections/{objection_id}/resolve",
    "POST",
    roles=(ADMIN, DEPARTMENT),
    response=ObjectionOut,
    body=ResolveBody,
    not_found=True,
    summary="Answer an objection: corrected (writes the value and rescores) or rejected (with a reason)",
)
def resolve_objection(
    principal: Principal, settings: Settings, body: ResolveBody, objection_id: str
) -> ObjectionOut:
    if body.decision == REJECTED and body.reason is None:
        raise ApiProblem(Code.INVALID_FIELD, "reason: required to reject", "驳回异议须填写理由（reason）")
    sent = json_body(routes.current_request)  # "value": null (absent) differs from no "value" (the claim)
    value: Any = body.value if isinstance(sent, dict) and "value" in sent else service.UNSET
    return _moved(
        lambda: service.resolve_objection(
            objection_id,
            body.decision,
            value=value,
            reason=body.reason,
            resolved_by=principal.department or principal.role,
            may_answer=lambda o: principal.role == ADMIN or o.department == principal.department,
        ),
        objection_id,
    )


@routes(
    "/objections/{objection_id}/withdraw",
    "POST",
    roles=(ADMIN, ENTERPRISE),
    response=ObjectionOut,
    not_found=True,
    summary="The enterprise takes its open objection back (nothing is published)",
)
def withdraw_objection(principal: Principal, settings: Settings, objection_id: str) -> ObjectionOut:
    return _moved(
        lambda: service.withdraw_objection(
            objection_id, may_withdraw=lambda o: principal.role == ADMIN or o.credit_code == principal.org
        ),
        objection_id,
    )
