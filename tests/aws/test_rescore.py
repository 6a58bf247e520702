"""Rescore consumer over moto: score state, whitelist events, idempotency under redelivery and races."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest

from chalicelib.domain.events import event_id
from chalicelib.domain.records import EnterpriseData
from chalicelib.domain.regions import shard_for
from chalicelib.domain.scoring.engine import score_period
from chalicelib.services import relay
from chalicelib.services.rescore import Rescorer
from chalicelib.services.rescore import writes_for as plan
from chalicelib.stores.facts import FactsRepository
from chalicelib.stores.scores import ScoresRepository, StoredCard, card_sk, enterprise_pk
from chalicelib.stores.tables import OutboxItem, ScoreItem
from scripts.provision import Resources
from tests.aws.ingest_helpers import sqs_record
from tests.aws.rescore_helpers import (
    GROWTH_BASE,
    MID,
    MODEL,
    STRONG,
    P,
    enterprise,
    master,
    received,
    request_body,
    rescore,
    subscribe,
    write_facts,
    write_master,
)

WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}


def card(code: str, period: int = P) -> ScoreItem:
    return ScoreItem.get(enterprise_pk(code), card_sk(period), consistent_read=True)


def history(code: str) -> list[ScoreItem]:
    return list(ScoreItem.query(enterprise_pk(code), ScoreItem.sk.startswith("H#")))


def outbox() -> list[OutboxItem]:
    return list(OutboxItem.scan())  # tests only: a handful of items


def score_of(code: str, period: int = P) -> Any:
    scored = score_period(MODEL, FactsRepository().load(code), period)
    assert scored is not None
    return scored


def test_first_rescore_writes_card_history_and_publishes_entered(aws: Resources) -> None:
    sub = subscribe(aws)
    code = enterprise(1, STRONG)
    expected = score_of(code)
    assert expected.whitelisted and expected.grade == "A"  # precondition: the engine lists STRONG

    assert rescore([(code, P)]) == {"batchItemFailures": []}

    item = card(code)
    assert (item.kind, item.score, item.grade, item.stage) == ("card", str(expected.score), "A", "growth")
    shard = shard_for("360111")
    assert (item.gsi_period, item.gsi_stage, item.gsi_whitelist) == (
        f"{P}#{shard}",
        f"{P}#growth#{shard}",
        f"{P}#{shard}",
    )
    assert (item.wl_listed, item.wl_sequence, item.wl_grade) == (True, 1, "A")
    assert [h.score for h in history(code)] == [str(expected.score)]
    events = received(sub)
    assert [(e["type"], e["sequence"], e["id"]) for e in events] == [
        ("whitelist.entered", 1, event_id(code, P, 1))
    ]
    assert events[0]["batch_id"] == "b-1" and events[0]["score"] == float(expected.score)
    assert [o.status for o in outbox()] == ["sent"]


def test_unlisted_card_has_no_whitelist_index_key_and_no_event(aws: Resources) -> None:
    sub = subscribe(aws)
    code = enterprise(2, MID)
    assert not score_of(code).whitelisted

    rescore([(code, P)])

    item = card(code)
    assert item.gsi_whitelist is None and item.gsi_period is not None and not item.wl_listed
    assert received(sub) == [] and outbox() == []


def test_duplicate_message_emits_no_second_event_and_writes_nothing(
    aws: Resources, calls: Counter[str]
) -> None:
    sub = subscribe(aws)
    code = enterprise(3, STRONG)
    rescore([(code, P)], message_id="m-1")
    version = card(code).version
    calls.clear()

    rescore([(code, P)], message_id="m-1")  # SQS redelivers the same message

    assert not WRITES & set(calls), calls
    assert card(code).version == version and len(history(code)) == 1
    assert [e["type"] for e in received(sub)] == ["whitelist.entered"]


def test_messages_out_of_order_end_in_the_newest_state(aws: Resources) -> None:
    sub = subscribe(aws)
    code = enterprise(4, MID)
    first = request_body([(code, P)], batch_id="b-1")  # queued by the first upload
    write_facts(code, P - 1, GROWTH_BASE, batch_id="b-2")
    second = request_body([(code, P - 1), (code, P)], batch_id="b-2")  # queued by the second

    from chalicelib.wiring import handle_rescore_event as handle_sqs_event

    handle_sqs_event({"Records": [sqs_record(second, "m-2")]})
    handle_sqs_event({"Records": [sqs_record(first, "m-1")]})  # late, stale: changes nothing

    expected = score_of(code)
    assert expected.whitelisted  # the P-1 data lifts P over the line
    assert card(code).score == str(expected.score)
    events = received(sub)
    assert [(e["type"], e["batch_id"]) for e in events] == [("whitelist.entered", "b-2")]


def test_rescore_that_changes_nothing_emits_and_writes_nothing(aws: Resources, calls: Counter[str]) -> None:
    sub = subscribe(aws)
    codes = [enterprise(10, STRONG), enterprise(11, MID)]
    rescore([(c, None) for c in codes])
    received(sub)
    calls.clear()

    assert rescore([(c, None) for c in codes], batch_id="b-again") == {"batchItemFailures": []}

    assert not WRITES & set(calls), calls
    # facts, then cards, of the whole message: one BatchGetItem each, nothing else
    assert calls == Counter({"BatchGetItem": 2}), calls
    assert received(sub) == []


def test_score_change_that_keeps_listing_and_grade_writes_the_card_but_no_event(aws: Resources) -> None:
    sub = subscribe(aws)
    code = enterprise(12, STRONG)
    rescore([(code, P)])
    before = score_of(code)
    write_facts(code, P, {"tech_contract_turnover": 450}, batch_id="b-2")
    after = score_of(code)
    assert after.score != before.score and after.grade == before.grade  # precondition

    rescore([(code, P)], batch_id="b-2")

    assert card(code).score == str(after.score)
    assert [h.batch_id for h in sorted(history(code), key=lambda h: h.computed_at)] == ["b-1", "b-2"]
    assert [e["type"] for e in received(sub)] == ["whitelist.entered"]


def test_p_minus_1_upload_that_moves_p_across_the_line_emits_exactly_that_event(aws: Resources) -> None:
    sub = subscribe(aws)
    code = enterprise(13, MID)
    rescore([(code, P)])
    assert received(sub) == []

    write_facts(code, P - 1, GROWTH_BASE, batch_id="b-prev")
    rescore([(code, P - 1), (code, P)], batch_id="b-prev")  # ingest's affected pairs

    events = received(sub)
    assert [(e["type"], e["period"], e["sequence"], e["previous_score"]) for e in events] == [
        ("whitelist.entered", P, 1, None)
    ]
    assert card(code, P - 1).wl_sequence == 0  # P-1 itself was scored, not listed


def test_sequence_rises_through_grade_change_and_veto_left(aws: Resources) -> None:
    sub = subscribe(aws)
    code = enterprise(14, STRONG, previous=GROWTH_BASE)
    rescore([(code, P)])
    listed = score_of(code)
    # less of everything the growth stage rewards: still listed, a lower grade
    fewer = dict.fromkeys(
        [
            "tech_contract_turnover",
            "standards_led",
            "equity_financing",
            "awards_projects",
            "high_level_talent",
        ],
        0,
    )
    write_facts(code, P, fewer, "b-2")
    lower = score_of(code)
    assert lower.whitelisted and lower.grade != listed.grade  # precondition
    rescore([(code, P)], batch_id="b-2")
    write_facts(code, P, {"dishonest_debtor": 1}, batch_id="b-3")
    rescore([(code, P)], batch_id="b-3")

    events = received(sub)
    assert [(e["type"], e["sequence"]) for e in events] == [
        ("whitelist.entered", 1),
        ("whitelist.grade_changed", 2),
        ("whitelist.left", 3),
    ]
    left = events[2]
    assert left["veto"] is True
    assert (left["previous_score"], left["previous_grade"]) == (float(lower.score), lower.grade)
    assert len({e["id"] for e in events}) == 3
    item = card(code)
    assert item.gsi_whitelist is None and not item.wl_listed and item.wl_sequence == 3


class _RacingScores(ScoresRepository):
    """Lets another writer commit between this rescore's read and its write, once."""

    def __init__(self, interloper: Any) -> None:
        super().__init__()
        self.interloper = interloper
        self.loads = 0

    def load(self, credit_code: str) -> dict[int, StoredCard]:
        stored = super().load(credit_code)
        self.loads += 1
        if self.loads == 1:
            self.interloper()
        return stored


