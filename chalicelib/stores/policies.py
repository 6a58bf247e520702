"""The policies store: policies with their versions, and match items with their delivery state.

Key formats are written here once (see `tables.py` for the layout). A match item is the state of one
(policy, enterprise): whether it matches now, how many events it has published (`sequence`), the
reasons at the last change and the 赣企通 delivery state. A change of match state is written in ONE
transaction with its outbox record, conditional on the sequence read, so two writers never publish
the same sequence twice and a crash never loses or doubles an event.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Final

from pynamodb.exceptions import PutError, TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.transactions import TransactWrite

from chalicelib.domain.events import ChangeEvent
from chalicelib.domain.policies.policy import DRAFT, PUBLISHED, Policy, policy_day
from chalicelib.domain.regions import all_shards, shard_for, shards_for_prefix
from chalicelib.stores import outbox
from chalicelib.stores.jobs import new_item as new_job_item
from chalicelib.stores.outbox import OutboxRecord
from chalicelib.stores.tables import JobItem, OutboxItem, PolicyItem, PolicyMatchItem
from chalicelib.stores.transactions import lost_race

HEAD: Final = "HEAD"
CATALOGUE: Final = "policies"
PENDING: Final = "pending"
DELIVERED: Final = "delivered"
FAILED: Final = "failed"


class StaleWriteError(RuntimeError):
    """What was read changed before the write (another writer was first): re-read and decide again."""


def policy_pk(policy_id: str) -> str:
    return f"P#{policy_id}"


def version_sk(version: int) -> str:
    return f"V#{version:06d}"


def match_pk(policy_id: str, credit_code: str) -> str:
    """A match item's key: (policy, enterprise), never the enterprise's city (it may move)."""
    return f"M#{policy_id}#{credit_code}"


def shard_key(policy_id: str, shard: str) -> str:
    """The `by_shard` index's partition: the policy's matches in one city (follows the enterprise)."""
    return f"{policy_id}#{shard}"


def _period_status(period: int, status: str) -> str:
    return f"{period}#{status}"


def _enterprise_key(credit_code: str, period: int) -> str:
    return f"{credit_code}#{period}"


# --- policies -----------------------------------------------------------------------------------


def _doc(policy: Policy) -> dict[str, Any]:
    return policy.model_dump(mode="json")


def _item(
    policy: Policy,
    sk: str,
    *,
    created_sk: str | None = None,
    gsi_catalogue: str | None = None,
    gsi_period_status: str | None = None,
) -> PolicyItem:
    return PolicyItem(
        policy_pk(policy.policy_id),
        sk,
        policy_id=policy.policy_id,
        status=policy.status,
        policy_kind=policy.kind,
        issuer=policy.issuer,
        period=policy.period,
        version=policy.version,
        doc=_doc(policy),
        created_sk=created_sk,
        gsi_catalogue=gsi_catalogue,
        gsi_period_status=gsi_period_status,
    )


def _head(policy: Policy) -> PolicyItem:
    """The policy as it is now, on the catalogue and period indexes."""
    return _item(
        policy,
        HEAD,
        created_sk=f"{policy.created_at}#{policy.policy_id}",
        gsi_catalogue=CATALOGUE,
        gsi_period_status=_period_status(policy.period, policy.status),
    )


def _version(policy: Policy) -> PolicyItem:
    """A kept version: on no index."""
    return _item(policy, version_sk(policy.version))


def _policy(item: PolicyItem) -> Policy:
    return Policy.model_validate(item.doc)


def _commit(tx_body: Any) -> None:
    try:
        tx_body()
    except TransactWriteError as exc:
        if lost_race(exc):
            raise StaleWriteError(str(exc)) from exc
        raise


def create(policy: Policy) -> None:
    """Store a new policy (its head and version 1)."""

    def write() -> None:
        with TransactWrite(connection=PolicyItem._get_connection().connection) as tx:
            tx.save(_head(policy), condition=PolicyItem.pk.does_not_exist())
            tx.save(_version(policy), condition=PolicyItem.pk.does_not_exist())

    _commit(write)


def save_version(policy: Policy, previous: Policy) -> None:
    """A new version of a draft: head and version item, if the head is still `previous`'s version."""

    def write() -> None:
        with TransactWrite(connection=PolicyItem._get_connection().connection) as tx:
            tx.save(
                _head(policy),
                condition=(PolicyItem.version == previous.version) & (PolicyItem.status == previous.status),
            )
            tx.save(_version(policy), condition=PolicyItem.pk.does_not_exist())

    _commit(write)


