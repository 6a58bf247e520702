"""The messages of the jobs queue, and how a job's enterprises are cut into chunks.

A job starts with one `plan` message: the jobs Lambda enumerates the job's enterprises there (off the
API's request path, so a national run answers 202 at once) and sends one `chunk` message per
`size` enterprises. Chunks are cut from the sorted codes, so a redelivered plan message cuts the same
chunks again and no enterprise is counted twice (and the plan step stores its chunks before sending them,
so even a changed set of enterprises never gives a redelivered plan other chunks: services/jobs.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class JobMessage(BaseModel):
    """One message body of the jobs queue."""

    model_config = ConfigDict(frozen=True)

    job_id: str = Field(min_length=1)
    kind: str = Field(min_length=1)
    step: Literal["plan", "chunk"] = "chunk"
    chunk: int | None = Field(default=None, ge=0)  # chunk number, 0-based (chunk steps only)
    codes: list[str] = Field(default_factory=list)
    period: int | None = None  # None: every period (a job over all periods)


def cut(codes: Iterable[str], size: int) -> Iterator[list[str]]:
    """Distinct codes, sorted, in chunks of `size`: the same set always gives the same chunks."""
    if size < 1:
        raise ValueError("chunk size must be at least 1")
    ordered = sorted(set(codes))
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]
