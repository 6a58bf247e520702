"""The policy record (contract 9) and its life: draft (editable) -> published (frozen) -> withdrawn.

A policy is matched for its `period` while it is published and today lies within valid_from–valid_to.
Each edit of a draft makes a new `version`; publishing freezes the criteria (a change is a new policy).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

PolicyKind = Literal["finance", "tech", "talent", "land", "tax", "other"]
PolicyStatus = Literal["draft", "published", "withdrawn"]
KINDS: Final[tuple[str, ...]] = ("finance", "tech", "talent", "land", "tax", "other")
DRAFT: Final = "draft"
PUBLISHED: Final = "published"
WITHDRAWN: Final = "withdrawn"
ADMIN_ISSUER: Final = "admin"

Text = Annotated[str, Field(max_length=4000)]
# valid_from / valid_to are dates in China (UTC+8, no daylight saving): a policy valid to 12-31 is in
# force until midnight in Nanchang, not until 08:00 the next morning.
CHINA_TIME: Final = timezone(timedelta(hours=8), "CST")


def policy_day(moment: datetime) -> date:
    """The calendar day in China at `moment` (an aware datetime)."""
    return moment.astimezone(CHINA_TIME).date()


class PolicyFields(BaseModel):
    """What an issuer writes: the body of POST /policies and PUT /policies/{id}."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=200)
    # a department id or admin; a city's code or a zone's id for local policies (contract 15)
    issuer: str | None = Field(
        default=None, pattern=r"^([a-z][a-z0-9_-]{0,39}|36(0[1-9]|1[01])|[A-Z0-9-]{3,24})$"
    )
    kind: PolicyKind
    summary: Text = ""
    url: str | None = Field(default=None, max_length=1000, pattern=r"^https?://\S+$")
    contact: str = Field(default="", max_length=200)
    period: int = Field(ge=2000, le=2100)
    valid_from: date
    valid_to: date
    criteria: Any  # checked by criteria.parse_criteria, which names the path of a fault

    @model_validator(mode="after")
    def _window(self) -> PolicyFields:
        if self.valid_to < self.valid_from:
            raise ValueError("valid_to must not be before valid_from")
        return self


class Policy(BaseModel):
    """A stored policy, as the API shows it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    policy_id: str
    title: str
    issuer: str
    kind: PolicyKind
    summary: str
    url: str | None
    contact: str
    period: int
    valid_from: date
    valid_to: date
    status: PolicyStatus
    version: int
    criteria: dict[str, Any]
    created_at: str
    updated_at: str
    published_at: str | None = None
    withdrawn_at: str | None = None

    def in_force(self, today: date) -> bool:
        """Matched and pushed today: published and within its validity window."""
        return self.status == PUBLISHED and self.valid_from <= today <= self.valid_to


class PolicyStateError(ValueError):
    """A life-cycle step the policy's state does not allow (the API answers 409)."""

    def __init__(self, code: str, message_en: str, message_zh: str) -> None:
        super().__init__(message_en)
        self.code = code
        self.message_en = message_en
        self.message_zh = message_zh


def check_editable(policy: Policy) -> None:
    if policy.status != DRAFT:
        raise PolicyStateError(
            "POLICY_NOT_DRAFT",
            f"policy {policy.policy_id} is {policy.status}: only a draft can be changed "
            "(a change of a published policy is a new policy)",
            f"政策 {policy.policy_id} 已{_ZH[policy.status]}，只有草稿可以修改（如需变更请新建政策）",
        )


def check_publishable(policy: Policy, today: date) -> None:
    if policy.status != DRAFT:
        raise PolicyStateError(
            "POLICY_NOT_DRAFT",
            f"policy {policy.policy_id} is {policy.status}: it can be published once, as a draft",
            f"政策 {policy.policy_id} 已{_ZH[policy.status]}，不能重复发布",
        )
    if not policy.valid_from <= today <= policy.valid_to:
        raise PolicyStateError(
            "POLICY_NOT_IN_FORCE",
            f"today ({today}) is outside the policy's validity {policy.valid_from}–{policy.valid_to}",
            f"今天（{today}）不在政策有效期 {policy.valid_from} 至 {policy.valid_to} 内",
        )


def check_withdrawable(policy: Policy) -> None:
    if policy.status != PUBLISHED:
        raise PolicyStateError(
            "POLICY_NOT_PUBLISHED",
            f"policy {policy.policy_id} is {policy.status}: only a published policy can be withdrawn",
            f"政策 {policy.policy_id} 当前为{_ZH[policy.status]}状态，只有已发布的政策可以撤回",
        )


_ZH: Final = {DRAFT: "草稿", PUBLISHED: "发布", WITHDRAWN: "撤回"}
