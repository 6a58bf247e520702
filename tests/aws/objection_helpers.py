"""Helpers for the objection tests: an enterprise with a card, keys for its roles, the rescore queue run."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
from chalice.test import Client

from chalicelib.api.auth import department_ids, issue_key
from chalicelib.settings import get_settings
from chalicelib.wiring import handle_rescore_event as handle_sqs_event
from scripts.provision import Resources
from tests.aws.api_helpers import api_app, get_json, post_json
from tests.aws.ingest_helpers import sqs_record
from tests.aws.rescore_helpers import MID, P, enterprise, rescore


@dataclass
class World:
    client: Client
    keys: dict[str, str]
    code: str
    other: str

    def get(self, path: str, who: str) -> tuple[int, Any]:
        return get_json(self.client, path, self.keys[who])

    def post(self, path: str, who: str, body: Any) -> tuple[int, Any]:
        return post_json(self.client, path, self.keys[who], body)

    def file(self, who: str = "enterprise", **body: Any) -> tuple[int, Any]:
        payload = {
            "credit_code": self.code,
            "period": P,
            "field": "indicator.rd_expense",
            "claimed_value": 1500,
            "reason": "研发费用少报了加计扣除部分",
        }
        payload.update(body)
        return self.post("/objections", who, payload)


def world(aws: Resources) -> Iterator[World]:
    code = enterprise(1, MID)
    other = enterprise(2, MID, region="360402")
    rescore([(code, P), (other, P)])
    departments = department_ids(get_settings().model_version)

    def key(role: str, org: str | None = None) -> str:
        return issue_key(role, f"test {role}", departments=departments, org=org)

    keys = {
        "admin": key("admin"),
        "enterprise": key("enterprise", code),
        "other": key("enterprise", other),
        "tax": key("department:tax"),
        "sci": key("department:sci"),
        "registry": key("department:registry"),
        "city": key("city", "3601"),
        "city4": key("city", "3604"),
        "bank": key("bank", "test-bank-a"),
    }
    with Client(api_app()) as client:
        yield World(client, keys, code, other)


def run_rescores(aws: Resources) -> list[dict[str, Any]]:
    """Take every message off the rescore queue and hand each to the rescore handler; return them."""
    sqs = boto3.client("sqs")
    bodies: list[dict[str, Any]] = []
    while got := sqs.receive_message(QueueUrl=aws.rescore_queue_url, MaxNumberOfMessages=10).get(
        "Messages", []
    ):
        for m in got:
            bodies.append(json.loads(m["Body"]))
            handle_sqs_event({"Records": [sqs_record(m["Body"], m["MessageId"])]})
            sqs.delete_message(QueueUrl=aws.rescore_queue_url, ReceiptHandle=m["ReceiptHandle"])
    return bodies
