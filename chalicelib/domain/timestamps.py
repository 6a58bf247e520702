"""Timestamps as the service writes them: UTC, ISO 8601, `Z` suffix — one format, three precisions.

- `stamp`: microseconds (2026-01-05T08:00:00.123456Z), for what must sort as time does (card versions,
  history keys, outbox order);
- `stamp_ms`: milliseconds, for what people read (batch reports' received_at / finished_at);
- `stamp_s`: seconds, the contract's event `time` (2026-01-05T08:00:00Z).
"""

from __future__ import annotations

from datetime import UTC, datetime


def _text(moment: datetime, timespec: str) -> str:
    return moment.astimezone(UTC).isoformat(timespec=timespec).replace("+00:00", "Z")


def now() -> datetime:
    return datetime.now(UTC)


def stamp(moment: datetime) -> str:
    return _text(moment, "microseconds")


def stamp_ms(moment: datetime) -> str:
    return _text(moment, "milliseconds")


def stamp_s(moment: datetime) -> str:
    return _text(moment, "seconds")
