"""SSM Parameter Store: secrets that must not sit in the environment (the 赣企通 token in AWS)."""

from __future__ import annotations

from functools import cache

import boto3

from chalicelib.settings import get_settings


@cache
def secure_parameter(name: str) -> str:
    """A SecureString parameter's value, decrypted; read once per Lambda process."""
    client = boto3.client("ssm", region_name=get_settings().region)
    return str(client.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"])
