"""Policy matching (contract 9): publish fan-out in chunks, and re-matching after every rescore.

One decision for both paths (`decide`): evaluate the policy's criteria on the enterprise's current
card; when that differs from the stored match state, the next sequence is written with its event
(`policy.matched` / `policy.unmatched`) in one transaction (stores/policies.py). Nothing changed,
nothing written. Events leave through the outbox relay at once; what fails there is left to the drain.

Publishing matches every enterprise scored for the policy's period in chunks of
`policy_match_chunk_size` (`match_chunk` is the chunk handler a jobs queue calls). Afterwards the
rescore calls `PolicyRematcher` (a card listener) with each enterprise's committed cards.

A retired card (its period no longer scorable, stores/scores.py) is no card and matches nothing: the
rescore tells `PolicyRematcher.retired`, which turns its matches of the period's policies in force into
`policy.unmatched` (no leaf reasons); a card that becomes scorable again is matched afresh.

`rank` (within period and stage) is counted from the score index when a tree names it, at the moment
of matching: a change of other enterprises' scores that moves this one's rank is seen at its next
rescore, not at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Final

from aws_lambda_powertools import Logger
from aws_lambda_powertools.metrics import MetricUnit

from chalicelib.domain.policies.criteria import parse_criteria
from chalicelib.domain.policies.evaluation import Criteria
from chalicelib.domain.policies.events import MATCHED, UNMATCHED, Matchee, build_policy_event
from chalicelib.domain.policies.policy import Policy, policy_day
from chalicelib.domain.policies.subject import subject_of
from chalicelib.domain.policies.vocabulary import Vocabulary, vocabulary_of
from chalicelib.domain.scoring.ranking import rank_key
from chalicelib.domain.timestamps import stamp
from chalicelib.observability import metrics
from chalicelib.services import zones
from chalicelib.settings import get_settings
from chalicelib.stores import policies as store
from chalicelib.stores.card_reads import CardView, cards_for, established_on, rank_in_stage, rank_readers
from chalicelib.stores.outbox import OutboxRecord
from chalicelib.stores.policies import Delivery, MatchChange, MatchState, StaleWriteError
from chalicelib.stores.scores import CardWrite, Retirement, StoredCard, scored_enterprises

MAX_ATTEMPTS: Final = 4

logger = Logger(child=True)


def _now() -> datetime:
    return datetime.now(UTC)


def vocabulary() -> Vocabulary:
    """What criteria may name: the fields of the active scoring model's cards."""
    from chalicelib.services.model_registry import active_model

    return vocabulary_of(active_model())


@dataclass(frozen=True)
class Compiled:
    """A policy with its compiled criteria and what its tree needs read."""

    policy: Policy
    criteria: Criteria

    @property
    def needs_age(self) -> bool:
        return "age" in self.criteria.fields()

    @property
    def needs_rank(self) -> bool:
        return "rank" in self.criteria.fields()


def compile_policy(policy: Policy, vocab: Vocabulary | None = None) -> Compiled:
    return Compiled(policy, Criteria(parse_criteria(policy.criteria, vocab or vocabulary())))


