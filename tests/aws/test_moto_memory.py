"""The tests' moto patch (tests/aws/moto_memory.py) rolls a failed transaction back exactly as moto does."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from chalicelib.settings import get_settings
from scripts.provision import Resources


def _scan(ddb: Any, table: str) -> list[dict[str, Any]]:
    items = [i for page in ddb.get_paginator("scan").paginate(TableName=table) for i in page["Items"]]
    return sorted(items, key=repr)


def test_a_cancelled_transaction_leaves_every_touched_partition_as_it_was(aws: Resources) -> None:
    ddb = boto3.client("dynamodb", region_name=aws.region)
    reports, outbox = get_settings().reports_table, get_settings().outbox_table
    ddb.put_item(TableName=reports, Item={"pk": {"S": "P1"}, "sk": {"S": "a"}, "entered": {"N": "1"}})
    ddb.put_item(TableName=reports, Item={"pk": {"S": "P1"}, "sk": {"S": "b"}, "entered": {"N": "2"}})
    ddb.put_item(TableName=reports, Item={"pk": {"S": "P2"}, "sk": {"S": "a"}, "entered": {"N": "3"}})
    sent = {"id": {"S": "e-1"}, "status": {"S": "sent"}, "created_at": {"S": "t"}, "body": {"S": "{}"}}
    ddb.put_item(TableName=outbox, Item={**sent, "attributes": {"S": "{}"}})
    before = (_scan(ddb, reports), _scan(ddb, outbox))

    writes: list[dict[str, Any]] = [
        {"Put": {"TableName": reports, "Item": {"pk": {"S": "P1"}, "sk": {"S": "c"}}}},  # a new item
        {
            "Update": {  # an item changed in place
                "TableName": reports,
                "Key": {"pk": {"S": "P1"}, "sk": {"S": "a"}},
                "UpdateExpression": "SET entered = entered + :one",
                "ExpressionAttributeValues": {":one": {"N": "1"}},
            }
        },
        {"Delete": {"TableName": outbox, "Key": {"id": {"S": "e-1"}}}},
        {"Put": {"TableName": reports, "Item": {"pk": {"S": "P3"}, "sk": {"S": "a"}}}},  # a new partition
        {
            "ConditionCheck": {  # fails: the whole transaction is cancelled
                "TableName": reports,
                "Key": {"pk": {"S": "P2"}, "sk": {"S": "a"}},
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        },
    ]
    with pytest.raises(ClientError) as caught:
        ddb.transact_write_items(TransactItems=writes)
    assert caught.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert (_scan(ddb, reports), _scan(ddb, outbox)) == before

    ddb.transact_write_items(TransactItems=writes[:4])  # without the failing check, every write lands
    after = {(i["pk"]["S"], i["sk"]["S"]): i.get("entered", {}).get("N") for i in _scan(ddb, reports)}
    assert after == {
        ("P1", "a"): "2",
        ("P1", "b"): "2",
        ("P1", "c"): None,
        ("P2", "a"): "3",
        ("P3", "a"): None,
    }
    assert _scan(ddb, outbox) == []
