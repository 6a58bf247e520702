"""A rescore message reads its enterprises' facts and cards in bulk: O(N/100) reads for N enterprises."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from chalicelib.domain.records import FactValue, Master
from chalicelib.settings import get_settings
from chalicelib.stores.facts import Current, FactKey, seed_current
from chalicelib.stores.scores import CardConflictError, ScoresRepository
from scripts.provision import Resources
from scripts.synthetic import credit_code
from tests.aws.api_helpers import Call
from tests.aws.rescore_helpers import MID, MODEL, STRONG, P, rescore

N = 150  # a call of 100 keys and one of 50 per table: enough to show the batching


def _province(n: int) -> list[str]:
    codes, currents = [], []
    for i in range(n):
        code = credit_code(5000 + i, "360111")
        current = Current(code)
        master = Master(code, f"企业{i}", date(2018, 1, 1), "360111", "C39", "b-reg", "2026-01-01T00:00:00Z")
        current.set_master(master, "registry", "o-0")
        for indicator, value in (STRONG if i % 2 else MID).items():
            source = MODEL.indicator(indicator).source
            fact = FactValue(Decimal(value), source, "b-1", "2026-01-01T00:00:00Z")
            current.set_fact(FactKey(code, P, indicator), fact, "o-1")
        codes.append(code)
        currents.append(current)
    seed_current(currents)
    return codes


def _reads(calls: list[Call]) -> Counter[str]:
    """DynamoDB reads of the facts and scores tables, by operation."""
    tables = {get_settings().facts_table, get_settings().scores_table}
    return Counter(
        op
        for service, op, params in calls
        if service == "dynamodb"
        and op in {"GetItem", "Query", "BatchGetItem"}
        and (params.get("TableName") in tables or set(params.get("RequestItems", {})) & tables)
    )


def test_a_message_of_n_enterprises_reads_in_calls_of_100(aws: Resources, aws_calls: list[Call]) -> None:
    codes = _province(N)
    batches = -(-N // 100)
    aws_calls.clear()

    assert rescore([(c, P) for c in codes]) == {"batchItemFailures": []}

    assert _reads(aws_calls) == {"BatchGetItem": 2 * batches}  # facts, then cards; no Query, no GetItem
    writes = Counter(op for _, op, _ in aws_calls if op == "TransactWriteItems")
    assert writes["TransactWriteItems"] == N  # every enterprise's first card: one transaction each
    aws_calls.clear()

    assert rescore([(c, P) for c in codes], batch_id="b-again") == {"batchItemFailures": []}

    assert _reads(aws_calls) == {"BatchGetItem": 2 * batches}  # nothing changed: the reads …
    ddb = Counter(op for service, op, _ in aws_calls if service == "dynamodb")
    assert ddb - Counter({"BatchGetItem": 2 * batches}) <= Counter({"GetItem": 1})  # … + the model pointer


def test_every_period_reads_the_cards_of_the_periods_with_facts(
    aws: Resources, aws_calls: list[Call]
) -> None:
    codes = _province(3)
    assert rescore([(c, None) for c in codes]) == {"batchItemFailures": []}
    aws_calls.clear()

    assert rescore([(c, None) for c in codes], batch_id="b-again") == {"batchItemFailures": []}

    asked = [p for _, op, p in aws_calls if op == "BatchGetItem"]
    assert len(asked) == 2
    card_keys = asked[1]["RequestItems"][get_settings().scores_table]["Keys"]
    assert sorted(k["sk"]["S"] for k in card_keys) == [f"S#{P}"] * 3
    assert all(p["RequestItems"][t]["ConsistentRead"] for p in asked for t in p["RequestItems"])
    assert not {op for _, op, _ in aws_calls} & {"TransactWriteItems", "PutItem", "UpdateItem"}


def test_a_conflict_rereads_that_enterprise_alone(
    aws: Resources, aws_calls: list[Call], monkeypatch: pytest.MonkeyPatch
) -> None:
    codes = _province(5)
    unlucky = codes[2]
    original = ScoresRepository.save
    conflicts: list[str] = []

    def once(self: ScoresRepository, writes: Any) -> Any:
        code = writes[0].card.credit_code
        if code == unlucky and not conflicts:
            conflicts.append(code)
            raise CardConflictError(code)
        return original(self, writes)

    monkeypatch.setattr(ScoresRepository, "save", once)
    aws_calls.clear()

    assert rescore([(c, P) for c in codes]) == {"batchItemFailures": []}

    assert conflicts == [unlucky]
    tables = {get_settings().facts_table: "facts", get_settings().scores_table: "cards"}
    reads = [
        (tables.get(p.get("TableName", "")) or "bulk", op, p)
        for _, op, p in aws_calls
        if op in {"GetItem", "Query", "BatchGetItem"}
        and (p.get("TableName") in tables or "RequestItems" in p)
    ]
    assert [(table, op) for table, op, _ in reads] == [
        ("bulk", "BatchGetItem"),  # the message's facts
        ("bulk", "BatchGetItem"),  # the message's cards
        ("facts", "GetItem"),  # the conflict: that enterprise's facts again
        ("cards", "Query"),  # and its cards
    ]
    assert all(unlucky in str(p) for _, _, p in reads[2:])
    assert len(ScoresRepository().load_many((c, P) for c in codes)) == 5


def test_a_rescore_job_chunk_reads_in_bulk_too(aws: Resources, aws_calls: list[Call]) -> None:
    from chalicelib.wiring import rescore_chunk

    codes = _province(120)
    aws_calls.clear()

    done = rescore_chunk(MODEL, codes, P)

    assert done["enterprises"] == 120 and done["cards_written"] == 120
    assert _reads(aws_calls) == {"BatchGetItem": 4}  # 2 for the facts, 2 for the cards
