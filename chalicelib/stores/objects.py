"""The upload bucket: download an upload to a temporary file, find its version, write its report."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import boto3
from botocore.config import Config

from chalicelib.settings import get_settings

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


@cache
def s3_client() -> S3Client:
    return boto3.client("s3", region_name=get_settings().region)


def resolve_version(bucket: str, key: str) -> str:
    """The newest version id of a key: moto's notifications carry none (real S3's do)."""
    head = s3_client().head_object(Bucket=bucket, Key=key)
    return head.get("VersionId") or "null"


def download(bucket: str, key: str, version_id: str | None, target: Path) -> None:
    """Stream the object (that version) to `target`: never the whole file in memory."""
    extra: dict[str, Any] = {"VersionId": version_id} if version_id and version_id != "null" else {}
    s3_client().download_file(bucket, key, str(target), ExtraArgs=extra or None)


def put_report(bucket: str, key: str, report: dict[str, Any]) -> None:
    body = json.dumps(report, ensure_ascii=False, indent=1).encode("utf-8")
    s3_client().put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/json; charset=utf-8")


def get_report(bucket: str, key: str) -> dict[str, Any] | None:
    """A report written by `put_report`, or None when there is none (yet)."""
    try:
        body = s3_client().get_object(Bucket=bucket, Key=key)["Body"].read()
    except s3_client().exceptions.NoSuchKey:
        return None
    report: dict[str, Any] = json.loads(body)
    return report


PRESIGN_EXPIRES_IN = 900  # seconds: long enough for a slow office line, short enough to leak little


@cache
def _signing_s3(region: str) -> S3Client:
    # s3v4 signing: the only signature the China regions accept; the endpoint follows AWS_ENDPOINT_URL.
    return boto3.session.Session(region_name=region).client("s3", config=Config(signature_version="s3v4"))


def presigned_post(bucket: str, key: str, max_bytes: int, region: str) -> tuple[str, dict[str, str]]:
    """A presigned POST (url, form fields) for exactly `key`, refusing bodies over `max_bytes`."""
    post = _signing_s3(region).generate_presigned_post(
        Bucket=bucket,
        Key=key,
        Conditions=[["content-length-range", 1, max_bytes]],
        ExpiresIn=PRESIGN_EXPIRES_IN,
    )
    return post["url"], {k: str(v) for k, v in post["fields"].items()}


@cache
def upload_origin(bucket: str, region: str) -> str:
    """The origin a browser posts uploads to (scheme://host[:port] of a presigned POST's URL, signed
    locally: no request), for the console's `connect-src`."""
    parts = urlsplit(presigned_post(bucket, "incoming/origin", 1, region)[0])
    return f"{parts.scheme}://{parts.netloc}"