def test_two_concurrent_rescores_of_one_enterprise_lose_no_update(aws: Resources) -> None:
    sub = subscribe(aws)
    code = enterprise(15, MID)
    rescore([(code, P)])  # a card exists: grade C, not listed
    write_facts(code, P, {"other_ip": 10}, batch_id="b-old")  # an upload; its rescore starts...

    def other_writer() -> None:  # ...a newer upload lands and its rescore commits first
        write_facts(code, P - 1, GROWTH_BASE, batch_id="b-new")
        Rescorer().rescore_enterprise(code, frozenset({P}), "b-new")

    racing = _RacingScores(other_writer)
    stale = Rescorer(scores=racing, sleep=lambda _: None)
    # the stale rescore had a card to write (other_ip moved); on conflict it re-reads and finds it done
    assert stale.rescore_enterprise(code, frozenset({P}), "b-old") == []

    assert racing.loads == 2  # the conflict made it read again
    expected = score_of(code)
    item = card(code)
    assert (item.score, item.wl_listed, item.wl_sequence) == (str(expected.score), True, 1)
    relay.drain_outbox(min_age_seconds=0)
    assert [(e["type"], e["batch_id"]) for e in received(sub)] == [("whitelist.entered", "b-new")]


def test_version_bump_by_another_writer_is_retried_and_applied(aws: Resources) -> None:
    code = enterprise(16, STRONG)

    def bump() -> None:  # another writer touched the card: same content, new version
        item = card(code)
        item.save()

    rescore([(code, P)])
    write_facts(code, P, {"other_ip": 5}, batch_id="b-2")
    racing = _RacingScores(bump)
    Rescorer(scores=racing, sleep=lambda _: None).rescore_enterprise(code, frozenset({P}), "b-2")

    assert racing.loads == 2
    assert card(code).score == str(score_of(code).score) and card(code).version == 3


