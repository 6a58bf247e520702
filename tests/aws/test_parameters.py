"""The 赣企通 token is read through Powertools parameters with a max age, not cached for the process's
life (issue 23, item 13): a rotated token is used once the cached one is older than the max age."""

from __future__ import annotations

from datetime import datetime, timedelta

import boto3
import pytest

from chalicelib.stores import parameters
from scripts.provision import Resources

NAME = "/innovation-points/test/ganqitong-token"


def test_a_rotated_token_is_read_again_after_its_max_age(
    aws: Resources, monkeypatch: pytest.MonkeyPatch
) -> None:
    ssm = boto3.client("ssm")
    ssm.put_parameter(Name=NAME, Value="token-1", Type="SecureString", Overwrite=True)
    assert parameters.secure_parameter(NAME, max_age_s=300) == "token-1"
    ssm.put_parameter(Name=NAME, Value="token-2", Type="SecureString", Overwrite=True)
    assert parameters.secure_parameter(NAME, max_age_s=300) == "token-1"  # still fresh enough

    class Later(datetime):  # the clock Powertools' cache reads, 301 s on
        @classmethod
        def now(cls, tz: object = None) -> Later:
            return cls.fromtimestamp((datetime.now() + timedelta(seconds=301)).timestamp())

    monkeypatch.setattr("aws_lambda_powertools.utilities.parameters.base.datetime", Later)
    assert parameters.secure_parameter(NAME, max_age_s=300) == "token-2"  # older than the max age