def save_status(policy: Policy, previous: Policy) -> None:
    """The head with a new status, if it still has `previous`'s status and version."""
    try:
        _head(policy).save(
            condition=(PolicyItem.version == previous.version) & (PolicyItem.status == previous.status)
        )
    except PutError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise StaleWriteError(str(exc)) from exc
        raise


def publish(
    policy: Policy, previous: Policy, job_kind: str, job_params: dict[str, Any], started_by: str | None = None
) -> str:
    """Publish: the head with its new status and its matching job's item, in ONE transaction (if the head
    still has `previous`'s status and version); return the job id. A crash after it leaves a published
    policy whose job exists and can be queued again (`match_job`), never one that matched no one."""
    job = new_job_item(job_kind, job_params, policy.period, started_by=started_by)
    head = _head(policy)
    head.match_job_id = job.job_id

    def write() -> None:
        with TransactWrite(connection=PolicyItem._get_connection().connection) as tx:
            tx.save(
                head,
                condition=(PolicyItem.version == previous.version) & (PolicyItem.status == previous.status),
            )
            tx.save(job, condition=JobItem.job_id.does_not_exist())

    _commit(write)
    return str(job.job_id)


def match_job(policy_id: str) -> str | None:
    """The id of a published policy's matching job (None for a policy published before it was kept)."""
    try:
        item = PolicyItem.get(
            policy_pk(policy_id), HEAD, consistent_read=True, attributes_to_get=["match_job_id"]
        )
    except PolicyItem.DoesNotExist:
        return None
    return item.match_job_id


def get(policy_id: str) -> Policy | None:
    try:
        return _policy(PolicyItem.get(policy_pk(policy_id), HEAD, consistent_read=True))
    except PolicyItem.DoesNotExist:
        return None


def versions(policy_id: str) -> list[Policy]:
    """Every version of a policy, oldest first."""
    items = PolicyItem.query(policy_pk(policy_id), PolicyItem.sk.startswith("V#"), consistent_read=True)
    return [_policy(item) for item in items]


def catalogue(
    status: str | None, kind: str | None, viewer: str | None, limit: int, after: str | None
) -> tuple[list[Policy], str | None]:
    """Policies newest first, filtered; the position after the last one when more may follow.

    `viewer` None sees every draft (admin); otherwise only drafts whose issuer is `viewer`.
    """
    conditions: list[Condition] = []
    if status is not None:
        conditions.append(PolicyItem.status == status)
    if kind is not None:
        conditions.append(PolicyItem.policy_kind == kind)
    if viewer is not None:
        conditions.append((PolicyItem.status != DRAFT) | (PolicyItem.issuer == viewer))
    condition: Condition | None = None
    for part in conditions:
        condition = part if condition is None else condition & part
    query = PolicyItem.catalogue.query(
        CATALOGUE,
        PolicyItem.created_sk < after if after is not None else None,
        filter_condition=condition,
        scan_index_forward=False,
        page_size=max(limit, 25),
    )
    found: list[Policy] = []
    for item in query:
        found.append(_policy(item))
        if len(found) == limit + 1:
            break
    if len(found) > limit:
        last = found[limit - 1]
        return found[:limit], f"{last.created_at}#{last.policy_id}"
    return found, None


def published(period: int) -> list[Policy]:
    """The published policies of a period (withdrawn ones have left this index partition)."""
    query = PolicyItem.by_period_status.query(_period_status(period, PUBLISHED))
    return [_policy(item) for item in query]


# --- matches ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Delivery:
    state: str | None  # pending | delivered | failed; None while not matched
    attempts: int
    last_status: int | None


@dataclass(frozen=True, slots=True)
class MatchState:
    policy_id: str
    credit_code: str
    period: int
    matched: bool
    sequence: int
    name: str
    region_code: str
    stage: str
    score: Decimal | None
    grade: str | None
    reasons: list[dict[str, Any]]
    changed_at: str
    delivery: Delivery


