"""Settings read from the environment once and validated.

Resource names come from the environment (`.chalice/config.json` in AWS, the local stack locally).
Region and partition come from the environment too: no ARN is ever written by hand.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

DEFAULT_REGION = "cn-northwest-1"
# The stage of tests, benchmarks and the local stack (scripts/offline_aws.py sets it): the only one in
# which page tokens may be signed with the public default secret below.
LOCAL_STAGE = "local"
LOCAL_TOKEN_SECRET = "local-dev-token-secret"


class MissingTokenSecretError(RuntimeError):
    """The API would sign page tokens with a public secret: it refuses to start instead."""


def partition_for(region: str) -> str:
    """The ARN partition of a region: `aws-cn` in the China regions."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    region: str = DEFAULT_REGION
    app_stage: str = "dev"
    upload_bucket: str = "innovation-points-dev-uploads"
    facts_table: str = "innovation-points-dev-facts"
    scores_table: str = "innovation-points-dev-scores"
    batches_table: str = "innovation-points-dev-batches"
    outbox_table: str = "innovation-points-dev-outbox"
    idempotency_table: str = "innovation-points-dev-idempotency"
    api_keys_table: str = "innovation-points-dev-api-keys"
    support_table: str = "innovation-points-dev-support"
    objections_table: str = "innovation-points-dev-objections"  # contract 16
    uploads_queue_name: str = "innovation-points-dev-uploads"
    rescore_queue_name: str = "innovation-points-dev-rescore"
    rescore_queue_url: str = ""
    whitelist_topic_arn: str = ""
    model_version: str = "jx-2025.1-provisional"
    max_upload_bytes: int = Field(default=200 * 1024 * 1024, gt=0)
    # An XLSX is a zip: cap what it may inflate to, so a zip bomb cannot exhaust the Lambda.
    max_inflated_bytes: int = Field(default=1024 * 1024 * 1024, gt=0)
    # (enterprise, period) pairs per rescore message: 200 is ~100 enterprises of two periods, one
    # BatchGetItem of their facts (most messages of a burst read only that: coalescing)
    rescore_chunk_size: int = Field(default=200, ge=1, le=1000)
    # seconds an upload's rescore message waits in the queue, so that a burst's files coalesce into one
    # rescore per enterprise (domain/scoring/coalesce.py); SQS allows up to 900
    rescore_delay_s: int = Field(default=30, ge=0, le=900)
    # days a sent outbox record is kept (DynamoDB TTL) for audit: a year plus the next upload season
    outbox_retention_days: int = Field(default=400, ge=1)
    # Secret that signs pagination tokens: the API's TOKEN_SECRET, set per stage in AWS (a secret of
    # infra/resources.yaml); only the local stage falls back to a public default (`api_settings`).
    token_secret: str = ""
    # IAM callers (SigV4) mapped to roles: "arn1=admin,arn2=bank".
    iam_roles: str = ""
    reports_table: str = "innovation-points-dev-reports"
    # --- policies (contract 9) ---
    policies_table: str = "innovation-points-dev-policies"
    policy_matches_table: str = "innovation-points-dev-policy-matches"
    policy_topic_arn: str = ""
    policy_delivery_queue_name: str = "innovation-points-dev-policy-delivery"
    policy_delivery_queue_url: str = ""
    policy_match_chunk_size: int = Field(default=100, ge=1, le=1000)  # enterprises per matching chunk
    # 赣企通: the endpoint and its bearer token; in AWS the token comes from an SSM SecureString
    # parameter (GANQITONG_TOKEN_PARAMETER names it), never from the environment.
    ganqitong_url: str = ""
    ganqitong_token: str = ""
    ganqitong_token_parameter: str = ""
    # seconds a Lambda trusts its cached 赣企通 token before reading the parameter again (rotation)
    ganqitong_token_max_age_s: int = Field(default=300, ge=0, le=3600)
    ganqitong_timeout_s: float = Field(default=10.0, gt=0, le=60)
    ganqitong_retry_base_s: int = Field(default=30, ge=0, le=900)  # backoff: base x 2^(attempt-1)
    # jobs (backtest, activation, full rescore, policy publishing) and the model registry
    jobs_table: str = "innovation-points-dev-jobs"
    models_table: str = "innovation-points-dev-models"
    jobs_queue_name: str = "innovation-points-dev-jobs"
    jobs_queue_url: str = ""
    job_chunk_size: int = Field(default=200, ge=1, le=1000)  # enterprises per job chunk message
    # Seconds a Lambda container trusts its cached active model version before reading it again.
    active_model_ttl_s: float = Field(default=5.0, ge=0)

    @model_validator(mode="before")
    @classmethod
    def _local_token_secret(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("app_stage") == LOCAL_STAGE and not data.get("token_secret"):
            return {**data, "token_secret": LOCAL_TOKEN_SECRET}
        return data

    @property
    def partition(self) -> str:
        return partition_for(self.region)


def from_environ(environ: Mapping[str, str]) -> Settings:
    values: dict[str, str] = {k.lower(): v for k, v in environ.items() if v != ""}
    values["region"] = environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION
    try:
        return Settings.model_validate(values)
    except ValidationError as exc:  # fail at start-up, naming the variable
        raise RuntimeError(f"invalid settings in the environment: {exc}") from exc


@cache
def get_settings() -> Settings:
    return from_environ(os.environ)


def require_token_secret(settings: Settings) -> Settings:
    """The settings of the API, which signs page tokens: MissingTokenSecretError unless TOKEN_SECRET
    is set or the stage is local (then the default above signs them)."""
    if not settings.token_secret:
        raise MissingTokenSecretError(
            f"TOKEN_SECRET is not set (stage {settings.app_stage!r}): the API refuses to start rather than "
            f"sign page tokens with a public default; set TOKEN_SECRET (in AWS the stage's TokenSecret "
            f"secret), or APP_STAGE={LOCAL_STAGE} for tests and the local stack"
        )
    return settings


def api_settings() -> Settings:
    return require_token_secret(get_settings())
