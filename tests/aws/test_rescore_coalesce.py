"""Coalesced rescoring (domain/scoring/coalesce.py): a burst of uploads scores each enterprise once, a lone
upload is scored by its own message after the delay, and every whitelist state that persisted is published.

No clock is read: the delay is a setting (asserted on the SendMessageBatch entries), and "after the delay"
is modelled by handing the sent message bodies to the rescore handler in the order SQS would deliver them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from chalicelib.domain.scoring.engine import score_period
from chalicelib.domain.scoring.rescore_request import Pair, RescoreRequest
from chalicelib.services.ingest import handle_sqs_event as ingest_handler
from chalicelib.settings import Settings, get_settings
from chalicelib.stores.facts import FactsRepository
from chalicelib.stores.scores import card_sk, enterprise_pk
from chalicelib.stores.tables import ScoreItem
from chalicelib.wiring import handle_rescore_event as rescore_handler
from scripts.provision import Resources
from tests.aws.ingest_helpers import put, receive_event, rescore_messages, sqs_record
from tests.aws.rescore_helpers import (
    GROWTH_BASE,
    MID,
    MODEL,
    P,
    enterprise,
    received,
    rescore,
    subscribe,
    write_facts,
)

A = "91350100M000100Y43"
B = "91110108551385082Q"
REGISTRY = (
    "统一社会信用代码,企业名称,成立日期,行政区划代码,行业代码\n"
    f"{A},南昌示例科技有限公司,2015-03-05,360102,C39\n"
    f"{B},赣州示例材料股份有限公司,2019-07-01,360702,C3911\n"
)
TAX = f"credit_code,period,rd_expense,operating_revenue\n{A},{P},1200,8000\n{B},{P},300,5000\n"
HRSS = f"credit_code,period,employees,high_level_talent\n{A},{P},120,3\n{B},{P},80,1\n"
TAX_AGAIN = f"credit_code,period,rd_expense,operating_revenue\n{A},{P},1500,8000\n{B},{P},300,5200\n"


def _ingest(aws: Resources, key: str, body: str) -> None:
    put(aws, key, body.encode())
    assert ingest_handler(receive_event(aws)) == {"batchItemFailures": []}


def _deliver(bodies: list[str]) -> None:
    """Each message in its own rescore invocation, in the order given (SQS's, after the delay)."""
    for n, body in enumerate(bodies):
        assert rescore_handler({"Records": [sqs_record(body, f"m-{n}")]}) == {"batchItemFailures": []}


def _history(code: str) -> list[ScoreItem]:
    return list(ScoreItem.query(enterprise_pk(code), ScoreItem.sk.startswith("H#"), consistent_read=True))


def _versioned(code: str, periods: list[int], batch_id: str) -> str:
    """The message a writer of the facts item sends: its pairs carry the version it wrote."""
    version = FactsRepository().read(code).version
    pairs = [Pair(credit_code=code, period=p, facts_version=version) for p in periods]
    return RescoreRequest(batch_id=batch_id, pairs=pairs).model_dump_json(exclude_none=True)


@pytest.fixture
def delay(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """The production default delay, set as the environment would set it."""
    seconds = Settings.model_fields["rescore_delay_s"].default
    monkeypatch.setenv("RESCORE_DELAY_S", str(seconds))
    get_settings.cache_clear()
    yield seconds
    monkeypatch.undo()
    get_settings.cache_clear()


def test_a_burst_of_uploads_scores_each_enterprise_once(aws: Resources) -> None:
    for key, body in [
        ("incoming/registry/名录.csv", REGISTRY),
        ("incoming/tax/税务.csv", TAX),
        ("incoming/hrss/人社.csv", HRSS),
        ("incoming/tax/税务-更正.csv", TAX_AGAIN),
    ]:
        _ingest(aws, key, body)
    messages = rescore_messages(aws)
    assert len(messages) >= 4  # one (or more) per upload, each naming both enterprises
    _deliver([json.dumps(m) for m in messages])
    for code in (A, B):
        written = _history(code)
        assert sorted(int(h.period) for h in written) == [P]  # one card write for the whole burst
        final = score_period(MODEL, FactsRepository().load(code), P)
        assert final is not None
        card = ScoreItem.get(enterprise_pk(code), card_sk(P), consistent_read=True)
        assert Decimal(card.score) == final.score  # the burst's last state, not an intermediate one


def test_a_message_whose_enterprise_was_written_again_leaves_it_to_the_later_message(aws: Resources) -> None:
    """Files spread over more than the delay: a message consumed after the next file's write (but before
    that file's message) scores nothing of the enterprises that file wrote again; the later one does."""
    _ingest(aws, "incoming/registry/名录.csv", REGISTRY)
    _ingest(aws, "incoming/tax/税务.csv", TAX)
    early = rescore_messages(aws)
    _ingest(aws, "incoming/tax/税务-更正.csv", TAX_AGAIN)
    _deliver([json.dumps(m) for m in early])  # the registry's and the tax file's messages
    assert _history(A) == [] and _history(B) == []  # the correction's message stands for them
    _deliver([json.dumps(m) for m in rescore_messages(aws)])
    assert len(_history(A)) == 1 and len(_history(B)) == 1


def test_a_lone_upload_is_scored_by_its_own_message_after_the_delay(
    aws: Resources, delay: int, aws_calls: list[Any]
) -> None:
    assert delay <= 60  # leaves a minute of the two for the queue's poll and the rescore itself
    _ingest(aws, "incoming/registry/名录.csv", REGISTRY)
    aws_calls.clear()
    _ingest(aws, "incoming/tax/税务.csv", TAX)
    sent = [params for service, op, params in aws_calls if service == "sqs" and op == "SendMessageBatch"]
    entries = [e for params in sent for e in params["Entries"]]
    assert entries and all(e["DelaySeconds"] == delay for e in entries)
    _deliver([e["MessageBody"] for e in entries])  # what SQS hands over once the delay has passed
    for code in (A, B):
        card = ScoreItem.get(enterprise_pk(code), card_sk(P), consistent_read=True)
        assert card.batch_id is not None and card.kind == "card"


def _strong_base(code: str) -> None:
    write_facts(code, P - 1, GROWTH_BASE, batch_id="b-base")  # MID crosses the line with this base


def _weak_base(code: str) -> None:
    write_facts(code, P - 1, {"operating_revenue": 12500, "rd_expense": 1000}, batch_id="b-flat")


def _listed(code: str) -> bool:
    return bool(ScoreItem.get(enterprise_pk(code), card_sk(P), consistent_read=True).wl_listed)


@pytest.fixture
def unlisted(aws: Resources) -> str:
    """An enterprise scored under the whitelist line (grade C): the engine's verdict, checked."""
    code = enterprise(1, MID)
    rescore([(code, P)], "b-0")
    assert not _listed(code)
    return code


def test_a_state_that_persists_past_the_burst_is_published_once(aws: Resources, unlisted: str) -> None:
    url = subscribe(aws)
    _strong_base(unlisted)
    m1 = _versioned(unlisted, [P - 1, P], "b-1")
    write_facts(unlisted, P, {"employees": 101}, batch_id="b-2")  # still listed after it
    m2 = _versioned(unlisted, [P], "b-2")
    _deliver([m2, m1])  # any order: the older message finds a newer version and leaves it
    events = received(url)
    assert [(e["type"], e["sequence"]) for e in events] == [("whitelist.entered", 1)]
    assert _listed(unlisted)
    assert [int(h.period) for h in _history(unlisted)].count(P) == 2  # the seed's card, then the burst's


def test_an_intermediate_state_nobody_could_see_is_not_published(aws: Resources, unlisted: str) -> None:
    url = subscribe(aws)
    _strong_base(unlisted)  # alone, this would enter the whitelist
    m1 = _versioned(unlisted, [P - 1, P], "b-1")
    _weak_base(unlisted)  # the next file of the burst takes it back under the line
    m2 = _versioned(unlisted, [P - 1, P], "b-2")
    _deliver([m1, m2])
    assert received(url) == []
    assert not _listed(unlisted)


def test_states_of_two_bursts_are_both_published(aws: Resources, unlisted: str) -> None:
    url = subscribe(aws)
    _strong_base(unlisted)
    _deliver([_versioned(unlisted, [P - 1, P], "b-1")])  # the delay passed: this state persisted
    _weak_base(unlisted)
    _deliver([_versioned(unlisted, [P - 1, P], "b-2")])
    events = received(url)
    assert [(e["type"], e["sequence"]) for e in events] == [("whitelist.entered", 1), ("whitelist.left", 2)]


def test_a_later_writer_without_versions_still_gets_its_periods_scored(aws: Resources, unlisted: str) -> None:
    """Pairs without a version (a full rescore, other writers) are scored as named, whatever the version."""
    _strong_base(unlisted)
    m1 = _versioned(unlisted, [P - 1, P], "b-1")
    write_facts(unlisted, P, {"employees": 101}, batch_id="b-2")
    unversioned = RescoreRequest(batch_id="b-2", pairs=[Pair(credit_code=unlisted, period=P)])
    _deliver([m1, unversioned.model_dump_json()])
    assert _listed(unlisted)
