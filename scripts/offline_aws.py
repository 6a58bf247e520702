"""The environment for running the service's code against moto: tests, benchmarks, the local stack.

Must run before anything builds a boto3 session: fake credentials, the China region, no leftover
`AWS_ENDPOINT_URL*` (a stray one makes `mock_aws` stop intercepting), Powertools quiet and offline.
"""

from __future__ import annotations

import os

REGION = "cn-northwest-1"


def use_fake_aws(access_key: str, *, region: str = REGION, log_level: str | None = None) -> None:
    for var in [v for v in os.environ if v.startswith("AWS_ENDPOINT_URL")]:
        del os.environ[var]
    os.environ.pop("AWS_PROFILE", None)
    os.environ.update(
        {
            "AWS_DEFAULT_REGION": region,
            "AWS_REGION": region,
            "AWS_ACCESS_KEY_ID": access_key,
            "AWS_SECRET_ACCESS_KEY": access_key,
            "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
            "POWERTOOLS_SERVICE_NAME": "innovation-points",
            "POWERTOOLS_METRICS_NAMESPACE": "InnovationPoints",
            "POWERTOOLS_METRICS_DISABLED": "true",
        }
    )
    # the local stage: page tokens signed with the public local secret (settings.py). TOKEN_SECRET is
    # set too, because `chalice local --stage dev` and chalice.test put the dev stage's APP_STAGE back.
    os.environ["APP_STAGE"] = "local"
    os.environ.setdefault("TOKEN_SECRET", "local-dev-token-secret")
    if log_level is not None:
        os.environ["POWERTOOLS_LOG_LEVEL"] = log_level
