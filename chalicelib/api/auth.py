"""Who is calling, and may they: API keys (stored as sha256 hashes only) and IAM callers, mapped to roles.

Roles: `admin`, `bank`, `investor`, `department:<id>` (a department of the scoring model), `city` (a
city's science bureau), `zone` (a zone's committee) and `enterprise` (an enterprise itself). Each key's
area (`Principal.area`, `domain/areas.py`) is decided here, once. The `X-API-Key` header
is checked here, in the application, so `chalice local` enforces exactly what AWS does. Behind an IAM
authoriser (SigV4; in the China regions it needs no ICP licence), API Gateway puts the caller's ARN in
the request context; `settings.iam_roles` ("arn=role,arn=role") maps it to a role. A key wins over the
IAM identity when both are present.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from chalicelib.api import key_cache
from chalicelib.api.problems import ApiProblem, Code
from chalicelib.domain import creditcode
from chalicelib.domain.areas import PROVINCE, Area
from chalicelib.domain.timestamps import now, stamp
from chalicelib.services.model_registry import model_by_version
from chalicelib.settings import Settings
from chalicelib.stores import api_keys
from chalicelib.stores.api_keys import StoredKey

ADMIN = "admin"
BANK = "bank"
INVESTOR = "investor"
CITY = "city"
ZONE = "zone"
ENTERPRISE = "enterprise"
DEPARTMENT = "department"  # in an allow-list: any department
DEPARTMENT_PREFIX = "department:"
ANY_ROLE = "*"
KEY_PREFIX = "ipk_"
_HASH = re.compile(r"^[0-9a-f]{64}$")
ORG = re.compile(r"^[a-z0-9-]{2,40}$")  # an institution's id (contract 7)
CITY_ORG = re.compile(r"^36(0[1-9]|1[01])$")  # Jiangxi's 11 cities (contract 15)
ZONE_ORG = re.compile(r"^[A-Z0-9-]{3,24}$")  # a zone id (contract 14)
INSTITUTIONS = (BANK, INVESTOR)  # roles whose org is an institution of their own
# arn:<partition>:sts::<account>:assumed-role/<role>/<session>: the session name changes per call
_ASSUMED = re.compile(r"^arn:(?P<p>[\w-]+):sts::(?P<a>\d+):assumed-role/(?P<r>[\w+=,.@-]+)/[^/]+$")


@dataclass(frozen=True, slots=True)
class Principal:
    role: str
    via: Literal["api_key", "iam"]
    label: str | None = None
    org: str | None = None  # an institution; a department's id; a city, zone or credit code; None for admin

    @property
    def department(self) -> str | None:
        return self.role.removeprefix(DEPARTMENT_PREFIX) if self.role.startswith(DEPARTMENT_PREFIX) else None

    @property
    def institution(self) -> str | None:
        """The org whose records this caller writes and reads: a bank's org, a department's id."""
        return self.department or self.org

    @property
    def area(self) -> Area:
        """What this caller may see (contract 15, 16): its city, its zone, itself, or the province."""
        if self.role == CITY:
            return Area("city", self.org)
        if self.role == ZONE:
            return Area("zone", self.org)
        if self.role == ENTERPRISE:
            return Area("enterprise", self.org)
        return PROVINCE


def department_ids(model_version: str) -> frozenset[str]:
    return frozenset(d.id for d in model_by_version(model_version).departments)


def validate_role(role: str, departments: Collection[str]) -> str:
    """The role itself; ValueError unless it is a known role or department:<a known department>."""
    if role in (ADMIN, BANK, INVESTOR, CITY, ZONE, ENTERPRISE):
        return role
    dept = role.removeprefix(DEPARTMENT_PREFIX)
    if role.startswith(DEPARTMENT_PREFIX) and dept in departments:
        return role
    known = ", ".join(sorted(departments))
    raise ValueError(
        f"unknown role {role!r}: use admin, bank, investor, city, zone, enterprise or department:<id>"
        f" with id one of {known}"
    )


# --- keys ------------------------------------------------------------------------------------


def hash_key(key: str) -> str:
    return hashlib.sha256(key.strip().encode()).hexdigest()


def validate_org(role: str, org: str | None, departments: Collection[str] = ()) -> str | None:
    """The org a key of `role` belongs to (contracts 7, 15, 16, 18); ValueError when it does not fit.

    A bank or investor key needs its institution, never a department id (one namespace); a city key its
    4-digit city code; a zone key a zone id; an enterprise key its credit code (folded as an upload's);
    a department key's org is its department id (given or not); an admin key has none."""
    if role in INSTITUTIONS:
        if org is None or not ORG.match(org):
            raise ValueError(f"a {role} key needs --org: its institution, 2-40 of a-z, 0-9 and -")
        if org in departments:
            raise ValueError(f"org {org!r} is a department id: an institution needs a name of its own")
        return org
    if role == CITY:
        if org is None or not CITY_ORG.match(org):
            raise ValueError("a city key needs --org: a Jiangxi city code, 3601 to 3611")
        return org
    if role == ZONE:
        if org is None or not ZONE_ORG.match(org):
            raise ValueError("a zone key needs --org: its zone id, 3-24 of A-Z, 0-9 and -")
        return org
    if role == ENTERPRISE:
        code = creditcode.normalise(org or "")
        if creditcode.problem(code) is not None:
            raise ValueError("an enterprise key needs --org: a valid unified social credit code")
        return code
    if role.startswith(DEPARTMENT_PREFIX):
        dept = role.removeprefix(DEPARTMENT_PREFIX)
        if org is not None and org != dept:
            raise ValueError(f"a department key's org is its department: {dept}")
        return dept
    if org is not None:
        raise ValueError(f"a {role} key has no org")
    return None


def issue_key(role: str, label: str | None, *, departments: Collection[str], org: str | None = None) -> str:
    """Create a key for `role` (and its org); returns the key itself, stored nowhere (only its hash)."""
    validate_role(role, departments)
    owner = validate_org(role, org, departments)
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    api_keys.add(hash_key(key), role, label, stamp(now()), owner)
    return key


def revoke_key(key_or_hash: str) -> bool:
    """Revoke by the key or by its hash; False when no such key exists."""
    text = key_or_hash.strip()
    key_hash = text if _HASH.match(text) else hash_key(text)
    key_cache.forget(key_hash)  # refused here at once; other warm containers within key_cache.TTL_S
    return api_keys.revoke(key_hash)


def list_keys() -> Iterator[StoredKey]:
    """Every key record (hashes, never keys): for the admin command."""
    return api_keys.all_keys()


def _principal_for_key(key: str) -> Principal:
    item = key_cache.find(hash_key(key))  # remembered for key_cache.TTL_S: the revocation delay
    if item is None or item.revoked:
        raise ApiProblem(Code.INVALID_API_KEY)
    return Principal(role=item.role, via="api_key", label=item.label, org=item.org)


# --- IAM -------------------------------------------------------------------------------------


@cache
def parse_iam_roles(text: str) -> Mapping[str, str]:
    """ "arn=role,arn=role" -> {arn: role}; ValueError on a malformed entry."""
    mapping: dict[str, str] = {}
    for entry in filter(None, (e.strip() for e in text.split(","))):
        arn, sep, role = entry.rpartition("=")
        if not sep or not arn.startswith("arn:") or not role:
            raise ValueError(f"IAM_ROLES: malformed entry {entry!r} (want arn=role)")
        mapping[arn.strip()] = role.strip()
    return mapping


def _arn_candidates(user_arn: str) -> tuple[str, ...]:
    """The caller's ARN and, for an assumed-role session, the role's own ARN."""
    match = _ASSUMED.match(user_arn)
    if match is None:
        return (user_arn,)
    return (user_arn, f"arn:{match['p']}:iam::{match['a']}:role/{match['r']}")


def _principal_for_iam(user_arn: str, iam_roles: str) -> Principal | None:
    mapping = parse_iam_roles(iam_roles)
    for arn in _arn_candidates(user_arn):
        if arn in mapping:
            return Principal(role=mapping[arn], via="iam", label=arn)
    return None


# --- per request -----------------------------------------------------------------------------


def authenticate(headers: Mapping[str, str], context: Mapping[str, Any], settings: Settings) -> Principal:
    """The caller of a request; ApiProblem 401 when there is no valid credential."""
    key = next((v for k, v in headers.items() if k.lower() == "x-api-key"), None)
    if key is not None and key.strip():
        return _principal_for_key(key)
    identity = context.get("identity") or {}
    user_arn = identity.get("userArn") if isinstance(identity, Mapping) else None
    if isinstance(user_arn, str) and user_arn:
        principal = _principal_for_iam(user_arn, settings.iam_roles)
        if principal is not None:
            return principal
        raise ApiProblem(Code.FORBIDDEN, "this IAM identity has no role", "该 IAM 身份未分配角色")
    raise ApiProblem(Code.MISSING_CREDENTIALS, "send the X-API-Key header", "请在 X-API-Key 请求头中提供密钥")


def allowed(principal: Principal, roles: Collection[str]) -> bool:
    if ANY_ROLE in roles or principal.role in roles:
        return True
    return DEPARTMENT in roles and principal.department is not None


def authorize(principal: Principal, roles: Collection[str]) -> None:
    """ApiProblem 403 unless the principal's role is among `roles` (ANY_ROLE: any known caller)."""
    if not allowed(principal, roles):
        raise ApiProblem(
            Code.FORBIDDEN,
            f"role {principal.role!r} may not use this route",
            f"角色 {principal.role} 无权访问该接口",
        )
