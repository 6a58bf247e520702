"""SSM Parameter Store: secrets that must not sit in the environment (the 赣企通 token in AWS).

Read through Powertools parameters, cached for a max age (not for the process's life): a token rotated
in Parameter Store is used by warm Lambdas within `max_age_s`. The provider (and its boto3 client) is
built on first use, inside whatever endpoint or mock is active then.
"""

from __future__ import annotations

from functools import cache

from aws_lambda_powertools.utilities.parameters import SSMProvider
from botocore.config import Config

from chalicelib.settings import get_settings


@cache
def _provider() -> SSMProvider:
    return SSMProvider(boto_config=Config(region_name=get_settings().region))


def secure_parameter(name: str, *, max_age_s: int) -> str:
    """A SecureString parameter's value, decrypted; read again once the cached value is `max_age_s` old."""
    return str(_provider().get(name, max_age=max_age_s, decrypt=True))
