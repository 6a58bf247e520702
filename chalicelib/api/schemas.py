"""Pydantic models of the API's boundaries: query parameters, bodies and responses.

The same models validate requests, shape responses and generate the OpenAPI document
(`chalicelib.api.openapi`), so the three cannot drift apart. Decimals leave as JSON numbers.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from chalicelib.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, MAX_TOKEN_CHARS, MIN_LIMIT
from chalicelib.domain.china import china_year
from chalicelib.domain.model.schema import STAGES, Stage, available_versions, load_model
from chalicelib.domain.numbers import Num
from chalicelib.domain.support.summary import EnterpriseSupport
from chalicelib.domain.validation.report import BatchReport
from chalicelib.domain.values import FIRST_PERIOD

UPLOAD_EXTENSIONS = (".csv", ".xlsx", ".jsonl")
MAX_FILENAME_CHARS = 200
# The grades any shipped model names: what OpenAPI lists. A request is checked against the ACTIVE
# model's grades (a registered model may name others), read through the registry's 5 s cache.
GRADES: tuple[str, ...] = tuple(
    dict.fromkeys(g.grade for version in available_versions() for g in load_model(version).grades)
)


def _not_future(period: int) -> int:
    if period > china_year():
        raise ValueError(f"a period is a year from {FIRST_PERIOD} to the current year")
    return period


def _known_grade(grade: str) -> str:
    from chalicelib.services.model_registry import active_model  # reads the registry: not at import

    grades = [g.grade for g in active_model().grades]
    if grade not in grades:
        raise ValueError(f"grade must be one of {', '.join(grades)}")
    return grade


Period = Annotated[int, Field(ge=FIRST_PERIOD, description="a year (年度)"), AfterValidator(_not_future)]
Region = Annotated[
    str, Field(pattern=r"^36[0-9]{0,4}$", description="region code prefix: 36, 3601 or 360111")
]
# a page token as the API issues it: two base64url parts (payload, signature) joined by a dot
TOKEN_PATTERN = r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$"
TOKEN_TEXT = "the next_token of the previous page, unchanged"


def _iso_day(value: object) -> object:
    if isinstance(value, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value) is None:
        raise ValueError("a day is written YYYY-MM-DD")
    if not isinstance(value, str | date):
        raise ValueError("a day is written YYYY-MM-DD")
    return value


# a calendar day, written YYYY-MM-DD only (pydantic alone would also take a number of seconds)
Day = Annotated[date, BeforeValidator(_iso_day)]
Industry = Annotated[
    str, Field(pattern=r"^[A-T][0-9]{0,4}$", description="GB/T 4754 industry code prefix: C or C39")
]
Grade = Annotated[str, Field(json_schema_extra={"enum": list(GRADES)}), AfterValidator(_known_grade)]


def _absent_if_none(value: object) -> bool:
    return value is None


# --- requests --------------------------------------------------------------------------------


class _Params(BaseModel):
    """Query parameters: unknown ones are refused, so a misspelt filter is a 400, not ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class PageParams(_Params):
    limit: int = Field(default=DEFAULT_LIMIT, ge=MIN_LIMIT, le=MAX_LIMIT)
    next_token: str | None = Field(
        default=None, min_length=3, max_length=MAX_TOKEN_CHARS, pattern=TOKEN_PATTERN, description=TOKEN_TEXT
    )


class NoParams(_Params):
    pass


class PortraitParams(_Params):
    period: Period | None = None


class HistoryParams(PageParams):
    pass


ZoneId = Annotated[str, Field(pattern=r"^[A-Z0-9-]{3,24}$", description="a zone id (contract 14)")]
ZoneType = Literal["hitech", "econ", "new_area", "park"]
ZoneLevel = Literal["national", "provincial"]


class ZoneFilterParams(_Params):
    """Contract 14's zone filters: one zone (its merged zones included), a type, a level."""

    zone: ZoneId | None = None
    zone_type: ZoneType | None = None
    zone_level: ZoneLevel | None = None


Qualification = Annotated[
    str, Field(pattern=r"^[a-z][a-z0-9_]{1,39}$", description="a qualification id (contract 17), held for P")
]


