"""Pydantic models of the policy routes (contract 9): parameters and responses.

The request body is the domain's `PolicyFields`; the policy record is the domain's `Policy`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.api.schemas import NextToken, PageParams, Period, Region
from chalicelib.domain.numbers import Num
from chalicelib.domain.policies.policy import Policy, PolicyKind, PolicyStatus


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CatalogueParams(PageParams):
    status: PolicyStatus | None = None
    kind: PolicyKind | None = None


class MatchesParams(PageParams):
    region: Region | None = None
    delivery: Literal["pending", "delivered", "failed"] | None = None


class EnterprisePoliciesParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    period: Period | None = None


class PolicyPage(_Out):
    items: list[Policy]
    next_token: NextToken = None


class PreviewOut(_Out):
    matched: int
    by_region: dict[str, int]
    by_stage: dict[str, int]
    sample: list[str] = Field(description="at most 20 matching credit codes")


class DeliveryOut(_Out):
    state: Literal["pending", "delivered", "failed"] | None
    attempts: int
    last_status: int | None


class MatchOut(_Out):
    issuer: str
    terms: dict[str, Any] | None = Field(default=None, description="a product's terms for the grade")
    credit_code: str
    name: str
    region_code: str
    stage: str
    score: Num | None
    grade: str | None
    sequence: int
    matched_at: str
    reasons: list[dict[str, Any]]
    delivery: DeliveryOut


class MatchPage(_Out):
    policy_id: str
    items: list[MatchOut]
    next_token: NextToken = None


class MatchedPolicy(_Out):
    policy_id: str
    title: str
    issuer: str
    kind: str
    summary: str
    url: str | None
    contact: str
    period: int
    valid_from: str
    valid_to: str
    version: int
    reasons: list[dict[str, Any]]


class EnterprisePolicies(_Out):
    credit_code: str
    period: int
    items: list[MatchedPolicy]


class Published(Policy):
    """The published policy and the job matching it (GET /jobs/{job_id} counts its progress)."""

    job_id: str
