"""The API keys table: sha256 hashes of keys with the role (and label) each grants; never a key itself."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from chalicelib.stores.tables import ApiKeyItem


@dataclass(frozen=True, slots=True)
class StoredKey:
    key_hash: str
    role: str
    label: str | None
    created_at: str
    revoked: bool
    org: str | None = None  # the institution (bank) or department the key acts for


def _stored(item: ApiKeyItem) -> StoredKey:
    return StoredKey(item.key_hash, item.role, item.label, item.created_at, bool(item.revoked), item.org)


def add(key_hash: str, role: str, label: str | None, created_at: str, org: str | None = None) -> None:
    """Record a new key's hash; a hash already present is refused (a collision is never overwritten)."""
    ApiKeyItem(key_hash, role=role, label=label, created_at=created_at, revoked=False, org=org).save(
        condition=ApiKeyItem.key_hash.does_not_exist()
    )


def find(key_hash: str) -> StoredKey | None:
    try:
        return _stored(ApiKeyItem.get(key_hash))
    except ApiKeyItem.DoesNotExist:
        return None


def revoke(key_hash: str) -> bool:
    """Mark the key revoked; False when no such key exists."""
    try:
        item = ApiKeyItem.get(key_hash)
    except ApiKeyItem.DoesNotExist:
        return False
    item.update(actions=[ApiKeyItem.revoked.set(True)])
    return True


def all_keys() -> Iterator[StoredKey]:
    """Every key record. A Scan: for the admin command only, never for a request (the table is tiny)."""
    return (_stored(item) for item in ApiKeyItem.scan())
