"""Zones (contract 14): the catalogue (`GET /zones`, `PUT /zones/{zone_id}`) and an enterprise's membership
records (`GET /enterprises/{credit_code}/zones`, inside the caller's area like every enterprise route)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.api import queries
from chalicelib.api.auth import ADMIN, ANY_ROLE, BANK, CITY, DEPARTMENT, ENTERPRISE, ZONE, Principal
from chalicelib.api.problems import ApiProblem, Code
from chalicelib.api.routing import Routes
from chalicelib.api.schemas import NoParams, ZoneLevel, ZoneType
from chalicelib.domain.zones.catalogue import Zone, ZoneFields, ZoneProblem, sorted_zones
from chalicelib.services import zones
from chalicelib.settings import Settings

routes = Routes(__name__)


class ZoneOut(BaseModel):
    model_config = ConfigDict(frozen=True)

    zone_id: str
    name_zh: str
    level: ZoneLevel
    type: ZoneType
    city_codes: list[str] = Field(description="the 4-digit cities it lies in")
    former_names: list[str]
    status: Literal["active", "merged"]
    merged_into: str | None
    pilot: bool = Field(description="true for 高新区 (hitech)")
    rollout_due: str = Field(description="2025-12-31 for hitech zones, 2026-12-31 for the others")


class ZoneList(BaseModel):
    model_config = ConfigDict(frozen=True)

    items: list[ZoneOut]


class MembershipOut(BaseModel):
    model_config = ConfigDict(frozen=True)

    credit_code: str
    zone_id: str
    valid_from: str
    valid_to: str | None = Field(description="null: open")
    basis: Literal["registration_authority", "unit_list"]
    source: str = Field(description="the uploaded file's key")
    batch_id: str
    recorded_at: str


class MembershipList(BaseModel):
    model_config = ConfigDict(frozen=True)

    items: list[MembershipOut]


def _out(zone: Zone) -> ZoneOut:
    return ZoneOut.model_validate(zone.as_dict())


@routes("/zones", "GET", roles=(ANY_ROLE,), response=ZoneList, params=NoParams, summary="The zone catalogue")
def zone_list(principal: Principal, settings: Settings, params: NoParams) -> ZoneList:
    return ZoneList(items=[_out(z) for z in sorted_zones(list(zones.catalogue().zones.values()))])


@routes(
    "/zones/{zone_id}",
    "PUT",
    roles=(ADMIN,),
    response=ZoneOut,
    body=ZoneFields,
    summary="Add a zone or change one: a rename keeps the former name, a merge moves its members",
)
def put_zone(principal: Principal, settings: Settings, body: ZoneFields, zone_id: str) -> ZoneOut:
    try:
        return _out(zones.put_zone(zone_id, body.model_dump()))
    except ZoneProblem as problem:
        raise ApiProblem(Code.INVALID_FIELD, problem.en, problem.zh) from problem


@routes(
    "/enterprises/{credit_code}/zones",
    "GET",
    roles=(ADMIN, BANK, DEPARTMENT, CITY, ZONE, ENTERPRISE),
    response=MembershipList,
    params=NoParams,
    not_found=True,
    summary="Every zone membership record of an enterprise, newest first (可追溯)",
)
def enterprise_zones(
    principal: Principal, settings: Settings, params: NoParams, credit_code: str
) -> MembershipList:
    code = queries.credit_code(credit_code)
    return MembershipList(items=[MembershipOut.model_validate(m.as_dict()) for m in zones.memberships(code)])
