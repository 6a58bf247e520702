"""Settings read from the environment once and validated.

Resource names come from the environment (`.chalice/config.json` in AWS, the local stack locally).
Region and partition come from the environment too: no ARN is ever written by hand.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cache

from pydantic import BaseModel, ConfigDict, Field, ValidationError

DEFAULT_REGION = "cn-northwest-1"


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
    rescore_chunk_size: int = Field(default=50, ge=1, le=1000)  # enterprises per rescore message
    # Secret that signs pagination tokens; set per stage in AWS.
    token_secret: str = "local-dev-token-secret"
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
