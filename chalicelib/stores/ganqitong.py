"""The door to 赣企通 (the province's enterprise service platform): one HTTPS POST per matched event.

Plain `urllib.request` (no new runtime dependency): JSON body, `Idempotency-Key` header (the event id,
so 赣企通 drops a repeated push), bearer token. The answer is the HTTP status, or None when there was
none (timeout, connection refused, DNS): the caller decides about retries. Redirects are never
followed (urllib would turn a 302 into a GET that answers 200): a 3xx is a failure like any non-2xx.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Answer a 3xx as it is (an HTTPError carrying its status) instead of following it."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects())


@dataclass(frozen=True, slots=True)
class Outcome:
    status: int | None  # the HTTP status; None: no answer
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def post_event(
    url: str, event: Mapping[str, Any], idempotency_key: str, *, token: str, timeout_s: float
) -> Outcome:
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "Idempotency-Key": idempotency_key,
        "User-Agent": "innovation-points/1",
    }
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with _OPENER.open(request, timeout=timeout_s) as response:
            response.read()
            return Outcome(int(response.status))
    except urllib.error.HTTPError as exc:
        return Outcome(int(exc.code), f"HTTP {exc.code}")
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        return Outcome(None, f"{type(exc).__name__}: {exc}")
