"""Opaque page tokens: the position after the last item served, signed and bound to the query.

A token is `<payload>.<mac>` (URL-safe base64, no padding). The MAC is an HMAC-SHA256 over the query's
binding (route and filters) and the payload, so a tampered token, one signed with another secret or
one issued for another route or other filters, is refused with a 400: never a 500, never a scan.
`limit` is not part of the binding: a client may change its page size between pages.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, ValidationError

from chalicelib.api.problems import ApiProblem, Code

DEFAULT_LIMIT = 50
MIN_LIMIT = 1
MAX_LIMIT = 500
MAX_TOKEN_CHARS = 2048


class Cursor(BaseModel):
    """Where the next page starts."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    after: dict[str, str]  # key attributes of the last item served
    rank: int = 0  # items served before the next page: the running rank of /rankings
    period: int | None = None  # the period the first page resolved (a default period stays fixed)


def binding(route: str, filters: Mapping[str, object]) -> bytes:
    """What a token is bound to: the route and every filter that shapes the result set."""
    canonical = {k: v for k, v in sorted(filters.items()) if v is not None}
    return json.dumps([route, canonical], sort_keys=True, ensure_ascii=True, default=str).encode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, bound_to: bytes, payload: bytes) -> bytes:
    return hmac.new(secret.encode(), bound_to + b"\n" + payload, hashlib.sha256).digest()


def encode(cursor: Cursor, bound_to: bytes, secret: str) -> str:
    payload = cursor.model_dump_json(exclude_defaults=True).encode()
    return f"{_b64(payload)}.{_b64(_mac(secret, bound_to, payload))}"


def _invalid(detail: str) -> ApiProblem:
    return ApiProblem(Code.INVALID_TOKEN, f"next_token: {detail}", f"分页令牌无效：{detail}")


def decode(token: str, bound_to: bytes, secret: str) -> Cursor:
    """The cursor in `token`; ApiProblem(INVALID_TOKEN) unless it is intact and was issued for this query."""
    if len(token) > MAX_TOKEN_CHARS or token.count(".") != 1:
        raise _invalid("malformed")
    payload_b64, mac_b64 = token.split(".")
    try:
        payload, mac = _unb64(payload_b64), _unb64(mac_b64)
    except (binascii.Error, ValueError) as exc:
        raise _invalid("malformed") from exc
    if not hmac.compare_digest(mac, _mac(secret, bound_to, payload)):
        raise _invalid("not issued for this query")
    try:
        return Cursor.model_validate_json(payload)
    except ValidationError as exc:  # signed by us but unreadable: an older format
        raise _invalid("unreadable") from exc
