"""The model registry: every model version with its status and file text, and the active pointer.

Items (see `tables.py`): one per version (`status` active | candidate | retired, `source` the YAML
text) and the pointer "@active" naming the active version. Activation is ONE transaction: the pointer
moves on condition that it still names the version the caller read, the new version goes from
candidate to active, the old one to retired, and the activation's job item is written beside them.
Two activations at once: one transaction wins, the other fails its condition (`ActivationConflictError`);
nothing is ever half-switched.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass
from typing import Final

from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.domain.timestamps import now, stamp
from chalicelib.stores.jobs import new_item as new_job_item
from chalicelib.stores.tables import JobItem, ModelItem
from chalicelib.stores.transactions import lost_race

ACTIVE: Final = "active"
CANDIDATE: Final = "candidate"
RETIRED: Final = "retired"
_PK: Final = "M"
_POINTER: Final = "@active"


def _now() -> str:
    return stamp(now())


@dataclass(frozen=True, slots=True)
class RegisteredModel:
    version: str
    status: str
    created_at: str
    source: str
    activated_at: str | None
    retired_at: str | None


@dataclass(frozen=True, slots=True)
class Pointer:
    active_version: str
    activation_job_id: str | None


class DuplicateVersionError(ValueError):
    code = "MODEL_VERSION_EXISTS"


class ActivationConflictError(RuntimeError):
    """The active version moved (or the target's status changed) since it was read."""

    code = "ACTIVATION_CONFLICT"


def _registered(item: ModelItem) -> RegisteredModel:
    return RegisteredModel(
        version=item.version,
        status=item.status or CANDIDATE,
        created_at=item.created_at,
        source=item.source or "",
        activated_at=item.activated_at,
        retired_at=item.retired_at,
    )


def get(version: str) -> RegisteredModel | None:
    if version == _POINTER:
        return None
    try:
        return _registered(ModelItem.get(_PK, version, consistent_read=True))
    except DoesNotExist:
        return None


def all_models() -> list[RegisteredModel]:
    """Every registered version, by version name (one Query of the registry's partition)."""
    return [
        _registered(item) for item in ModelItem.query(_PK, consistent_read=True) if item.version != _POINTER
    ]


def pointer() -> Pointer | None:
    """The active pointer (one small strongly consistent GetItem), or None before the registry is seeded."""
    try:
        item = ModelItem.get(_PK, _POINTER, consistent_read=True)
    except DoesNotExist:
        return None
    assert item.active_version is not None
    return Pointer(item.active_version, item.activation_job_id)


def add(version: str, source: str, status: str = CANDIDATE) -> RegisteredModel:
    """Register a version; an existing version is never overwritten (`DuplicateVersionError`)."""
    now = _now()
    item = ModelItem(
        _PK,
        version,
        created_at=now,
        status=status,
        source=source,
        activated_at=now if status == ACTIVE else None,
    )
    try:
        item.save(condition=ModelItem.version.does_not_exist())
    except PutError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise DuplicateVersionError(version) from exc
        raise
    return _registered(item)


def seed_candidates(candidates: Iterable[tuple[str, str]]) -> None:
    """Register versions as candidates unless registered already."""
    for version, source in candidates:
        with suppress(DuplicateVersionError):
            add(version, source, CANDIDATE)


def seed(active: tuple[str, str], candidates: Iterable[tuple[str, str]]) -> None:
    """The first registry: the shipped files, one of them active. Safe to run concurrently or again."""
    seed_candidates(candidates)
    version, source = active
    with suppress(DuplicateVersionError):
        add(version, source, ACTIVE)
    try:
        ModelItem(_PK, _POINTER, created_at=_now(), active_version=version).save(
            condition=ModelItem.version.does_not_exist()
        )
    except PutError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise


def activate(version: str, previous: str, job_kind: str, job_params: dict[str, object]) -> str:
    """Make `version` active in place of `previous`, writing the activation job; return the job id."""
    now = _now()
    job = new_job_item(job_kind, dict(job_params), None)
    try:
        with TransactWrite(connection=ModelItem._get_connection().connection) as tx:
            tx.update(
                ModelItem(_PK, _POINTER),
                actions=[
                    ModelItem.active_version.set(version),
                    ModelItem.activation_job_id.set(job.job_id),
                ],
                condition=ModelItem.active_version == previous,
            )
            tx.update(
                ModelItem(_PK, version),
                actions=[ModelItem.status.set(ACTIVE), ModelItem.activated_at.set(now)],
                condition=ModelItem.status == CANDIDATE,
            )
            tx.update(
                ModelItem(_PK, previous),
                actions=[ModelItem.status.set(RETIRED), ModelItem.retired_at.set(now)],
                condition=ModelItem.status == ACTIVE,
            )
            tx.save(job, condition=JobItem.job_id.does_not_exist())
    except TransactWriteError as exc:
        if lost_race(exc):
            raise ActivationConflictError(version) from exc
        raise
    return str(job.job_id)
