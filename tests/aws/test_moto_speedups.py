"""The speedups the local stack applies to moto's server answer exactly as moto does: items stored or
refused, Query pages (key conditions, limits, both directions), batch reads, transactions committed or
rolled back, queue counts. Each patch alone and all together, against plain moto in the same child.
On another moto version every patch is skipped with a warning.

Each check runs in a child process: the patches are for good (they replace moto's functions), and the
tests of this package run against an unpatched moto.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from scripts.moto_speedups import PATCHES

ROOT = Path(__file__).resolve().parents[2]

# Writes items of several sizes, once with moto as it is and once patched; prints both outcomes.
CHILD = r"""
import json, os
from scripts.offline_aws import use_fake_aws
use_fake_aws("test")
import boto3, moto

def outcomes():
    with moto.mock_aws():
        ddb = boto3.client("dynamodb", region_name=os.environ["AWS_REGION"])
        ddb.create_table(
            TableName="t",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        seen = []
        for name, attrs in [
            ("small", {f"a{i}": {"S": "x" * i} for i in range(12)}),
            ("300,000 bytes", {"a": {"S": "x" * 150_000}, "b": {"S": "y" * 150_000}}),
            ("over 405,000 bytes", {"a": {"S": "x" * 200_000}, "b": {"S": "y" * 205_100}}),
            ("numbers and a map", {"n": {"N": "12.5"}, "m": {"M": {"k": {"L": [{"N": "1"}, {"S": "v"}]}}}}),
        ]:
            try:
                ddb.put_item(TableName="t", Item={"pk": {"S": name}, **attrs})
                got = ddb.get_item(TableName="t", Key={"pk": {"S": name}})["Item"]
                seen.append([name, "stored", got == {"pk": {"S": name}, **attrs}])
            except ddb.exceptions.ClientError as exc:
                seen.append([name, exc.response["Error"]["Code"], exc.response["Error"]["Message"]])
        ddb.create_table(
            TableName="r",
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}
            ],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"},
                {"AttributeName": "g", "AttributeType": "S"}, {"AttributeName": "n", "AttributeType": "N"},
            ],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": "by_g",
                    "KeySchema": [
                        {"AttributeName": "g", "KeyType": "HASH"}, {"AttributeName": "n", "KeyType": "RANGE"}
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        for pk in ("E#1", "E#2"):
            for sk in ["C#M", "C#F#2024#a", "C#F#2025#a", "C#F#2025#b", "H#F#2025#a#1", "H#F#2025#a#2", "X"]:
                item = {"pk": {"S": pk}, "sk": {"S": sk}, "v": {"S": pk + sk}}
                if sk.startswith("C#F"):  # in the index: two groups, scores with ties
                    item |= {"g": {"S": "2025#" + sk[-1]}, "n": {"N": str(len(pk + sk) % 3)}}
                ddb.put_item(TableName="r", Item=item)
        for condition, values in [
            ("begins_with(sk, :a)", {":a": {"S": "C#"}}),
            ("begins_with(sk, :a)", {":a": {"S": "H#"}}),
            ("sk = :a", {":a": {"S": "C#M"}}),
            ("sk BETWEEN :a AND :b", {":a": {"S": "C#F#2025"}, ":b": {"S": "H#"}}),
            ("sk < :a", {":a": {"S": "C#F#2025"}}),
        ]:
            for limit in (None, 2):
                pages, start = [], None
                while True:
                    kwargs = {"Limit": limit} if limit else {}
                    if start:
                        kwargs["ExclusiveStartKey"] = start
                    got = ddb.query(
                        TableName="r",
                        KeyConditionExpression="pk = :p AND " + condition,
                        ExpressionAttributeValues={":p": {"S": "E#1"}, **values},
                        ScanIndexForward=limit is None,
                        **kwargs,
                    )
                    pages.append([i["v"]["S"] for i in got["Items"]])
                    start = got.get("LastEvaluatedKey")
                    if not start:
                        break
                seen.append([condition, limit, pages])
        for group in ("2025#a", "2025#b", "2025#c"):
            for forward in (True, False):
                pages, start = [], None
                while True:
                    kwargs = {"ExclusiveStartKey": start} if start else {}
                    got = ddb.query(
                        TableName="r",
                        IndexName="by_g",
                        KeyConditionExpression="g = :g AND n >= :n",
                        ExpressionAttributeValues={":g": {"S": group}, ":n": {"N": "0"}},
                        ScanIndexForward=forward,
                        Limit=2,
                        **kwargs,
                    )
                    pages.append([i["v"]["S"] for i in got["Items"]])
                    start = got.get("LastEvaluatedKey")
                    if not start:
                        break
                seen.append(["index " + group, forward, pages])
        ddb.create_table(
            TableName="p",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "g", "AttributeType": "S"}
            ],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": "narrow",
                    "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                    "Projection": {
                        "ProjectionType": "INCLUDE", "NonKeyAttributes": ["num", "m", "ss", "nul"]
                    },
                }
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        for n in range(3):
            m = {"k": {"L": [{"N": "1"}, {"S": "v"}]}, "b": {"BOOL": True}, "n": {"N": f"{n}.50"}}
            item = {"pk": {"S": f"P#{n}"}, "g": {"S": "all"}, "num": {"N": "12.50"}, "m": {"M": m}}
            item |= {"ss": {"SS": ["b", "a"]}, "big": {"S": "x" * 50}, "nul": {"NULL": True}}
            item |= {"bin": {"B": bytes([0, n, 255])}, "bs": {"BS": [b"\x01", b"B"]}, "grade": {"S": "B"}}
            ddb.put_item(TableName="p", Item=item)
        everything = {":g": {"S": "all"}}
        got = ddb.query(
            TableName="p",
            IndexName="narrow",
            KeyConditionExpression="g = :g",
            ExpressionAttributeValues=everything,
        )["Items"]
        seen.append(["include projection", sorted(json.dumps(i, sort_keys=True) for i in got)])
        got = ddb.query(
            TableName="p",
            IndexName="narrow",
            KeyConditionExpression="g = :g",
            ExpressionAttributeValues={":g": {"S": "all"}},
            ProjectionExpression="num, pk, absent",
        )["Items"]
        seen.append(["index projection expression", sorted(json.dumps(i, sort_keys=True) for i in got)])
        for expression in ("num, ss, nul, absent", "m.k, big", "m.k[1], num, m.n", "bin, bs, grade"):
            key = {"pk": {"S": "P#1"}}
            got = ddb.get_item(TableName="p", Key=key, ProjectionExpression=expression)["Item"]
            seen.append(["projection " + expression, json.dumps(got, sort_keys=True, default=bytes.hex)])
        # one condition text, its values bound anew each time; a filter; a bad expression refused each time
        key = {"pk": {"S": "P#0"}}
        for version in (None, 1, 1, 2):
            if version is None:
                condition, values = "attribute_not_exists(#v)", {}
            else:
                condition = "#v = :v AND size(big) > :s"
                values = {":v": {"N": str(version)}, ":s": {"N": "3"}}
            try:
                ddb.update_item(
                    TableName="p",
                    Key=key,
                    UpdateExpression="SET #v = :new",
                    ConditionExpression=condition,
                    ExpressionAttributeNames={"#v": "version"},
                    ExpressionAttributeValues={":new": {"N": str((version or 0) + 1)}, **values},
                )
                seen.append(["conditional update", version, "done"])
            except ddb.exceptions.ClientError as exc:
                seen.append(["conditional update", version, exc.response["Error"]["Code"]])
        for floor in ("0.5", "2"):
            got = ddb.query(
                TableName="p",
                IndexName="narrow",
                KeyConditionExpression="g = :g",
                FilterExpression="m.n > :f OR num < :f",
                ExpressionAttributeValues={":g": {"S": "all"}, ":f": {"N": floor}},
            )["Items"]
            seen.append(["filter", floor, sorted(i["pk"]["S"] for i in got)])
        for _ in range(2):
            try:
                ddb.update_item(
                    TableName="p", Key=key, UpdateExpression="SET big = :b", ConditionExpression="name = :b",
                    ExpressionAttributeValues={":b": {"S": "x"}},
                )
                seen.append(["reserved word", "done"])
            except ddb.exceptions.ClientError as exc:
                seen.append(["reserved word", exc.response["Error"]["Code"]])
        sqs = boto3.client("sqs", region_name=os.environ["AWS_REGION"])
        url = sqs.create_queue(QueueName="q")["QueueUrl"]
        for n in range(4):
            sqs.send_message(QueueUrl=url, MessageBody=str(n), DelaySeconds=60 if n == 3 else 0)
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, VisibilityTimeout=30)["Messages"]
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        names.append("ApproximateNumberOfMessagesDelayed")
        counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
        rest = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
        bodies = sorted(m["Body"] for m in rest)
        seen.append(["sqs", [m["Body"] for m in got], [counts[n] for n in names], bodies])
        kept = sqs.create_queue(QueueName="kept", Attributes={"MessageRetentionPeriod": "60"})["QueueUrl"]
        for n in range(3):
            sqs.send_message(QueueUrl=kept, MessageBody=f"kept {n}")
        from moto.sqs.models import sqs_backends
        backend = sqs_backends[moto.core.DEFAULT_ACCOUNT_ID][os.environ["AWS_REGION"]]
        waiting = backend.queues["kept"]._messages
        waiting[1].sent_timestamp -= 120_000  # past the queue's 60 s retention: receiving stops there
        got = sqs.receive_message(QueueUrl=kept, MaxNumberOfMessages=10)["Messages"]
        seen.append(["sqs retention", [m["Body"] for m in got]])
        keys = [{"pk": {"S": "small"}}, {"pk": {"S": "absent"}}, {"pk": {"S": "numbers and a map"}}]
        got = ddb.batch_get_item(RequestItems={"t": {"Keys": keys}})
        seen.append(["batch get", sorted(json.dumps(i, sort_keys=True) for i in got["Responses"]["t"])])
        seen.append(["describe", ddb.describe_table(TableName="r")["Table"]["KeySchema"]])
        put = lambda pk, sk: {"Put": {"TableName": "r", "Item": {"pk": {"S": pk}, "sk": {"S": sk}}}}
        ddb.transact_write_items(TransactItems=[put("T#1", "a"), put("T#2", "a")])
        try:
            ddb.transact_write_items(
                TransactItems=[
                    put("T#1", "b"),
                    put("E#9", "new"),
                    {"Delete": {"TableName": "r", "Key": {"pk": {"S": "T#2"}, "sk": {"S": "a"}}}},
                    {
                        "ConditionCheck": {
                            "TableName": "r",
                            "Key": {"pk": {"S": "E#1"}, "sk": {"S": "X"}},
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                ]
            )
            seen.append(["transaction", "committed"])
        except ddb.exceptions.ClientError as exc:
            seen.append(["transaction", exc.response["Error"]["Code"]])
        for pk in ("T#1", "T#2", "E#9", "E#1"):
            got = ddb.query(
                TableName="r",
                KeyConditionExpression="pk = :p",
                ExpressionAttributeValues={":p": {"S": pk}},
            )
            seen.append(["after the transaction", pk, [i["sk"]["S"] for i in got["Items"]]])
        return seen

plain = outcomes()
import scripts.moto_speedups as speedups
wanted = os.environ["SPEEDUPS"]
applied = speedups.apply_all() if wanted == "all" else getattr(speedups, wanted)()
print(json.dumps({"plain": plain, "patched": outcomes(), "applied": applied}))
"""

# On another moto version: every patch and apply_all skip with a warning, and moto's functions stay.
OTHER_VERSION = r"""
import json, warnings
import moto
from moto.dynamodb.models.table import Table
import scripts.moto_speedups as speedups
moto.__version__ = "5.3.0"
query = Table.query
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    applied = [speedups.apply_all()] + [getattr(speedups, name)() for name in speedups.PATCHES]
print(json.dumps({
    "applied": applied,
    "warnings": [(w.category.__name__, str(w.message)) for w in caught],
    "query_kept": Table.query is query,
}))
"""


def _child(code: str, **env: str) -> dict[str, Any]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT_URL")}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean | env, check=True, capture_output=True, text=True
    ).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


@pytest.mark.parametrize("patch", PATCHES)
def test_each_patch_alone_answers_as_plain_moto(patch: str) -> None:
    result = _child(CHILD, SPEEDUPS=patch)
    assert result["applied"] is True
    assert result["patched"] == result["plain"]


def test_the_speedups_are_skipped_with_a_warning_on_another_moto_version() -> None:
    result = _child(OTHER_VERSION)
    assert result["applied"] == [False] * (1 + len(PATCHES))
    assert len(result["warnings"]) == 1 + len(PATCHES)
    assert all(category == "MotoVersionWarning" for category, _ in result["warnings"])
    assert all("moto 5.3.0 is not 5.2.5" in message for _, message in result["warnings"])
    assert result["query_kept"] is True


def test_items_are_refused_and_stored_exactly_as_moto_does() -> None:
    result = _child(CHILD, SPEEDUPS="all")
    assert result["applied"] is True
    assert result["patched"] == result["plain"]
    outcome = {row[0]: row[1] for row in result["plain"] if isinstance(row[1], str)}
    assert outcome["small"] == "stored" and outcome["numbers and a map"] == "stored"
    assert outcome["300,000 bytes"] == "stored"
    assert outcome["over 405,000 bytes"] == "ValidationException"
    assert all(row[2] is True for row in result["patched"] if row[1] == "stored")
    sqs = next(row for row in result["plain"] if row[0] == "sqs")
    assert sqs == ["sqs", ["0"], ["2", "1", "1"], ["1", "2"]]  # one in flight, one delayed, two visible
    assert next(row for row in result["plain"] if row[0] == "sqs retention") == ["sqs retention", ["kept 0"]]
    narrow = next(row[1] for row in result["plain"] if row[0] == "include projection")
    assert len(narrow) == 3 and all(
        set(json.loads(i)) == {"pk", "g", "num", "m", "ss", "nul"} for i in narrow
    )
    assert json.loads(narrow[1])["m"]["M"]["n"] == {"N": "1.50"} and json.loads(narrow[1])["num"] == {
        "N": "12.50"
    }
    projected = {row[0]: row[1] for row in result["plain"] if row[0].startswith("projection ")}
    assert json.loads(projected["projection num, ss, nul, absent"]).keys() == {"num", "ss", "nul"}
    assert json.loads(projected["projection m.k, big"]).keys() == {"m", "big"}
    updates = [row[1:] for row in result["plain"] if row[0] == "conditional update"]
    assert updates == [[None, "done"], [1, "done"], [1, "ConditionalCheckFailedException"], [2, "done"]]
    filters = {row[1]: row[2] for row in result["plain"] if row[0] == "filter"}
    assert filters == {"0.5": ["P#1", "P#2"], "2": ["P#2"]}  # m.n is 0.50, 1.50, 2.50
    assert [row[1] for row in result["plain"] if row[0] == "reserved word"] == ["ValidationException"] * 2
    binary = json.loads(projected["projection bin, bs, grade"])
    assert binary["grade"] == {"S": "B"} and binary["bin"] == {"B": "0001ff"}
    queries = [
        tuple(row) for row in result["plain"] if len(row) == 3 and not isinstance(row[1], (str, bool, list))
    ]
    index = {(row[0], row[1]): row[2] for row in result["plain"] if isinstance(row[1], bool)}
    assert sum(len(page) for page in index[("index 2025#a", True)]) == 4  # 2024#a, 2025#a of both
    assert index[("index 2025#c", True)] == [[]]
    current = ["E#1C#F#2024#a", "E#1C#F#2025#a", "E#1C#F#2025#b", "E#1C#M"]
    assert queries[0] == ("begins_with(sk, :a)", None, [current])  # not the history items beside them
    assert queries[1][2] == [current[::-1][:2], current[::-1][2:]]  # in twos, last key first
    transaction = [row for row in result["plain"] if row[0] in ("transaction", "after the transaction")]
    assert transaction == [
        ["transaction", "TransactionCanceledException"],
        ["after the transaction", "T#1", ["a"]],  # rolled back: no "b"
        ["after the transaction", "T#2", ["a"]],  # the delete undone
        ["after the transaction", "E#9", []],  # the new partition gone again
        [
            "after the transaction",
            "E#1",
            ["C#F#2024#a", "C#F#2025#a", "C#F#2025#b", "C#M", "H#F#2025#a#1", "H#F#2025#a#2", "X"],
        ],
    ]
