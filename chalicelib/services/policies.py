"""Policies' life (contract 9): create and edit drafts, preview, publish, withdraw, read.

Criteria are validated on every write (INVALID_CRITERIA naming the path); a published policy is frozen.
Publishing flips the status first (conditional, so publishing twice is refused once) and then matches
every enterprise scored for the period in chunks (services/matching.py).
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from chalicelib.domain.model.schema import STAGES
from chalicelib.domain.policies.criteria import parse_criteria
from chalicelib.domain.policies.evaluation import Criteria
from chalicelib.domain.policies.policy import (
    ADMIN_ISSUER,
    DRAFT,
    PUBLISHED,
    WITHDRAWN,
    Policy,
    PolicyFields,
    PolicyStateError,
    check_editable,
    check_publishable,
    check_withdrawable,
    policy_day,
)
from chalicelib.domain.policies.subject import subject_of
from chalicelib.domain.regions import CITIES
from chalicelib.domain.timestamps import stamp
from chalicelib.services import zones
from chalicelib.services.matching import ChunkResult, compile_policy, match_all, reasons_now, vocabulary
from chalicelib.stores import policies as store
from chalicelib.stores.card_reads import cards_for, established_on, period_cards, rank_in_stage, rank_readers
from chalicelib.stores.policies import StaleWriteError

SAMPLE_SIZE: Final = 20
POLICY_MATCH_JOB: Final = "policy_match"  # the job kind (services/jobs.py KINDS)


class PolicyNotFoundError(LookupError):
    def __init__(self, policy_id: str) -> None:
        super().__init__(f"policy {policy_id} not found / 未找到政策 {policy_id}")
        self.policy_id = policy_id


def _now() -> datetime:
    return datetime.now(UTC)


def _validated(fields: PolicyFields) -> None:
    parse_criteria(fields.criteria, vocabulary())  # CriteriaError names the path


def create(fields: PolicyFields, issuer: str, *, clock: Callable[[], datetime] = _now) -> Policy:
    _validated(fields)
    moment = stamp(clock())
    policy = Policy(
        policy_id=uuid.uuid4().hex,
        title=fields.title,
        issuer=issuer,
        kind=fields.kind,
        summary=fields.summary,
        url=fields.url,
        contact=fields.contact,
        period=fields.period,
        valid_from=fields.valid_from,
        valid_to=fields.valid_to,
        status=DRAFT,
        version=1,
        criteria=fields.criteria,
        created_at=moment,
        updated_at=moment,
    )
    store.create(policy)
    return policy


def get(policy_id: str) -> Policy:
    policy = store.get(policy_id)
    if policy is None:
        raise PolicyNotFoundError(policy_id)
    return policy


def edit(policy_id: str, fields: PolicyFields, *, clock: Callable[[], datetime] = _now) -> Policy:
    """A new version of a draft; POLICY_NOT_DRAFT once published or withdrawn."""
    _validated(fields)
    for _ in range(3):
        previous = get(policy_id)
        check_editable(previous)
        if _content(previous) == fields.model_dump(exclude={"issuer"}):
            return previous  # the same content again is no new version
        policy = previous.model_copy(
            update={
                **fields.model_dump(exclude={"issuer"}),
                "version": previous.version + 1,
                "updated_at": stamp(clock()),
            }
        )
        try:
            store.save_version(policy, previous)
        except StaleWriteError:
            continue  # edited or published meanwhile: decide again on what is there now
        return policy
    raise PolicyStateError("POLICY_CONFLICT", "the policy kept changing; try again", "政策正在被修改，请重试")


def _content(policy: Policy) -> dict[str, object]:
    return policy.model_dump(
        include={"title", "kind", "summary", "url", "contact", "period", "valid_from", "valid_to", "criteria"}
    )


def _transition(
    policy_id: str,
    check: Callable[[Policy], None],
    status: str,
    stamp_field: str,
    clock: Callable[[], datetime],
) -> Policy:
    previous = get(policy_id)
    check(previous)
    moment = stamp(clock())
    policy = previous.model_copy(update={"status": status, "updated_at": moment, stamp_field: moment})
    try:
        store.save_status(policy, previous)
    except StaleWriteError:
        check(get(policy_id))  # someone else moved it: say why in the caller's terms
        raise
    return policy


def publish(policy_id: str, *, clock: Callable[[], datetime] = _now) -> tuple[Policy, str]:
    """Publish a draft (once) and start the job that matches every scored enterprise of its period.

    The status flips first, so that the job's chunks find the policy in force; if the job cannot be
    started, the flip is undone and the draft can be published again.
    """
    from chalicelib.services.jobs import start_job

    policy = _transition(
        policy_id, lambda p: check_publishable(p, policy_day(clock())), PUBLISHED, "published_at", clock
    )
    try:
        job_id = start_job(POLICY_MATCH_JOB, {"policy_id": policy.policy_id}, policy.period)
    except Exception:
        draft = policy.model_copy(update={"status": DRAFT, "published_at": None})
        store.save_status(draft, policy)
        raise
    return policy, job_id


def publish_in_process(policy_id: str, *, clock: Callable[[], datetime] = _now) -> tuple[Policy, ChunkResult]:
    """Publish and match in this process, chunk after chunk (scripts and benchmarks without a jobs queue)."""
    policy = _transition(
        policy_id, lambda p: check_publishable(p, policy_day(clock())), PUBLISHED, "published_at", clock
    )
    return policy, match_all(policy.policy_id, policy.period, clock=clock)


def withdraw(policy_id: str, *, clock: Callable[[], datetime] = _now) -> Policy:
    """Stop a published policy: no further pushes, no current matches; no `policy.unmatched` is sent."""
    return _transition(policy_id, check_withdrawable, WITHDRAWN, "withdrawn_at", clock)


@dataclass(frozen=True)
class Preview:
    matched: int
    by_region: dict[str, int]
    by_stage: dict[str, int]
    sample: list[str]


def preview(policy_id: str) -> Preview:
    """Who the policy would reach now: counts by city and stage and a sample. Nothing is written."""
    policy = get(policy_id)
    vocab = vocabulary()
    criteria = Criteria(parse_criteria(policy.criteria, vocab))
    fields = criteria.fields()
    by_region: Counter[str] = Counter()
    by_stage: Counter[str] = Counter()
    sample: list[str] = []
    # the build's mark read once for the whole preview, and only when a criterion needs ranks
    ranks = rank_readers([policy.period])[policy.period] if "rank" in fields else None
    for page in period_cards(policy.period):
        founded = established_on(page) if "age" in fields else {}
        for code, view in page.items():
            rank = rank_in_stage(view, ranks) if ranks is not None else None
            subject = subject_of(
                view.card,
                vocab,
                region_code=view.region_code,
                industry_code=view.industry_code,
                established_on=founded.get(code),
                rank=rank,
                zone=zones.criteria_fields(view.zone_id),
            )
            if criteria.matches(subject) and zones.within_issuer(policy.issuer, view):
                by_region[view.region_code[:4]] += 1
                by_stage[view.card.stage] += 1
                if len(sample) < SAMPLE_SIZE:
                    sample.append(code)
    return Preview(
        matched=sum(by_stage.values()),
        by_region={city: by_region[city] for city in sorted(set(CITIES) | set(by_region))},
        by_stage={stage: by_stage[stage] for stage in STAGES},
        sample=sorted(sample),
    )


def may_manage(policy: Policy, role_issuer: str | None) -> bool:
    """Admin manages every policy; a department its own (404 for others: no existence leak)."""
    return role_issuer is None or policy.issuer == role_issuer or role_issuer == ADMIN_ISSUER


def enterprise_policies(credit_code: str, period: int) -> list[tuple[Policy, list[dict[str, Any]]]]:
    """The published policies in force that an enterprise matches for a period, newest first, each
    with its reasons as the enterprise's card stands now (those stored at the match if it has none)."""
    current = {m.policy_id: m for m in store.enterprise_matches(credit_code, period)}
    if not current:
        return []
    today = policy_day(_now())
    matched = [p for p in store.published(period) if p.policy_id in current and p.in_force(today)]
    view = cards_for([credit_code], period).get(credit_code)
    out: list[tuple[Policy, list[dict[str, Any]]]] = []
    for policy in sorted(matched, key=lambda p: p.created_at, reverse=True):
        reasons = current[policy.policy_id].reasons
        if view is not None:
            reasons = reasons_now(compile_policy(policy), view)
        out.append((policy, reasons))
    return out