def _state(item: PolicyMatchItem) -> MatchState:
    return MatchState(
        policy_id=item.policy_id,
        credit_code=item.credit_code,
        period=int(item.period),
        matched=bool(item.matched),
        sequence=int(item.sequence or 0),
        name=item.name or "",
        region_code=item.region_code or "",
        stage=item.stage or "",
        score=Decimal(item.score) if item.score is not None else None,
        grade=item.grade,
        reasons=list(item.reasons or []),
        changed_at=item.changed_at,
        delivery=Delivery(
            item.delivery_state,
            int(item.delivery_attempts or 0),
            int(item.delivery_last_status) if item.delivery_last_status is not None else None,
        ),
    )


def load_matches(keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], MatchState]:
    """Match states of (policy_id, credit_code) keys, by (policy_id, credit_code)."""
    wanted = list(dict.fromkeys((match_pk(p, c), c) for p, c in keys))
    found: dict[tuple[str, str], MatchState] = {}
    for start in range(0, len(wanted), 100):
        for item in PolicyMatchItem.batch_get(wanted[start : start + 100], consistent_read=True):
            found[(item.policy_id, item.credit_code)] = _state(item)
    return found


@dataclass(frozen=True, slots=True)
class MatchChange:
    """A new match state of (policy, enterprise) and the event that announces it."""

    state: MatchState
    previous_sequence: int | None  # None: no item yet
    event: ChangeEvent


def _match_item(state: MatchState) -> PolicyMatchItem:
    return PolicyMatchItem(
        match_pk(state.policy_id, state.credit_code),
        state.credit_code,
        policy_id=state.policy_id,
        credit_code=state.credit_code,
        period=state.period,
        name=state.name,
        region_code=state.region_code,
        stage=state.stage,
        score=str(state.score) if state.score is not None else None,
        grade=state.grade,
        matched=state.matched,
        sequence=state.sequence,
        changed_at=state.changed_at,
        reasons=state.reasons,
        delivery_state=state.delivery.state,
        delivery_attempts=state.delivery.attempts,
        delivery_last_status=state.delivery.last_status,
        gsi_enterprise=_enterprise_key(state.credit_code, state.period) if state.matched else None,
        gsi_shard=shard_key(state.policy_id, shard_for(state.region_code)),
    )


def save_change(change: MatchChange) -> OutboxRecord:
    """Write the new state and its outbox record together; StaleWriteError if the sequence moved."""
    item = _match_item(change.state)
    record = outbox.new_item(change.event, change.state.changed_at)
    condition = (
        PolicyMatchItem.pk.does_not_exist()
        if change.previous_sequence is None
        else PolicyMatchItem.sequence == change.previous_sequence
    )

    def write() -> None:
        with TransactWrite(connection=PolicyMatchItem._get_connection().connection) as tx:
            tx.save(item, condition=condition)
            tx.save(record, condition=OutboxItem.id.does_not_exist())

    _commit(write)
    return outbox.record_of(record)


def relocate(state: MatchState, region_code: str, name: str) -> None:
    """The enterprise moved (or was renamed) while its match state stayed: the item follows it to its
    new city (the `by_shard` index), sequence, reasons and delivery state unchanged; no event.
    StaleWriteError if the sequence moved since `state` was read."""
    item = PolicyMatchItem(match_pk(state.policy_id, state.credit_code), state.credit_code)
    try:
        item.update(
            actions=[
                PolicyMatchItem.region_code.set(region_code),
                PolicyMatchItem.name.set(name),
                PolicyMatchItem.gsi_shard.set(shard_key(state.policy_id, shard_for(region_code))),
            ],
            condition=PolicyMatchItem.sequence == state.sequence,
        )
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise StaleWriteError(str(exc)) from exc
        raise


def match_of(policy_id: str, credit_code: str) -> MatchState | None:
    try:
        item = PolicyMatchItem.get(match_pk(policy_id, credit_code), credit_code, consistent_read=True)
    except PolicyMatchItem.DoesNotExist:
        return None
    return _state(item)


