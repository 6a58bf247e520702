"""Presigned uploads: a department without AWS credentials posts its file straight to its own prefix."""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

from chalicelib.api.schemas import UploadTicket
from chalicelib.settings import Settings

EXPIRES_IN = 900  # seconds: long enough for a slow office line, short enough to leak little


@cache
def _s3(region: str) -> Any:
    # s3v4 signing: the only signature the China regions accept; the endpoint follows AWS_ENDPOINT_URL.
    return boto3.session.Session(region_name=region).client("s3", config=Config(signature_version="s3v4"))


def presigned_upload(department: str, filename: str, settings: Settings) -> UploadTicket:
    """A presigned POST for `incoming/<department>/<filename>`, capped at `settings.max_upload_bytes`.

    `filename` has been checked (no separators, an accepted extension) by `schemas.UploadBody`.
    """
    key = f"incoming/{department}/{filename}"
    post = _s3(settings.region).generate_presigned_post(
        Bucket=settings.upload_bucket,
        Key=key,
        Conditions=[["content-length-range", 1, settings.max_upload_bytes]],
        ExpiresIn=EXPIRES_IN,
    )
    return UploadTicket(
        url=post["url"],
        fields={k: str(v) for k, v in post["fields"].items()},
        key=key,
        expires_in=EXPIRES_IN,
        max_bytes=settings.max_upload_bytes,
    )
