"""moto-backed fixtures: every resource of the stack, in process, provisioned once for the package.

Provisioning costs seconds under moto (tables, queues, a versioned bucket, clients), so the resources
are made once and emptied between tests instead: `aws` gives each test an empty stack; the API
fixtures (`api_aws`, `client`, `keys`, `stack`) give each test module one, shared by its tests, which
read only what each writes under its own codes, periods and ids.
"""

from __future__ import annotations

import functools
import os
from collections import Counter
from collections.abc import Iterator
from typing import Any

import boto3
import moto
import pytest
from chalice.test import Client
from moto.core import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import dynamodb_backends

from chalicelib.api.auth import department_ids, issue_key
from chalicelib.settings import get_settings
from scripts.provision import Resources, provision
from scripts.synthetic import seed_many
from tests.aws.api_helpers import BANK_ORG, ROLES, SEEDED_PERIOD, Call, Stack, api_app
from tests.aws.model_life_helpers import Api
from tests.aws.moto_memory import reset_tracked


@pytest.fixture(scope="package")
def _provisioned() -> Iterator[Resources]:
    # package scope: the mock ends with this package, before tests/e2e talks to a real moto server
    os.environ["MOTO_SQS_ENFORCE_STRICT_QUEUE_PURGE_BEHAVIOUR"] = "false"  # purge between tests
    with moto.mock_aws():
        from chalicelib.stores import tables
        from tests.aws.moto_memory import snapshot_touched_partitions

        snapshot_touched_partitions()  # moto's transactions copied every table per item, kept for the package

        for model in tables.ALL_MODELS:  # pynamodb caches its connection on the class
            model._connection = None
        resources = provision(get_settings())
        os.environ["RESCORE_QUEUE_URL"] = resources.rescore_queue_url
        os.environ["WHITELIST_TOPIC_ARN"] = resources.whitelist_topic_arn
        os.environ["POLICY_TOPIC_ARN"] = resources.policy_topic_arn
        os.environ["POLICY_DELIVERY_QUEUE_URL"] = resources.policy_delivery_queue_url
        get_settings.cache_clear()
        try:
            yield resources
        finally:
            _client.cache_clear()  # bound to this mock
            del os.environ["RESCORE_QUEUE_URL"], os.environ["WHITELIST_TOPIC_ARN"]
            del os.environ["POLICY_TOPIC_ARN"], os.environ["POLICY_DELIVERY_QUEUE_URL"]
            get_settings.cache_clear()


@functools.cache
def _client(region: str, service: str) -> Any:
    """One client per service for the package: making one loads its service model (~0.15 s), four of
    them were three quarters of each test's emptying. The mock is the package's, so are the clients."""
    return boto3.session.Session(region_name=region).client(service)


def _empty(resources: Resources) -> None:
    """Every table, queue, subscription and object gone back to what provisioning made."""
    from chalicelib.services.model_registry import forget_cache

    forget_cache()  # the active model version this container remembers
    from chalicelib.services.zones import forget_cache as forget_zones

    forget_zones()  # the zone catalogue's edits this container remembers
    reset_tracked()  # what moto keeps for its dashboard would otherwise pile up over the package
    sqs, sns, s3 = (_client(resources.region, service) for service in ("sqs", "sns", "s3"))
    # every table's items dropped inside moto's backend: a Scan and BatchWriteItems of 25 took seconds
    # after a module that seeded thousands (an index is read from the items, so it empties too)
    for table in dynamodb_backends[DEFAULT_ACCOUNT_ID][resources.region].tables.values():
        table.items.clear()
    kept = {v for k, v in resources.as_dict().items() if k.endswith("_url")}
    for url in sqs.list_queues().get("QueueUrls", []):
        if url in kept:
            sqs.purge_queue(QueueUrl=url)
        else:
            sqs.delete_queue(QueueUrl=url)  # a test's subscriber queue
    provisioned = {  # subscriptions provisioning made (the 赣企通 delivery queue's) stay
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        for url in kept
        if url
    }
    for sub in sns.list_subscriptions()["Subscriptions"]:
        if sub["Endpoint"] not in provisioned:
            sns.unsubscribe(SubscriptionArn=sub["SubscriptionArn"])
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=resources.upload_bucket):
        versions = page.get("Versions", []) + page.get("DeleteMarkers", [])
        if versions:
            s3.delete_objects(
                Bucket=resources.upload_bucket,
                Delete={"Objects": [{"Key": v["Key"], "VersionId": v["VersionId"]} for v in versions]},
            )


@pytest.fixture
def aws(_provisioned: Resources) -> Resources:
    """An empty stack for one test."""
    _empty(_provisioned)
    return _provisioned


@pytest.fixture(scope="module")
def api_aws(_provisioned: Resources) -> Resources:
    """An empty stack for one test module's API tests."""
    _empty(_provisioned)
    return _provisioned


@pytest.fixture(scope="module")
def client(api_aws: Resources) -> Iterator[Client]:
    with Client(api_app()) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def keys(api_aws: Resources) -> dict[str, str]:
    departments = department_ids(get_settings().model_version)
    orgs = {"bank": BANK_ORG}  # contract 7: every bank key belongs to an institution
    return {
        role: issue_key(role, f"test {role}", departments=departments, org=orgs.get(role)) for role in ROLES
    }


@pytest.fixture(scope="module")
def stack(client: Client, keys: dict[str, str]) -> Stack:
    """300 seeded cards of SEEDED_PERIOD, a client and a key per role, shared by a module."""
    return Stack(client, keys, seed_many(300, SEEDED_PERIOD))


@pytest.fixture
def aws_calls(monkeypatch: pytest.MonkeyPatch) -> list[Call]:
    """Every AWS API call made through botocore (boto3 and pynamodb alike), in order."""
    from botocore.client import BaseClient

    calls: list[Call] = []
    original = BaseClient._make_api_call  # type: ignore[attr-defined]

    def recording(self: BaseClient, operation_name: str, api_params: dict[str, Any]) -> Any:
        calls.append((self.meta.service_model.service_name, operation_name, api_params))
        return original(self, operation_name, api_params)

    monkeypatch.setattr(BaseClient, "_make_api_call", recording)
    return calls


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Every AWS API call made through botocore, counted by operation name."""
    from botocore.client import BaseClient

    counter: Counter[str] = Counter()
    original = BaseClient._make_api_call  # type: ignore[attr-defined]  # botocore's one entry point

    def counting(self: BaseClient, operation_name: str, api_params: dict[str, Any]) -> Any:
        counter[operation_name] += 1
        return original(self, operation_name, api_params)

    monkeypatch.setattr(BaseClient, "_make_api_call", counting)
    return counter


@pytest.fixture
def api(aws: Resources) -> Iterator[Api]:
    """The API in process with a key per role, on an empty stack (the model's life tests)."""
    departments = department_ids(get_settings().model_version)
    orgs = {"bank": BANK_ORG}
    keys = {
        role: issue_key(role, f"test {role}", departments=departments, org=orgs.get(role)) for role in ROLES
    }
    with Client(api_app()) as client:
        yield Api(client, keys)