def decide(
    compiled: Compiled,
    view: CardView,
    founded: date | None,
    rank: int | None,
    existing: MatchState | None,
    now: datetime,
    vocab: Vocabulary,
) -> MatchChange | None:
    """The change of match state of one (policy, enterprise), or None when it stays as it is."""
    subject = subject_of(
        view.card,
        vocab,
        region_code=view.region_code,
        industry_code=view.industry_code,
        established_on=founded,
        rank=rank,
        zone=zones.criteria_fields(view.zone_id),
    )
    # a local policy (a city's or a zone's) reaches only its issuer's area, whatever its criteria say
    matched = compiled.criteria.matches(subject) and zones.within_issuer(compiled.policy.issuer, view)
    was = existing is not None and existing.matched
    if matched == was:
        return None
    _, reasons = compiled.criteria.explain(subject)
    sequence = (existing.sequence if existing is not None else 0) + 1
    card = view.card
    state = MatchState(
        policy_id=compiled.policy.policy_id,
        credit_code=card.credit_code,
        period=card.period,
        matched=matched,
        sequence=sequence,
        name=view.name,
        region_code=view.region_code,
        stage=card.stage,
        score=card.score,
        grade=card.grade,
        reasons=[r.as_json() for r in reasons],
        changed_at=stamp(now),
        delivery=Delivery("pending" if matched else None, 0, None),
    )
    who = Matchee(card.credit_code, view.name, view.region_code, card.stage, card.score, card.grade)
    kind = MATCHED if matched else UNMATCHED
    event = build_policy_event(kind, compiled.policy, who, reasons, sequence, now)
    return MatchChange(state, existing.sequence if existing is not None else None, event)


def decide_retired(
    compiled: Compiled, retired: StoredCard, existing: MatchState | None, now: datetime
) -> MatchChange | None:
    """A retired card (its period no longer scorable) is no card: it matches no policy, so a match it
    had is lost (`policy.unmatched`, no leaf reasons: nothing was evaluated). None when it had none.

    The event carries the last figures the enterprise had: its retired card's, or, when that cannot be
    decoded, the ones the match recorded; None (left as it is, logged) if neither has a score.
    """
    if existing is None or not existing.matched:
        return None
    last = retired.card()
    if last is not None:
        who = Matchee(last.credit_code, retired.name, retired.region_code, last.stage, last.score, last.grade)
    elif existing.score is not None and existing.grade is not None:
        was = existing
        who = Matchee(was.credit_code, was.name, was.region_code, was.stage, existing.score, existing.grade)
    else:
        logger.error(
            "retired card without figures: match left as it is",
            extra={"policy_id": compiled.policy.policy_id, "credit_code": retired.credit_code},
        )
        return None
    sequence = existing.sequence + 1
    state = MatchState(
        policy_id=compiled.policy.policy_id,
        credit_code=who.credit_code,
        period=existing.period,
        matched=False,
        sequence=sequence,
        name=who.name,
        region_code=existing.region_code,  # the match's key: where it was written
        stage=who.stage,
        score=who.score,
        grade=who.grade,
        reasons=[],
        changed_at=stamp(now),
        delivery=Delivery(None, 0, None),
    )
    event = build_policy_event(UNMATCHED, compiled.policy, who, [], sequence, now)
    return MatchChange(state, existing.sequence, event)


def reasons_now(compiled: Compiled, view: CardView) -> list[dict[str, Any]]:
    """Every leaf's reason for one enterprise's current card (reads its age or rank if the tree needs)."""
    code = view.card.credit_code
    founded = established_on([code]).get(code) if compiled.needs_age else None
    rank = None
    if compiled.needs_rank:
        rank = rank_in_stage(view, rank_readers([view.card.period])[view.card.period])
    subject = subject_of(
        view.card,
        vocabulary(),
        region_code=view.region_code,
        industry_code=view.industry_code,
        established_on=founded,
        rank=rank,
        zone=zones.criteria_fields(view.zone_id),
    )
    return [r.as_json() for r in compiled.criteria.explain(subject)[1]]


@dataclass
class MatchCounts:
    """What a matching run did: enterprises evaluated, matched, unmatched, and the outbox records."""

    evaluated: int = 0
    matched: int = 0
    unmatched: int = 0
    records: list[OutboxRecord] = field(default_factory=list)

    def add(self, change: MatchChange, record: OutboxRecord) -> None:
        self.records.append(record)
        if change.state.matched:
            self.matched += 1
        else:
            self.unmatched += 1


