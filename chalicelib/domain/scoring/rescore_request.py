"""The message on the rescore queue: which (enterprise, period) pairs to rescore, and why."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Pair(BaseModel):
    model_config = ConfigDict(frozen=True)

    credit_code: str
    period: int | None = None  # None: every period of the enterprise (master data changed)
    # the version of the enterprise's current facts item its upload wrote: a later write's message then
    # stands for this one (`domain/scoring/coalesce.py`); None: scored as named
    facts_version: int | None = None


class RescoreRequest(BaseModel):
    """One SQS message body; many pairs per message (moto's SQS is O(depth) per send, AWS bills per call)."""

    model_config = ConfigDict(frozen=True)

    reason: Literal["upload", "full_rescore"] = "upload"
    batch_id: str | None = None  # the upload that caused it, for provenance in history and events
    pairs: list[Pair] = Field(min_length=1)
