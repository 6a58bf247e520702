"""Rescore and relay test helpers: enterprises written as facts, the whitelist as a subscriber sees it.

Facts go in through `chalicelib.stores.facts` (current items, as ingest leaves them). Profiles are chosen so
that the scoring engine itself decides the score; tests check the engine's verdict as a precondition
rather than assuming a number.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import boto3

from chalicelib.domain.model.schema import load_model
from chalicelib.domain.records import FactValue, Master
from chalicelib.domain.scoring.rescore_request import Pair, RescoreRequest
from chalicelib.settings import get_settings
from chalicelib.stores.facts import FactKey, FactsRepository, seed_current
from chalicelib.wiring import handle_rescore_event as handle_sqs_event
from scripts.provision import Resources
from scripts.synthetic import credit_code
from tests.aws.ingest_helpers import sqs_record

P = 2025
MODEL = load_model(get_settings().model_version)

# Growth stage (age 6, revenue 12,500 万元). Everything but the two growth indicators:
# the engine puts this in grade C, under the whitelist line.
MID: Mapping[str, int] = {
    "operating_revenue": 12500,
    "rd_expense": 1000,
    "rd_staff": 20,
    "employees": 100,
    "invention_patents": 10,
    "net_profit": 500,
    "tax_paid": 200,
    "other_ip": 20,
}
# The previous year's inputs that give both growth indicators full points: MID crosses the line.
GROWTH_BASE: Mapping[str, int] = {"operating_revenue": 9000, "rd_expense": 700}
# MID plus the rest of the core indicators: grade A.
STRONG: Mapping[str, int] = {
    **MID,
    "tech_contract_turnover": 500,
    "standards_led": 3,
    "rd_platforms": 1,
    "high_tech_revenue_ratio": 60,
    "equity_financing": 2000,
    "awards_projects": 2,
    "high_level_talent": 3,
}


def master(code: str, region: str = "360111", name: str | None = None) -> Master:
    return Master(
        credit_code=code,
        name=name or f"江西测试企业{code[-6:]}有限公司",
        established_on=date(2019, 3, 5),
        region_code=region,
        industry_code="C39",
        batch_id="b-registry",
        received_at="2026-01-01T00:00:00Z",
    )


_order = 0


def _next_order() -> str:
    global _order
    _order += 1
    return f"2026-01-01T00:00:00Z#{_order:08d}"


def write_master(m: Master) -> None:
    current = FactsRepository().read(m.credit_code)
    current.set_master(m, "registry", _next_order())
    seed_current([current])


def write_facts(code: str, period: int, values: Mapping[str, int | Decimal], batch_id: str = "b-1") -> None:
    """Current facts as ingest leaves them (the latest value per indicator wins)."""
    current = FactsRepository().read(code)
    for indicator, value in values.items():
        source = MODEL.indicator(indicator).source
        value_ = FactValue(Decimal(value), source, batch_id, "2026-01-01T00:00:00Z")
        current.set_fact(FactKey(code, period, indicator), value_, _next_order())
    seed_current([current])


def enterprise(
    n: int,
    values: Mapping[str, int | Decimal],
    *,
    region: str = "360111",
    period: int = P,
    previous: Mapping[str, int | Decimal] | None = None,
) -> str:
    code = credit_code(n, region)
    write_master(master(code, region))
    write_facts(code, period, values)
    if previous:
        write_facts(code, period - 1, previous)
    return code


def request_body(pairs: list[tuple[str, int | None]], batch_id: str | None = "b-1") -> str:
    return RescoreRequest(
        batch_id=batch_id, pairs=[Pair(credit_code=c, period=p) for c, p in pairs]
    ).model_dump_json()


def rescore(
    pairs: list[tuple[str, int | None]], batch_id: str | None = "b-1", message_id: str = "m-1"
) -> Any:
    """One invocation of the rescore handler with one message, as Lambda would call it."""
    return handle_sqs_event({"Records": [sqs_record(request_body(pairs, batch_id), message_id)]})


def subscribe(
    aws: Resources, name: str = "subscriber", filter_policy: Mapping[str, Any] | None = None
) -> str:
    """An SQS queue subscribed to the whitelist topic (raw delivery); returns its URL."""
    sqs, sns = boto3.client("sqs"), boto3.client("sns")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    attributes = {"RawMessageDelivery": "true"}
    if filter_policy is not None:
        attributes["FilterPolicy"] = json.dumps(filter_policy)
    sns.subscribe(TopicArn=aws.whitelist_topic_arn, Protocol="sqs", Endpoint=arn, Attributes=attributes)
    return url


def received(url: str) -> list[dict[str, Any]]:
    """Every message body on a subscriber queue, queue emptied."""
    sqs = boto3.client("sqs")
    out: list[dict[str, Any]] = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            return out
        for m in got:
            out.append(json.loads(m["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
