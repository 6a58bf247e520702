"""Policies for tests: a policy's fields, and a subscriber of the policy topic to read its events."""

from __future__ import annotations

import json
from typing import Any

import boto3

from chalicelib.domain.policies.policy import PolicyFields
from scripts.provision import Resources
from tests.aws.rescore_helpers import P

WHITELISTED = {"all": [{"field": "whitelisted", "op": "==", "value": True}]}


def fields(criteria: dict[str, Any], **extra: Any) -> PolicyFields:
    """A finance policy of period P in force through 2026 (`extra` overrides any field)."""
    return PolicyFields.model_validate(
        {
            "title": "科技型中小企业积分贷贴息",
            "kind": "finance",
            "summary": "对白名单企业的积分贷给予贴息",
            "url": "https://kjt.jiangxi.gov.cn/policy/1",
            "contact": "0791-00000000",
            "period": P,
            "valid_from": "2026-01-01",
            "valid_to": "2026-12-31",
            "criteria": criteria,
            **extra,
        }
    )


def policy_queue(aws: Resources) -> str:
    """A subscriber of the policy topic (raw delivery), every event type."""
    sqs, sns = boto3.client("sqs"), boto3.client("sns")
    url = sqs.create_queue(QueueName="policy-subscriber")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(
        TopicArn=aws.policy_topic_arn, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"}
    )
    return url


def drain(url: str) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs")
    out: list[dict[str, Any]] = []
    while got := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for m in got:
            out.append(json.loads(m["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return out