def record_delivery(
    policy_id: str,
    credit_code: str,
    sequence: int,
    *,
    state: str,
    last_status: int | None,
    at: str,
) -> bool:
    """Count one delivery attempt of match `sequence`; False when the match has moved on since."""
    item = PolicyMatchItem(match_pk(policy_id, credit_code), credit_code)
    actions: list[Any] = [
        PolicyMatchItem.delivery_attempts.add(1),
        PolicyMatchItem.delivery_state.set(state),
    ]
    actions.append(
        PolicyMatchItem.delivery_last_status.set(last_status)
        if last_status is not None
        else PolicyMatchItem.delivery_last_status.remove()
    )
    if state == DELIVERED:
        actions.append(PolicyMatchItem.delivered_at.set(at))
    try:
        item.update(
            actions=actions,
            condition=(PolicyMatchItem.sequence == sequence) & (PolicyMatchItem.matched == True),  # noqa: E712
        )
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def matches_of(
    policy_id: str,
    region: str | None,
    delivery: str | None,
    limit: int,
    after: tuple[str, str] | None,
) -> tuple[list[MatchState], tuple[str, str] | None]:
    """Current matches of a policy, shard by shard and by credit code; `after` = (shard, code)."""
    condition: Condition = PolicyMatchItem.matched == True  # noqa: E712
    if region is not None:
        condition &= PolicyMatchItem.region_code.startswith(region)
    if delivery is not None:
        condition &= PolicyMatchItem.delivery_state == delivery
    shards = list(shards_for_prefix(region))
    if after is not None and after[0] in shards:
        shards = shards[shards.index(after[0]) :]
    found: list[tuple[str, MatchState]] = []
    for shard in shards:
        start = after[1] if after is not None and shard == after[0] else None
        query = PolicyMatchItem.by_shard.query(
            shard_key(policy_id, shard),
            PolicyMatchItem.credit_code > start if start is not None else None,
            filter_condition=condition,
            page_size=max(limit, 25),
        )
        for item in query:
            found.append((shard, _state(item)))
            if len(found) > limit:
                break
        if len(found) > limit:
            break
    if len(found) > limit:
        shard, last = found[limit - 1]
        return [s for _, s in found[:limit]], (shard, last.credit_code)
    return [s for _, s in found], None


def enterprise_matches(credit_code: str, period: int) -> list[MatchState]:
    """The current matches of an enterprise for a period (the sparse by_enterprise index)."""
    query = PolicyMatchItem.by_enterprise.query(_enterprise_key(credit_code, period))
    return [_state(item) for item in query]


@dataclass(frozen=True, slots=True)
class CurrentMatch:
    credit_code: str
    region_code: str
    policy_id: str


def current_matches(period: int, today: date | None = None) -> Iterator[CurrentMatch]:
    """Every current match of the period's published policies in force today (for reports).

    Queries each published policy's match partitions; no scan.
    """
    today = today or policy_day(datetime.now(UTC))
    for policy in published(period):
        if not policy.in_force(today):
            continue
        for shard in all_shards():
            query = PolicyMatchItem.by_shard.query(
                shard_key(policy.policy_id, shard),
                filter_condition=PolicyMatchItem.matched == True,  # noqa: E712
                attributes_to_get=["credit_code", "region_code", "policy_id", "matched"],
            )
            for item in query:
                yield CurrentMatch(item.credit_code, item.region_code or "", item.policy_id)


# --- products (contract 18) -----------------------------------------------------------------------


def finance_policies(issuer: str | None) -> Iterator[Policy]:
    """Every finance policy (of one issuer), newest first: one Query of the catalogue index, filtered.
    The caller keeps the products among them (those with terms)."""
    condition: Condition = PolicyItem.policy_kind == "finance"
    if issuer is not None:
        condition &= PolicyItem.issuer == issuer
    for item in PolicyItem.catalogue.query(CATALOGUE, filter_condition=condition, scan_index_forward=False):
        yield _policy(item)


def count_matches(policy_id: str) -> int:
    """The current matches of one policy: a Query of each of its shard partitions, keys only."""
    total = 0
    for shard in all_shards():
        query = PolicyMatchItem.by_shard.query(
            shard_key(policy_id, shard),
            filter_condition=PolicyMatchItem.matched == True,  # noqa: E712
            attributes_to_get=["credit_code", "matched"],
        )
        total += sum(1 for _ in query)
    return total
