"""Zones in DynamoDB (contract 14): the catalogue's edits and the enterprises' memberships.

- Catalogue edits (`PUT /zones/{id}`) live in the models table (pk "Z", sk the zone id, the zone as JSON
  in `source`): a few dozen items, read by one Query and laid over the shipped file.
- Memberships live in the facts table, beside the enterprise's file (一企一档): every record as its own
  item (sk "Z#<recorded_at>#<batch_id>", JSON in `value`), and a compact copy of all of them on the
  enterprise's current item (`zones`), so that the rescore and the area check read them with what they
  read already. Written through `FactsRepository.commit` (version-conditional, re-merged on conflict).
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.domain.china import today_in_china
from chalicelib.domain.timestamps import now, stamp
from chalicelib.domain.zones.catalogue import Zone, stored_zone
from chalicelib.domain.zones.membership import Membership, decoded, zone_today
from chalicelib.stores.facts import CURRENT_SK, Current, FactsRepository, enterprise_pk, write_items
from chalicelib.stores.tables import FactItem, ModelItem, ReportItem
from chalicelib.stores.transactions import lost_race

_EDITS_PK: Final = "Z"
_MEMBERSHIP_PREFIX: Final = "Z#"
MAX_ATTEMPTS: Final = 5


class MembershipConflictError(RuntimeError):
    code = "MEMBERSHIP_CONFLICT"


# --- catalogue edits -----------------------------------------------------------------------------


def edited_zones() -> list[Zone]:
    """Every zone edited through the API (one Query)."""
    return [stored_zone(json.loads(item.source or "{}")) for item in ModelItem.query(_EDITS_PK)]


def save_zone(zone: Zone) -> None:
    ModelItem(_EDITS_PK, zone.zone_id, created_at=stamp(now()), source=json.dumps(zone.as_dict())).save()


# --- memberships ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Placed:
    """Where an enterprise lies: its region code (None: not registered) and its membership records."""

    credit_code: str
    region_code: str | None
    memberships: tuple[Membership, ...]


def membership_item(membership: Membership) -> FactItem:
    return FactItem(
        enterprise_pk(membership.credit_code),
        f"{_MEMBERSHIP_PREFIX}{membership.recorded_at}#{membership.batch_id}",
        kind="zone",
        value=json.dumps(membership.as_dict(), ensure_ascii=False),
        batch_id=membership.batch_id,
        received_at=membership.recorded_at,
    )


def memberships_of(credit_code: str) -> list[Membership]:
    """Every membership record of the enterprise (one Query)."""
    items = FactItem.query(enterprise_pk(credit_code), FactItem.sk.startswith(_MEMBERSHIP_PREFIX))
    found = []
    for item in items:
        data: dict[str, Any] = json.loads(item.value or "{}")
        found.append(decoded(credit_code, _row(data)))
    return found


def _row(data: Mapping[str, Any]) -> list[Any]:
    keys = ("zone_id", "valid_from", "valid_to", "basis", "source", "batch_id", "recorded_at")
    return [data.get(k) for k in keys]


def placed(credit_code: str) -> Placed | None:
    """The enterprise's region and memberships (one GetItem, a projection); None without master data."""
    try:
        item = FactItem.get(
            enterprise_pk(credit_code),
            CURRENT_SK,
            attributes_to_get=["pk", "region_code", "established_on", "zones"],
        )
    except FactItem.DoesNotExist:
        return None
    if item.established_on is None:
        return None
    return Placed(credit_code, item.region_code, tuple(decoded(credit_code, z) for z in item.zones or []))


def placed_many(codes: Iterable[str]) -> dict[str, Placed]:
    """Region and memberships of many enterprises (BatchGetItem, 100 a call); registered ones only."""
    found: dict[str, Placed] = {}
    keys = [(enterprise_pk(code), CURRENT_SK) for code in dict.fromkeys(codes)]
    for item in FactItem.batch_get(keys, attributes_to_get=["pk", "region_code", "established_on", "zones"]):
        code = item.pk[2:]
        if item.established_on is not None:
            found[code] = Placed(code, item.region_code, tuple(decoded(code, z) for z in item.zones or []))
    return found


def add_memberships(
    memberships: Sequence[Membership],
    keep: Callable[[Current, Membership], bool] = lambda _current, _m: True,
    facts: FactsRepository | None = None,
) -> set[str]:
    """Record memberships: each one's own item, and on its enterprise's current item (whose existence
    is not required: a unit list may name an enterprise before its registry row). `keep(current, m)`
    decides, against the current item as read, whether `m` is still worth recording. Returns the
    enterprises whose current item gained a membership."""
    repository = facts or FactsRepository()
    by_code: dict[str, list[Membership]] = {}
    for membership in memberships:
        by_code.setdefault(membership.credit_code, []).append(membership)
    write_items([membership_item(m) for m in memberships])  # first: a retry finds the history complete
    pending = set(by_code)
    changed: set[str] = set()
    today = today_in_china()
    for _attempt in range(MAX_ATTEMPTS):
        currents = repository.read_many(pending)
        to_write: list[Current] = []
        before: dict[str, Placement] = {}
        for code, current in currents.items():
            before[code] = placement(current, today)
            added = False
            for membership in by_code[code]:
                encoded = membership.encoded()
                if encoded in current.zones or not keep(current, membership):
                    continue
                current.zones = [*current.zones, encoded]
                added = True
            if added:
                to_write.append(current)
        conflicted = repository.commit(to_write)
        written = [c for c in to_write if c.credit_code not in conflicted]
        count_registered((before[c.credit_code], placement(c, today)) for c in written)
        changed |= {c.credit_code for c in written}
        if not conflicted:
            return changed
        pending = conflicted
    raise MembershipConflictError(f"current facts kept changing for {sorted(pending)[:5]}")


