"""Test environment: fake credentials and the China region, set before anything builds a boto3 session."""

from __future__ import annotations

import os

for _var in [v for v in os.environ if v.startswith("AWS_ENDPOINT_URL")]:
    del os.environ[_var]  # a leftover endpoint makes mock_aws stop intercepting
os.environ.update(
    {
        "AWS_DEFAULT_REGION": "cn-northwest-1",
        "AWS_REGION": "cn-northwest-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
        "POWERTOOLS_SERVICE_NAME": "innovation-points",
        "POWERTOOLS_METRICS_NAMESPACE": "InnovationPoints",
        "POWERTOOLS_METRICS_DISABLED": "true",
    }
)
os.environ.pop("AWS_PROFILE", None)