def test_crash_between_state_write_and_publish_delivers_once_after_recovery(
    aws: Resources, monkeypatch: pytest.MonkeyPatch
) -> None:
    sub = subscribe(aws)
    code = enterprise(17, STRONG)

    class Crash(BaseException):
        """The Lambda process dying: nothing in the handler catches it."""

    def die(*_: Any, **__: Any) -> int:
        raise Crash

    monkeypatch.setattr(relay, "relay_items", die)
    with pytest.raises(Crash):
        rescore([(code, P)], message_id="m-1")
    monkeypatch.undo()
    assert received(sub) == [] and [o.status for o in outbox()] == ["pending"]

    rescore([(code, P)], message_id="m-1")  # SQS redelivers: the state is already written
    assert relay.drain_outbox(min_age_seconds=0) == 1
    assert relay.drain_outbox(min_age_seconds=0) == 0

    events = received(sub)
    assert [(e["id"], e["sequence"]) for e in events] == [(event_id(code, P, 1), 1)]
    assert [o.status for o in outbox()] == ["sent"]


def test_region_filter_policy_selects_one_city(aws: Resources) -> None:
    nanchang = subscribe(aws, "nanchang", {"region": ["3601"]})
    ganzhou = subscribe(aws, "ganzhou", {"region": ["3607"], "type": ["whitelist.entered"]})
    everyone = subscribe(aws, "everyone")
    a = enterprise(20, STRONG, region="360111")
    b = enterprise(21, STRONG, region="360702")

    rescore([(a, P), (b, P)])

    assert [e["credit_code"] for e in received(nanchang)] == [a]
    assert [e["credit_code"] for e in received(ganzhou)] == [b]
    assert sorted(e["credit_code"] for e in received(everyone)) == sorted([a, b])


def test_a_bad_message_fails_alone(aws: Resources) -> None:
    from chalicelib.wiring import handle_rescore_event as handle_sqs_event

    code = enterprise(22, MID)
    response = handle_sqs_event(
        {
            "Records": [
                sqs_record("not json", "m-bad"),
                sqs_record(request_body([(code, P)]), "m-good"),
            ]
        }
    )

    assert response == {"batchItemFailures": [{"itemIdentifier": "m-bad"}]}
    assert card(code).kind == "card"


def test_a_period_no_longer_scorable_is_retired_with_left(aws: Resources) -> None:
    sub = subscribe(aws)
    code = enterprise(23, STRONG)
    rescore([(code, P)])
    write_master(replace(master(code), established_on=date(P + 1, 1, 1)))
    assert score_period(MODEL, FactsRepository().load(code), P) is None  # precondition

    rescore([(code, None)], batch_id="b-registry-fix")

    item = card(code)
    assert item.kind == "retired" and item.gsi_period is None and item.rank_sk is None
    assert (item.wl_listed, item.wl_sequence) == (False, 2)
    assert [(e["type"], e["sequence"]) for e in received(sub)] == [
        ("whitelist.entered", 1),
        ("whitelist.left", 2),
    ]
    rescore([(code, None)], batch_id="b-again")  # a retired card stays retired, quietly
    assert received(sub) == []


def test_plan_without_master_data_writes_nothing() -> None:
    data = EnterpriseData("X", None, {P: {}})
    assert plan(MODEL, data, {}, None, batch_id=None, now=datetime.now(UTC)) == []