class WhitelistParams(PageParams, ZoneFilterParams):
    period: Period | None = None
    region: Region | None = None
    stage: Stage | None = None
    grade: Grade | None = None
    qualification: Qualification | None = None


class RankingsParams(PageParams, ZoneFilterParams):
    period: Period | None = None
    stage: Stage | None = None
    region: Region | None = None
    industry: Industry | None = None
    qualification: Qualification | None = None


class BatchesParams(PageParams):
    key: str = Field(min_length=1, max_length=1024, description="the S3 key of the upload")


class VerificationsParams(PageParams):
    period: Period | None = None


class RescoreBody(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    period: Period | None = None


def _upload_filename(name: str) -> str:
    if "/" in name or "\\" in name:
        raise ValueError("a file name may not contain a path separator")
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise ValueError("a file name may not contain control characters")
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem.strip() or f".{ext.lower()}" not in UPLOAD_EXTENSIONS:
        raise ValueError(f"a file name needs a name and one of the extensions {', '.join(UPLOAD_EXTENSIONS)}")
    return name


class UploadBody(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    filename: Annotated[
        str, Field(min_length=1, max_length=MAX_FILENAME_CHARS), AfterValidator(_upload_filename)
    ]
    kind: Literal["data", "support", "qualifications", "zone_members"] = Field(
        default="data",
        description="data: a department's indicators; support: support records (contract 8); "
        "qualifications: sci's and miit's certificates (contract 17); "
        "zone_members: a zone's unit list 入统企业名录 (contract 15)",
    )
    zone_id: ZoneId | None = Field(
        default=None, description="zone_members only: the zone (a zone key may omit it; admin must name one)"
    )


# --- responses -------------------------------------------------------------------------------


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class Health(_Out):
    status: Literal["ok"]
    model_version: str


class StageOut(_Out):
    id: Stage
    name_zh: str


class CategoryDefOut(_Out):
    id: str
    name_zh: str
    kind: str


class ModelIndicatorOut(_Out):
    id: str
    name_zh: str
    category: str | None
    kind: str
    unit: str | None
    type: str
    source: str
    full: dict[Stage, Num] | None = Field(default=None, exclude_if=_absent_if_none)
    weight: dict[Stage, Num] | None = Field(default=None, exclude_if=_absent_if_none)
    points: Num | None = Field(default=None, exclude_if=_absent_if_none)
    cap: Num | None = Field(default=None, exclude_if=_absent_if_none)
    veto: bool | None = Field(default=None, exclude_if=_absent_if_none)


class GradeOut(_Out):
    grade: str
    min: Num


class WhitelistRuleOut(_Out):
    min_score: Num
    veto_excludes: bool


class ModelOut(_Out):
    version: str
    name_zh: str
    scale: Num
    stages: list[StageOut]
    categories: list[CategoryDefOut]
    indicators: list[ModelIndicatorOut]
    grades: list[GradeOut]
    whitelist: WhitelistRuleOut


class CategoryOut(_Out):
    id: str
    points: Num
    max: Num


class ObjectionMark(_Out):
    """An open objection (contract 16) on a value the portrait shows."""

    objection_id: str
    status: str
    due_on: str


class MasterObjectionMark(ObjectionMark):
    field: str


class IndicatorOut(_Out):
    id: str
    name_zh: str
    category: str
    value: Num | None
    points: Num
    max_points: Num
    source_department: str | None
    batch_id: str | None
    explanation: str
    objection: ObjectionMark | None = Field(
        default=None, exclude_if=_absent_if_none, description="an open objection on this value (contract 16)"
    )


class DiscrepancyOut(_Out):
    indicator: str
    period: int
    scored_value: Num
    scored_department: str
    stats_value: Num
    gap_pct: Num
    stats_batch_id: str


class ScoredCard(_Out):
    """A score card as the API shows it: every field at the top level (contract 6). The portrait adds its
    rank; what-if answers this shape for a card it computed (contract 13)."""

    credit_code: str
    period: int
    name: str | None
    region_code: str | None
    industry_code: str | None
    established_on: str | None
    model_version: str
    computed_at: str
    stage: Stage
    score: Num
    grade: str
    whitelisted: bool
    veto: bool
    completeness: Num = Field(description="core indicators with a value / core indicators, 0..1")
    core: Num
    bonus: Num
    deductions: Num
    categories: list[CategoryOut]
    indicators: list[IndicatorOut]
    discrepancies: list[DiscrepancyOut]


class ZoneBrief(_Out):
    zone_id: str
    name_zh: str
    level: ZoneLevel
    type: ZoneType


class QualificationOut(_Out):
    """One certificate of the enterprise (contract 17); `held`: on 31 December of the portrait's period."""

    qualification: str
    name_zh: str
    certificate_no: str
    valid_from: str
    valid_to: str
    held: bool


class Portrait(ScoredCard):
    """The enterprise's portrait (画像) for one period."""

    zone: ZoneBrief | None = Field(default=None, description="the enterprise's zone today (contract 14)")
    qualifications: list[QualificationOut] | None = Field(
        default=None, exclude_if=_absent_if_none, description="its certificates (contract 17)"
    )

    rank: int | None = Field(
        description="within (period, stage), province-wide: score descending, then credit_code; as of "
        "`rank_as_of` when set (the last report build's keys, with this card's current score)"
    )
    cohort_size: int | None = Field(
        description="the (period, stage) cohort's size, as of `rank_as_of` when set"
    )
    support: EnterpriseSupport | None = Field(
        default=None,
        exclude_if=_absent_if_none,
        description="support information (contract 8): totals for admin, plus its own records for a bank",
    )
    # ranks are derived data (issue 15): the report builder refreshes them within a minute of a change
    objections: list[MasterObjectionMark] = Field(
        default_factory=list, description="open objections on master data fields (contract 16)"
    )
    rank_as_of: str | None = Field(
        default=None,
        description="when the report build that gave `rank` and `cohort_size` ran (UTC); null when they "
        "were counted just now (the period has no build yet)",
    )


NextToken = Annotated[
    str | None,
    Field(default=None, exclude_if=_absent_if_none, description="absent on the last page"),
]


class HistoryEntry(_Out):
    period: int
    score: Num
    grade: str
    stage: Stage
    model_version: str
    computed_at: str
    batch_id: str | None


class HistoryPage(_Out):
    items: list[HistoryEntry]
    next_token: NextToken = None


class ListedEnterprise(_Out):
    credit_code: str
    name: str | None
    region_code: str | None
    industry_code: str | None
    stage: Stage
    score: Num
    grade: str
    zone_id: str | None = Field(default=None, description="the enterprise's zone today (contract 14)")


class WhitelistPage(_Out):
    period: int
    items: list[ListedEnterprise]
    next_token: NextToken = None


class RankedEnterprise(ListedEnterprise):
    rank: int
    whitelisted: bool


class RankingsPage(_Out):
    period: int
    items: list[RankedEnterprise]
    next_token: NextToken = None


class BatchPage(_Out):
    items: list[BatchReport]
    next_token: NextToken = None


class VerificationEntry(_Out):
    credit_code: str
    name: str | None
    region_code: str | None
    stage: Stage
    score: Num
    discrepancies: list[DiscrepancyOut]


class VerificationsPage(_Out):
    period: int
    items: list[VerificationEntry]
    next_token: NextToken = None


class RescoreAccepted(_Out):
    status: Literal["accepted"] = "accepted"
    period: int | None
    # Counted when the request is accepted; the job's plan enumerates them again (GET /jobs/{job_id}
    # `total`), which differs only if enterprises were scored in between.
    queued: int = Field(ge=0, description="the enterprises the job will rescore, each once")
    job_id: str | None = None


class UploadTicket(_Out):
    """A presigned POST: send `fields` and then the file as multipart/form-data to `url`."""

    url: str
    fields: dict[str, str]
    key: str
    expires_in: int
    max_bytes: int


def stage_names() -> tuple[Stage, ...]:
    return STAGES


JsonObject = dict[str, Any]