class Matcher:
    """Evaluates compiled policies over views of enterprises and writes what changed."""

    def __init__(self, clock: Callable[[], datetime] = _now, vocab: Vocabulary | None = None) -> None:
        self._clock = clock
        self.vocab = vocab or vocabulary()
        self.tally = MatchCounts()

    def run(
        self,
        compiled: Sequence[Compiled],
        views: dict[str, CardView],
        founded: dict[str, date] | None = None,
    ) -> None:
        """Decide and write every (policy, enterprise) of `compiled` x `views`."""
        if not compiled or not views:
            return
        if founded is None and any(c.needs_age for c in compiled):
            founded = established_on(views)
        founded = founded or {}
        ranks: dict[str, int | None] = {}
        if any(c.needs_rank for c in compiled):
            readers = rank_readers(v.card.period for v in views.values())  # each mark read once
            ranks = {code: rank_in_stage(view, readers[view.card.period]) for code, view in views.items()}
        keys = [(c.policy.policy_id, code, v.region_code) for c in compiled for code, v in views.items()]
        existing = store.load_matches(keys)
        for item in compiled:
            for code, view in views.items():
                self.tally.evaluated += 1
                current = existing.get((item.policy.policy_id, code))
                self._apply(item, view, founded.get(code), ranks.get(code), current)

    def _apply(
        self,
        item: Compiled,
        view: CardView,
        founded: date | None,
        rank: int | None,
        current: MatchState | None,
    ) -> None:
        for _ in range(MAX_ATTEMPTS):
            change = decide(item, view, founded, rank, current, self._clock(), self.vocab)
            if change is None:
                return
            try:
                record = store.save_change(change)
            except StaleWriteError:  # another matcher wrote this pair first: read it again, decide again
                current = store.match_of(item.policy.policy_id, view.card.credit_code, view.region_code)
                continue
            self.tally.add(change, record)
            return
        raise StaleWriteError(f"{item.policy.policy_id}/{view.card.credit_code}: match kept changing")

    def run_retired(self, compiled: Sequence[Compiled], retired: Sequence[StoredCard]) -> None:
        """Unmatch retired cards from every policy of `compiled` they matched (one BatchGetItem per 100)."""
        if not compiled or not retired:
            return
        keys = [(c.policy.policy_id, r.credit_code, r.region_code) for c in compiled for r in retired]
        existing = store.load_matches(keys)
        for item in compiled:
            for card in retired:
                self.tally.evaluated += 1
                current = existing.get((item.policy.policy_id, card.credit_code))
                for _ in range(MAX_ATTEMPTS):
                    change = decide_retired(item, card, current, self._clock())
                    if change is None:
                        break
                    try:
                        self.tally.add(change, store.save_change(change))
                        break
                    except StaleWriteError:  # another matcher wrote this pair first: read it again
                        current = store.match_of(item.policy.policy_id, card.credit_code, card.region_code)
                else:
                    raise StaleWriteError(f"{item.policy.policy_id}/{card.credit_code}: match kept changing")

    def relay(self) -> None:
        """Publish what was written; a failure leaves the records pending for the outbox drain."""
        from chalicelib.services.relay import relay_items

        if not self.tally.records:
            return
        try:
            relay_items(self.tally.records)
        except Exception:
            logger.exception("immediate relay of policy events failed; the outbox drain will publish")


# --- publish fan-out -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChunkResult:
    evaluated: int
    matched: int
    unmatched: int


def match_chunk(policy_id: str, codes: Sequence[str], *, clock: Callable[[], datetime] = _now) -> ChunkResult:
    """Match one chunk of enterprises against a policy (the chunk handler of publish matching).

    A policy no longer in force (withdrawn, expired) matches nothing: a late chunk is a no-op.
    """
    policy = store.get(policy_id)
    if policy is None or not policy.in_force(policy_day(clock())):
        return ChunkResult(0, 0, 0)
    compiled = compile_policy(policy)
    matcher = Matcher(clock)
    matcher.run([compiled], cards_for(codes, policy.period))
    matcher.relay()
    tally = matcher.tally
    return ChunkResult(tally.evaluated, tally.matched, tally.unmatched)


