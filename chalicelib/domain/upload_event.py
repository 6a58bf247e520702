"""S3 ObjectCreated notifications as they arrive on the uploads queue (pure parsing).

A small model of our own: moto's events lack fields Powertools' S3Model requires, and real S3
URL-encodes keys (moto encodes the `/` too), so keys are always `unquote_plus`-ed.
"""

from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import unquote_plus

from pydantic import BaseModel, ConfigDict, Field

INCOMING = "incoming/"
SUPPORT_PREFIX = "support/"  # support files of banks and departments: support/<org>/<name> (contract 8)
ZONES_PREFIX = "zones/"  # a zone's unit list: zones/<zone_id>/<name> (contract 15)
QUALIFICATIONS_PREFIX = "qualifications/"  # qualification files: qualifications/<department>/<name> (17)


def batch_id_for(bucket: str, key: str, version_id: str) -> str:
    """Deterministic: one upload (key + version) is one batch, however often it is delivered."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"s3://{bucket}/{key}?versionId={version_id}"))


class S3Object(BaseModel):
    model_config = ConfigDict(extra="ignore")

    key: str
    size: int = 0
    version_id: str | None = Field(default=None, alias="versionId")
    sequencer: str | None = None


class S3Bucket(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str


class S3Entity(BaseModel):
    model_config = ConfigDict(extra="ignore")

    bucket: S3Bucket
    object: S3Object


class S3Record(BaseModel):
    model_config = ConfigDict(extra="ignore")

    event_name: str = Field(alias="eventName")
    event_time: str = Field(alias="eventTime")
    s3: S3Entity


class Upload(BaseModel):
    """One uploaded object to ingest."""

    model_config = ConfigDict(frozen=True)

    bucket: str
    key: str
    size: int
    version_id: str | None
    event_time: str
    sequencer: str | None

    @property
    def department(self) -> str | None:
        """`incoming/<department>/<name>`: the department comes from the key, never the file."""
        rest = self.key[len(INCOMING) :] if self.key.startswith(INCOMING) else ""
        dept, sep, name = rest.partition("/")
        return dept if sep and dept and name else None

    @property
    def support_org(self) -> str | None:
        """`support/<org>/<name>`: a support file of that institution; None for any other key."""
        rest = self.key[len(SUPPORT_PREFIX) :] if self.key.startswith(SUPPORT_PREFIX) else ""
        org, sep, name = rest.partition("/")
        return org if sep and org and name and "/" not in name else None

    @property
    def zone_id(self) -> str | None:
        """`zones/<zone_id>/<name>`: a zone's unit list (入统企业名录); None for any other key."""
        rest = self.key[len(ZONES_PREFIX) :] if self.key.startswith(ZONES_PREFIX) else ""
        zone, sep, name = rest.partition("/")
        return zone if sep and zone and name and "/" not in name else None

    @property
    def qualifications_department(self) -> str | None:
        """`qualifications/<department>/<name>`: a qualification file of that department; else None."""
        rest = self.key[len(QUALIFICATIONS_PREFIX) :] if self.key.startswith(QUALIFICATIONS_PREFIX) else ""
        department, sep, name = rest.partition("/")
        return department if sep and department and name and "/" not in name else None

    @property
    def filename(self) -> str:
        return self.key.rsplit("/", 1)[-1]

    @property
    def report_key(self) -> str:
        rest = self.key[len(INCOMING) :] if self.key.startswith(INCOMING) else self.key
        return f"reports/{rest}.report.json"

    @property
    def order(self) -> str:
        """Sorts later uploads later. S3's sequencer orders events of one key; pad it to compare."""
        return f"{self.event_time}#{(self.sequencer or '').rjust(32, '0')}"


def uploads_from_body(body: str) -> list[Upload]:
    """The uploads in one SQS message body; [] for S3's `s3:TestEvent` and non-create events."""
    data: Any = json.loads(body)
    if not isinstance(data, dict) or data.get("Event") == "s3:TestEvent":
        return []
    uploads = []
    for raw in data.get("Records", []):
        record = S3Record.model_validate(raw)
        if not record.event_name.startswith("ObjectCreated"):
            continue
        obj = record.s3.object
        uploads.append(
            Upload(
                bucket=record.s3.bucket.name,
                key=unquote_plus(obj.key),
                size=obj.size,
                version_id=obj.version_id,
                event_time=record.event_time,
                sequencer=obj.sequencer,
            )
        )
    return uploads