# --- registered enterprises per city and zone (coverage, contract 14) ----------------------------

_REGISTERED_PK: Final = "REG"  # reports table: one counter item per city code and per zone id

Placement = tuple[str | None, str | None]  # (city, zone today as stored); (None, None): not registered


def placement(current: Current, today: date) -> Placement:
    """Where a registered enterprise counts for coverage: its city and its zone today (merges are followed
    by the reader); nothing before its master record."""
    if current.master is None:
        return None, None
    return _placed_at(current.credit_code, current.master.master.region_code, current.zones, today)


def _placed_at(credit_code: str, region_code: str, zones: Iterable[Any], today: date) -> Placement:
    zone = zone_today([decoded(credit_code, z) for z in zones], today)
    return region_code[:4] or None, zone


def count_registered(moves: Iterable[tuple[Placement, Placement]]) -> None:
    """Add the moves (before, after) of enterprises to the counters: the changed keys' ADDs in one
    TransactWriteItems per 100 (all or none of a chunk's counts move), one UpdateItem each if the
    transaction keeps meeting another writer's (two ingest workers' chunks touching one counter)."""
    deltas: Counter[str] = Counter()
    for before, after in moves:
        for key in before:
            if key is not None:
                deltas[key] -= 1
        for key in after:
            if key is not None:
                deltas[key] += 1
    changed = [(key, delta) for key, delta in sorted(deltas.items()) if delta]
    for start in range(0, len(changed), _COUNTERS_PER_TRANSACTION):
        _add_counts(changed[start : start + _COUNTERS_PER_TRANSACTION])


_COUNTERS_PER_TRANSACTION: Final = 100  # DynamoDB's limit of items in one transaction
_COUNTER_ATTEMPTS: Final = 3
_CONCURRENT: Final = frozenset({"TransactionConflict"})


def _add_counts(deltas: Sequence[tuple[str, int]]) -> None:
    connection = ReportItem._get_connection().connection
    for attempt in range(1, _COUNTER_ATTEMPTS + 1):
        try:
            with TransactWrite(connection=connection) as tx:
                for key, delta in deltas:
                    tx.update(ReportItem(_REGISTERED_PK, key), actions=[ReportItem.enterprises.add(delta)])
            return
        except TransactWriteError as exc:
            if not lost_race(exc, _CONCURRENT):  # no condition here: only another transaction
                raise
            if attempt < _COUNTER_ATTEMPTS:
                time.sleep(random.uniform(0.05, 0.2) * attempt)  # the other writer's transaction ends
    # a cancelled transaction added nothing: each ADD alone cannot meet a conflict that cancels others
    for key, delta in deltas:
        ReportItem(_REGISTERED_PK, key).update(actions=[ReportItem.enterprises.add(delta)])


def registered() -> dict[str, int]:
    """Registered enterprises per city code and per zone id (one Query)."""
    return {item.sk: int(item.enterprises or 0) for item in ReportItem.query(_REGISTERED_PK)}


def count_registered_now(today: date, page_size: int = 1000) -> Counter[str]:
    """Registered enterprises per city and zone as the facts table holds them on `today`, counted the way
    `placement` counts them: a Scan of the current items (a projection), for the backfill of the counters
    (`scripts/recount_registered.py`), never a request path."""
    counts: Counter[str] = Counter()
    for item in FactItem.scan(
        FactItem.sk == CURRENT_SK,
        attributes_to_get=["pk", "region_code", "established_on", "zones"],
        page_size=page_size,
    ):
        if item.established_on is None:  # a unit list named it before its registry row: not registered
            continue
        for key in _placed_at(item.pk[2:], item.region_code or "", item.zones or [], today):
            if key is not None:
                counts[key] += 1
    return counts


def set_registered(counts: Mapping[str, int]) -> dict[str, tuple[int, int]]:
    """Make the counters say `counts` (a key stored but not counted: 0): one UpdateItem per counter that
    differs; returns those changes, key -> (before, after). Running it again with the same counts changes
    nothing."""
    stored = registered()
    changes = {
        key: (stored.get(key, 0), int(counts.get(key, 0)))
        for key in sorted(set(stored) | set(counts))
        if stored.get(key) != int(counts.get(key, 0))
    }
    for key, (_, after) in changes.items():
        ReportItem(_REGISTERED_PK, key).update(actions=[ReportItem.enterprises.set(after)])
    return changes