def chunks(codes: Iterable[str], size: int) -> Iterator[list[str]]:
    chunk: list[str] = []
    for code in codes:
        chunk.append(code)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def publish_chunks(period: int) -> Iterator[list[str]]:
    """The chunks of a publish: every enterprise scored for `period` (the by_period index, no scan)."""
    return chunks(scored_enterprises(period), get_settings().policy_match_chunk_size)


def match_all(policy_id: str, period: int, *, clock: Callable[[], datetime] = _now) -> ChunkResult:
    """Match every scored enterprise of the period, chunk after chunk, in this process."""
    evaluated = matched = unmatched = 0
    for chunk in publish_chunks(period):
        result = match_chunk(policy_id, chunk, clock=clock)
        evaluated += result.evaluated
        matched += result.matched
        unmatched += result.unmatched
    return ChunkResult(evaluated, matched, unmatched)


# --- re-matching after a rescore -------------------------------------------------------------------


class PolicyRematcher:
    """A card listener (services/rescore.py): re-evaluates the period's policies for changed cards.

    Published policies are read once per period per Lambda invocation (one Query each).
    """

    def __init__(self, clock: Callable[[], datetime] = _now) -> None:
        self._clock = clock
        self._policies: dict[int, list[Compiled]] = {}
        self._vocab: Vocabulary | None = None

    def _in_force(self, period: int) -> list[Compiled]:
        if period not in self._policies:
            today = policy_day(self._clock())
            live = [p for p in store.published(period) if p.in_force(today)]
            if live and self._vocab is None:
                self._vocab = vocabulary()
            self._policies[period] = [compile_policy(p, self._vocab) for p in live]
        return self._policies[period]

    def __call__(self, writes: Sequence[CardWrite]) -> None:
        # The cards are committed: raising would retry a rescore that then finds nothing to change
        # and never calls us again. Log loudly instead (the PolicyRematchFailed metric alarms).
        try:
            self._rematch(writes)
        except Exception:
            codes = sorted({w.card.credit_code for w in writes})
            logger.exception("policy re-matching failed", extra={"enterprises": codes})
            metrics.add_metric(name="PolicyRematchFailed", unit=MetricUnit.Count, value=1)

    def retired(self, retirements: Sequence[Retirement]) -> None:
        """Retired cards match nothing: their matches of the period's policies in force are lost."""
        try:
            by_period: dict[int, list[StoredCard]] = {}
            for retirement in retirements:
                by_period.setdefault(retirement.previous.period, []).append(retirement.previous)
            matcher: Matcher | None = None
            for period, cards in by_period.items():
                compiled = self._in_force(period)
                if compiled:
                    matcher = matcher or Matcher(self._clock, self._vocab)
                    matcher.run_retired(compiled, cards)
            if matcher is not None:
                matcher.relay()
        except Exception:
            codes = sorted({r.previous.credit_code for r in retirements})
            logger.exception("policy unmatching of retired cards failed", extra={"enterprises": codes})
            metrics.add_metric(name="PolicyRematchFailed", unit=MetricUnit.Count, value=1)

    def _rematch(self, writes: Sequence[CardWrite]) -> None:
        by_period: dict[int, dict[str, CardView]] = {}
        founded: dict[str, date] = {}
        for write in writes:
            card, master = write.card, write.master
            rank_sk = rank_key(card.score, card.credit_code)
            view = CardView(
                card, master.name, master.region_code, master.industry_code, rank_sk, zone_id=write.zone_id
            )
            by_period.setdefault(card.period, {})[card.credit_code] = view
            founded[card.credit_code] = master.established_on
        matcher: Matcher | None = None
        for period, views in by_period.items():
            compiled = self._in_force(period)
            if not compiled:
                continue
            matcher = matcher or Matcher(self._clock, self._vocab)
            matcher.run(compiled, views, founded)
        if matcher is not None:
            matcher.relay()
