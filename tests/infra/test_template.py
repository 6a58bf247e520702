"""Assertions on the deployable template: `chalice package` output merged with infra/resources.yaml."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from chalicelib.settings import Settings
from chalicelib.stores import tables
from scripts.package import lint
from tests.infra.conftest import Packaged

pytestmark = pytest.mark.slow  # packages the app once per stage

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = {"APIHandler", "Ingest", "Rescore", "RelayOutbox", "Jobs", "DeliverPolicies", "BuildReports"}
POLICY_RESOURCE_TYPES = {"AWS::S3::BucketPolicy", "AWS::SQS::QueuePolicy", "AWS::SNS::TopicPolicy"}
NO_VALUE = {"Ref": "AWS::NoValue"}


# --- helpers -------------------------------------------------------------------------------------


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def refs(value: Any) -> set[str]:
    """Logical ids (and pseudo parameters) an intrinsic points at: Ref, Fn::GetAtt, ${X} in Fn::Sub."""
    if isinstance(value, list):
        return set().union(*(refs(v) for v in value))
    if not isinstance(value, dict):
        return set()
    if "Ref" in value:
        return {value["Ref"]}
    if "Fn::GetAtt" in value:
        target = value["Fn::GetAtt"]
        return {target[0] if isinstance(target, list) else target.split(".")[0]}
    if "Fn::Sub" in value:
        sub = value["Fn::Sub"]
        text, mapping = (sub, {}) if isinstance(sub, str) else (sub[0], sub[1])
        named = {m.split(".")[0] for m in re.findall(r"\$\{([^}!]+)\}", text)} - set(mapping)
        return named | refs(list(mapping.values()))
    return refs(list(value.values()))


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)


def sub_stage(value: Any, stage: str) -> str:
    """A `Fn::Sub` name with ${Stage} filled in."""
    assert isinstance(value, dict) and set(value) == {"Fn::Sub"}, value
    text: str = value["Fn::Sub"]
    return text.replace("${Stage}", stage)


def role_of(packaged: Packaged, function: str) -> str:
    role = packaged.resources[function]["Properties"]["Role"]
    assert set(role) == {"Fn::GetAtt"} and role["Fn::GetAtt"][1] == "Arn", role
    name: str = role["Fn::GetAtt"][0]
    return name


def policy_documents(packaged: Packaged) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, resource in packaged.resources.items():
        properties = resource.get("Properties", {})
        if resource.get("Type") == "AWS::IAM::Role":
            for policy in properties.get("Policies", []):
                yield name, policy["PolicyDocument"]
        elif resource.get("Type") in POLICY_RESOURCE_TYPES:
            yield name, properties["PolicyDocument"]


def statements(packaged: Packaged) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every statement of every policy, both branches of a conditional one."""
    for name, document in policy_documents(packaged):
        for statement in as_list(document["Statement"]):
            if "Fn::If" in statement:
                _, yes, no = statement["Fn::If"]
                yield from ((name, s) for s in (yes, no) if s != NO_VALUE)
            else:
                yield name, statement


def allowed(packaged: Packaged, action: str, resource: str, path: str = "") -> set[str]:
    """The functions whose role allows `action` on `resource` (an ARN path containing `path`)."""
    holders = set()
    for function in FUNCTIONS:
        role = role_of(packaged, function)
        for name, statement in statements(packaged):
            if name != role or statement["Effect"] != "Allow" or action not in as_list(statement["Action"]):
                continue
            for target in as_list(statement["Resource"]):
                if resource in refs(target) and path in json.dumps(target):
                    holders.add(function)
    return holders


def sqs_events(packaged: Packaged) -> Iterator[tuple[str, dict[str, Any]]]:
    for function in FUNCTIONS:
        for event in packaged.resources[function]["Properties"].get("Events", {}).values():
            if event["Type"] == "SQS":
                yield function, event["Properties"]


def queue_of(packaged: Packaged, intrinsic: Any) -> str:
    (queue,) = refs(intrinsic) & set(packaged.of_type("AWS::SQS::Queue"))
    return queue


def env(packaged: Packaged, function: str) -> dict[str, Any]:
    variables: dict[str, Any] = packaged.resources[function]["Properties"]["Environment"]["Variables"]
    return variables


# --- least privilege -----------------------------------------------------------------------------


def test_no_statement_allows_a_wildcard_action(packaged: Packaged) -> None:
    # Deny statements may be broad (the TLS-only policies deny s3:*, sqs:*, sns:*): that only narrows.
    for name, statement in statements(packaged):
        if statement["Effect"] == "Allow":
            assert "NotAction" not in statement, name
            wild = [a for a in as_list(statement["Action"]) if "*" in a]
            assert not wild, f"{name} allows {wild}"


def test_every_allowed_resource_is_a_resource_of_the_stack(packaged: Packaged) -> None:
    for name, statement in statements(packaged):
        if statement["Effect"] != "Allow":
            continue
        assert "NotResource" not in statement, name
        for target in as_list(statement["Resource"]):
            assert target != "*", f"{name}: {statement.get('Sid')} on *"
            # a template parameter may name what the stack cannot create (an SSM SecureString)
            known = set(packaged.resources) | set(packaged.template.get("Parameters", {}))
            assert refs(target) & known, f"{name}: {target} names no resource of the stack"


def test_each_function_has_its_own_inline_role(packaged: Packaged) -> None:
    roles = {function: role_of(packaged, function) for function in FUNCTIONS}
    assert len(set(roles.values())) == len(FUNCTIONS), roles
    for role in roles.values():
        properties = packaged.resources[role]["Properties"]
        assert packaged.resources[role]["Type"] == "AWS::IAM::Role"
        assert "ManagedPolicyArns" not in properties
        assert len(properties["Policies"]) == 1
    assert "DefaultRole" not in packaged.resources  # autogen_policy is off


@pytest.mark.parametrize(
    ("actions", "resource", "path", "holders"),
    [
        (["sns:Publish"], "WhitelistTopic", "", {"RelayOutbox", "Rescore", "Jobs"}),  # both relay at once
        (["s3:PutObject"], "UploadBucket", "/incoming/", {"APIHandler"}),  # signs the presigned POST
        (["s3:GetObject"], "UploadBucket", "/incoming/", {"Ingest"}),
        (["s3:PutObject"], "UploadBucket", "/reports/", {"Ingest"}),
        (["sqs:ReceiveMessage", "sqs:DeleteMessage"], "UploadsQueue", "", {"Ingest"}),
        (["sqs:ReceiveMessage", "sqs:DeleteMessage"], "RescoreQueue", "", {"Rescore"}),
        # the API never requests rescores (jobs do; the relay sends those objection corrections commit)
        (["sqs:SendMessage"], "RescoreQueue", "", {"Ingest", "RelayOutbox"}),
        (["dynamodb:PutItem"], "FactsTable", "", {"Ingest", "APIHandler"}),  # uploads; corrections
        (["dynamodb:BatchWriteItem"], "FactsTable", "", {"Ingest"}),
        (
            ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
            "ScoresTable",
            "",
            {"Rescore", "Jobs"},
        ),
        (["dynamodb:PutItem"], "SupportTable", "", {"APIHandler", "Ingest"}),  # POST /support, files
        (["s3:GetObject"], "UploadBucket", "/support/", {"Ingest"}),
        (["s3:PutObject"], "UploadBucket", "/support/", {"APIHandler"}),
        (["s3:GetObject"], "UploadBucket", "/zones/", {"Ingest"}),  # zones' unit lists (contract 15)
        (["s3:PutObject"], "UploadBucket", "/zones/", {"APIHandler"}),
        (["s3:GetObject"], "UploadBucket", "/qualifications/", {"Ingest"}),  # contract 17
        (["s3:PutObject"], "UploadBucket", "/qualifications/", {"APIHandler"}),
        (
            ["dynamodb:BatchGetItem"],
            "FactsTable",
            "",
            {"Ingest", "Rescore", "APIHandler", "BuildReports", "Jobs"},
        ),
        (["dynamodb:Scan", "dynamodb:DeleteItem"], "SupportTable", "", set()),
        (["dynamodb:PutItem"], "OutboxTable", "", {"Rescore", "Jobs", "APIHandler"}),  # objections' events
        (
            ["dynamodb:UpdateItem"],
            "OutboxTable",
            "",
            {"RelayOutbox", "Rescore", "Jobs", "APIHandler"},
        ),  # marks events sent
        (["sqs:ReceiveMessage", "sqs:DeleteMessage"], "JobsQueue", "", {"Jobs"}),
        (["sqs:SendMessage"], "JobsQueue", "", {"APIHandler", "Jobs"}),  # a job's plan step sends its chunks
        (["dynamodb:UpdateItem"], "JobsTable", "", {"Jobs"}),
        (["dynamodb:PutItem", "dynamodb:UpdateItem"], "ModelsTable", "", {"APIHandler"}),
        (
            ["dynamodb:GetItem"],
            "ModelsTable",
            "",
            {"APIHandler", "Ingest", "Rescore", "Jobs", "BuildReports"},
        ),
        (["dynamodb:GetItem"], "ApiKeysTable", "", {"APIHandler"}),
        (["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"], "ApiKeysTable", "", set()),
        (["dynamodb:Scan"], "FactsTable", "", set()),
        (["dynamodb:Scan"], "ScoresTable", "", set()),
        (
            ["dynamodb:UpdateItem"],
            "ReportsTable",
            "",
            {"Rescore", "BuildReports", "APIHandler", "Ingest", "Jobs"},
        ),  # marks (the jobs' rescores run ReportsListener too: marks and move counters only)
        # snapshots, items; the rescore's "SCORED" items only (a dynamodb:LeadingKeys condition)
        (["dynamodb:PutItem"], "ReportsTable", "", {"APIHandler", "BuildReports", "Rescore", "Jobs"}),
        (["dynamodb:Scan"], "ReportsTable", "", set()),
        # policy `rank` criteria read the build's mark and rank chunks (rescore and jobs: LeadingKeys)
        (
            ["dynamodb:GetItem", "dynamodb:Query"],
            "ReportsTable",
            "",
            {"APIHandler", "BuildReports", "Rescore", "Jobs"},
        ),
        (
            ["sns:Publish"],
            "PolicyTopic",
            "",
            {"RelayOutbox", "Rescore", "Jobs", "APIHandler"},
        ),  # relay at once
        (["dynamodb:PutItem", "dynamodb:DeleteItem"], "ObjectionsTable", "", {"APIHandler"}),
        (["dynamodb:UpdateItem"], "ObjectionsTable", "", {"DeliverPolicies"}),  # 赣企通 delivery state
        (["dynamodb:Scan"], "ObjectionsTable", "", set()),
        (
            ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"],
            "PolicyDeliveryQueue",
            "",
            {"DeliverPolicies"},
        ),
        (["dynamodb:UpdateItem"], "PolicyMatchesTable", "", {"DeliverPolicies"}),  # delivery state
        (["dynamodb:PutItem"], "PolicyMatchesTable", "", {"Rescore", "Jobs"}),  # match changes
        (["dynamodb:PutItem"], "PoliciesTable", "", {"APIHandler"}),
        (["ssm:GetParameter"], "GanqitongTokenParameter", "", {"DeliverPolicies"}),
        (["dynamodb:Scan"], "PolicyMatchesTable", "", set()),
    ],
)
def test_who_may_do_what(
    packaged: Packaged, actions: list[str], resource: str, path: str, holders: set[str]
) -> None:
    for action in actions:
        assert allowed(packaged, action, resource, path) == holders, action


def test_jobs_reach_the_reports_table_by_leading_keys_only(packaged: Packaged) -> None:
    """The jobs' rescores run ReportsListener (marks, move counters) and policy `rank` criteria (the
    build's mark, its rank chunks): every reports-table statement of theirs names the partitions it may
    touch, and those cover the keys the store writes and reads."""
    from fnmatch import fnmatchcase

    from chalicelib.stores import reports

    needed = {
        ("dynamodb:UpdateItem", reports.MARKS),
        ("dynamodb:UpdateItem", reports._moves_pk(2024)),
        ("dynamodb:GetItem", reports.MARKS),
        ("dynamodb:Query", reports._generation_pk(2024, "0123abcd")),
        ("dynamodb:PutItem", "SCORED"),
    }
    granted = set()
    role = role_of(packaged, "Jobs")
    for name, statement in statements(packaged):
        if name != role or "ReportsTable" not in refs(statement["Resource"]):
            continue
        (patterns,) = [c["dynamodb:LeadingKeys"] for c in statement["Condition"].values()]
        for action in as_list(statement["Action"]):
            granted |= {
                (action, key)
                for a, key in needed
                if a == action and any(fnmatchcase(key, p) for p in patterns)
            }
    assert granted == needed


# --- data stores ---------------------------------------------------------------------------------


def test_every_table_has_point_in_time_recovery(packaged: Packaged) -> None:
    found = packaged.of_type("AWS::DynamoDB::Table")
    assert len(found) == len(tables.ALL_MODELS) + 1  # + Powertools' idempotency table
    for name, table in found.items():
        pitr = table["Properties"].get("PointInTimeRecoverySpecification", {})
        assert pitr.get("PointInTimeRecoveryEnabled") is True, name
        assert table["DeletionPolicy"] == "Retain" and table["UpdateReplacePolicy"] == "Retain", name


def _key_set(keys: Sequence[Mapping[str, object]]) -> set[tuple[object, object]]:
    return {(k["AttributeName"], k["KeyType"]) for k in keys}


def test_tables_match_the_pynamodb_models(packaged: Packaged) -> None:
    by_name = {
        sub_stage(t["Properties"]["TableName"], "dev"): t["Properties"]
        for t in packaged.of_type("AWS::DynamoDB::Table").values()
    }
    for model in tables.ALL_MODELS:
        table = by_name[model.Meta.table_name]
        schema = model._get_schema()
        assert _key_set(table["KeySchema"]) == _key_set(schema["key_schema"]), model
        assert {(a["AttributeName"], a["AttributeType"]) for a in table["AttributeDefinitions"]} == {
            (a["AttributeName"], a["AttributeType"]) for a in schema["attribute_definitions"]
        }, model
        expected_indexes = {
            i["index_name"]: (
                _key_set(i["key_schema"]),
                i["projection"]["ProjectionType"],
                sorted(i["projection"].get("NonKeyAttributes", [])),
            )
            for i in schema["global_secondary_indexes"]
        }
        indexes = {
            i["IndexName"]: (
                _key_set(i["KeySchema"]),
                i["Projection"]["ProjectionType"],
                sorted(i["Projection"].get("NonKeyAttributes", [])),
            )
            for i in table.get("GlobalSecondaryIndexes", [])
        }
        assert indexes == expected_indexes, model
        stream = table.get("StreamSpecification", {}).get("StreamViewType")
        assert stream == getattr(model.Meta, "stream_view_type", None), model


def test_score_indexes_carry_list_fields_not_cards(packaged: Packaged) -> None:
    (scores,) = [
        t["Properties"]
        for t in packaged.of_type("AWS::DynamoDB::Table").values()
        if sub_stage(t["Properties"]["TableName"], "dev") == tables.ScoreItem.Meta.table_name
    ]
    for index in scores["GlobalSecondaryIndexes"]:
        assert index["Projection"]["ProjectionType"] == "INCLUDE", index["IndexName"]
        assert "card" not in index["Projection"]["NonKeyAttributes"], index["IndexName"]


def test_outbox_pending_index_is_sharded_and_sent_records_expire(packaged: Packaged) -> None:
    (outbox,) = [
        t["Properties"]
        for t in packaged.of_type("AWS::DynamoDB::Table").values()
        if sub_stage(t["Properties"]["TableName"], "dev") == tables.OutboxItem.Meta.table_name
    ]
    assert "StreamSpecification" not in outbox  # nothing consumed it
    (index,) = outbox["GlobalSecondaryIndexes"]
    assert index["KeySchema"][0] == {"AttributeName": "pending_shard", "KeyType": "HASH"}
    assert outbox["TimeToLiveSpecification"] == {
        "AttributeName": tables.OUTBOX_TTL_ATTRIBUTE,
        "Enabled": True,
    }


def test_idempotency_table_is_what_powertools_expects(packaged: Packaged) -> None:
    spec = tables.idempotency_table_spec()
    table = next(
        t["Properties"]
        for t in packaged.of_type("AWS::DynamoDB::Table").values()
        if sub_stage(t["Properties"]["TableName"], "dev") == spec["TableName"]
    )
    assert table["KeySchema"] == spec["KeySchema"]
    assert table["AttributeDefinitions"] == spec["AttributeDefinitions"]
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}


def test_upload_bucket_is_private_versioned_and_encrypted(packaged: Packaged) -> None:
    (bucket,) = packaged.of_type("AWS::S3::Bucket").values()
    properties = bucket["Properties"]
    assert properties["VersioningConfiguration"] == {"Status": "Enabled"}
    assert properties["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    (rule,) = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in {"AES256", "aws:kms"}
    assert properties["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    assert bucket["DeletionPolicy"] == "Retain"


def test_bucket_policy_denies_requests_without_tls(packaged: Packaged) -> None:
    (policy,) = packaged.of_type("AWS::S3::BucketPolicy").values()
    assert policy["Properties"]["Bucket"] == {"Ref": "UploadBucket"}
    denials = [
        s
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
        if s["Effect"] == "Deny" and s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
    ]
    assert len(denials) == 1
    (deny,) = denials
    assert deny["Principal"] == "*" and as_list(deny["Action"]) == ["s3:*"]
    covered = [json.dumps(r) for r in as_list(deny["Resource"])]
    assert any('"Fn::GetAtt": ["UploadBucket", "Arn"]' in r for r in covered)  # the bucket
    assert any("${UploadBucket.Arn}/*" in r for r in covered)  # its objects


def test_old_reports_expire(packaged: Packaged) -> None:
    (bucket,) = packaged.of_type("AWS::S3::Bucket").values()
    rules = bucket["Properties"]["LifecycleConfiguration"]["Rules"]
    reports = [r for r in rules if r.get("Prefix") == "reports/" and r["Status"] == "Enabled"]
    assert len(reports) == 1
    assert reports[0]["ExpirationInDays"] == {"Ref": "ReportRetentionDays"}
    assert packaged.template["Parameters"]["ReportRetentionDays"]["MinValue"] >= 180
    # uploads are evidence: no rule may expire anything under incoming/
    for rule in rules:
        if rule.get("Prefix", "").startswith("incoming/") or not rule.get("Prefix"):
            assert "ExpirationInDays" not in rule and "NoncurrentVersionExpiration" not in rule, rule


def test_uploads_notify_the_uploads_queue(packaged: Packaged) -> None:
    bucket = packaged.resources["UploadBucket"]
    notifications = bucket["Properties"]["NotificationConfiguration"]["QueueConfigurations"]
    prefixes = []
    for notification in notifications:  # department files (incoming/), support and qualification files
        assert notification["Event"] == "s3:ObjectCreated:*"
        (rule,) = notification["Filter"]["S3Key"]["Rules"]
        assert rule["Name"] == "prefix"
        prefixes.append(rule["Value"])
        assert queue_of(packaged, notification["Queue"]) == "UploadsQueue"
    # zones/: unit lists (contract 15)
    assert prefixes == ["incoming/", "support/", "qualifications/", "zones/"]
    assert bucket["DependsOn"] == "UploadsQueuePolicy"  # S3 tests the permission when configured
    (allow,) = [
        s
        for s in packaged.resources["UploadsQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"]
        if s["Effect"] == "Allow"
    ]
    assert allow["Principal"] == {"Service": "s3.amazonaws.com"} and allow["Action"] == "sqs:SendMessage"
    source = allow["Condition"]["ArnEquals"]["aws:SourceArn"]["Fn::Sub"]
    assert source == "arn:${AWS::Partition}:s3:::" + bucket["Properties"]["BucketName"]["Fn::Sub"]


def test_no_arn_is_written_by_hand(packaged: Packaged) -> None:
    text = packaged.path.read_text(encoding="utf-8")
    assert "arn:aws:" not in text and "arn:aws-cn:" not in text
    for s in strings(packaged.template):
        assert not re.search(r"arn:(?!\$\{AWS::Partition\}:)", s), s


# --- queues and event sources --------------------------------------------------------------------


def test_every_queue_has_a_dead_letter_queue(packaged: Packaged) -> None:
    queues = packaged.of_type("AWS::SQS::Queue")
    dead_letter = {}
    for name, queue in queues.items():
        redrive = queue["Properties"].get("RedrivePolicy")
        if redrive is not None:
            dlq = queue_of(packaged, redrive["deadLetterTargetArn"])
            assert 1 <= redrive["maxReceiveCount"] <= 10, name
            dead_letter[name] = dlq
    assert set(queues) == set(dead_letter) | set(dead_letter.values())  # every queue is one or has one
    assert not set(dead_letter) & set(dead_letter.values())
    for source, dlq in dead_letter.items():
        # a dead-lettered message keeps its enqueue time: the DLQ must keep it longer than the source
        retention = queues[source]["Properties"].get("MessageRetentionPeriod", 345600)
        assert queues[dlq]["Properties"]["MessageRetentionPeriod"] > retention, dlq


def test_visibility_timeout_is_at_least_six_function_timeouts(packaged: Packaged) -> None:
    consumed = set()
    for function, event in sqs_events(packaged):
        queue = queue_of(packaged, event["Queue"])
        timeout = packaged.resources[function]["Properties"]["Timeout"]
        visibility = packaged.resources[queue]["Properties"]["VisibilityTimeout"]
        assert visibility >= 6 * timeout, (function, queue)
        consumed.add((function, queue))
    assert consumed == {
        ("Ingest", "UploadsQueue"),
        ("Rescore", "RescoreQueue"),
        ("Jobs", "JobsQueue"),
        ("DeliverPolicies", "PolicyDeliveryQueue"),
    }


def test_sqs_event_sources_report_batch_item_failures(packaged: Packaged) -> None:
    sizes = {}
    for function, event in sqs_events(packaged):
        assert event.get("FunctionResponseTypes") == ["ReportBatchItemFailures"], function
        assert 2 <= event["ScalingConfig"]["MaximumConcurrency"] <= 1000, function
        sizes[function] = event["BatchSize"]
    assert sizes == {"Ingest": 1, "Rescore": 10, "Jobs": 1, "DeliverPolicies": 10}


# --- alarms --------------------------------------------------------------------------------------


def _alarms(packaged: Packaged, namespace: str, metric: str) -> list[dict[str, Any]]:
    return [
        a["Properties"]
        for a in packaged.of_type("AWS::CloudWatch::Alarm").values()
        if a["Properties"]["Namespace"] == namespace and a["Properties"]["MetricName"] == metric
    ]


def _alerts_on_anything(alarm: dict[str, Any], packaged: Packaged) -> None:
    assert alarm["Threshold"] == 0 and alarm["ComparisonOperator"] == "GreaterThanThreshold"
    assert alarm["TreatMissingData"] == "notBreaching"
    assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]
    assert packaged.resources["AlarmTopic"]["Type"] == "AWS::SNS::Topic"


def test_every_dead_letter_queue_has_a_depth_alarm(packaged: Packaged) -> None:
    dlqs = {
        queue_of(packaged, q["Properties"]["RedrivePolicy"]["deadLetterTargetArn"])
        for q in packaged.of_type("AWS::SQS::Queue").values()
        if "RedrivePolicy" in q["Properties"]
    }
    assert dlqs == {
        "UploadsDeadLetterQueue",
        "RescoreDeadLetterQueue",
        "JobsDeadLetterQueue",
        "PolicyDeliveryDeadLetterQueue",
    }
    alarms = _alarms(packaged, "AWS/SQS", "ApproximateNumberOfMessagesVisible")
    watched = set()
    for alarm in alarms:
        (dimension,) = alarm["Dimensions"]
        assert dimension["Name"] == "QueueName"
        assert dimension["Value"]["Fn::GetAtt"][1] == "QueueName"
        watched.add(dimension["Value"]["Fn::GetAtt"][0])
        _alerts_on_anything(alarm, packaged)
    assert watched == dlqs


def test_failed_batches_alarm_watches_what_ingest_emits(packaged: Packaged) -> None:
    ingest_env = env(packaged, "Ingest")
    namespace = ingest_env["POWERTOOLS_METRICS_NAMESPACE"]
    (alarm,) = _alarms(packaged, namespace, "BatchesFailed")
    # Powertools Metrics adds one dimension, service = POWERTOOLS_SERVICE_NAME
    assert alarm["Dimensions"] == [{"Name": "service", "Value": ingest_env["POWERTOOLS_SERVICE_NAME"]}]
    assert sub_stage(alarm["Dimensions"][0]["Value"], packaged.stage) == f"innovation-points-{packaged.stage}"
    _alerts_on_anything(alarm, packaged)
    source = (ROOT / "chalicelib" / "services" / "ingest.py").read_text(encoding="utf-8")
    assert 'name="BatchesFailed"' in source  # the name ingest emits


@pytest.mark.parametrize("function", ["RelayOutbox", "BuildReports"])  # scheduled: no queue, no DLQ
def test_scheduled_function_failures_alarm(packaged: Packaged, function: str) -> None:
    (alarm,) = [
        a
        for a in _alarms(packaged, "AWS/Lambda", "Errors")
        if a["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": function}}]
    ]
    _alerts_on_anything(alarm, packaged)


# --- functions -----------------------------------------------------------------------------------

RESOURCE_ENV = {
    "UPLOAD_BUCKET": {"Ref": "UploadBucket"},
    "FACTS_TABLE": {"Ref": "FactsTable"},
    "SCORES_TABLE": {"Ref": "ScoresTable"},
    "BATCHES_TABLE": {"Ref": "BatchesTable"},
    "OUTBOX_TABLE": {"Ref": "OutboxTable"},
    "IDEMPOTENCY_TABLE": {"Ref": "IdempotencyTable"},
    "API_KEYS_TABLE": {"Ref": "ApiKeysTable"},
    "SUPPORT_TABLE": {"Ref": "SupportTable"},
    "OBJECTIONS_TABLE": {"Ref": "ObjectionsTable"},
    "UPLOADS_QUEUE_NAME": {"Fn::GetAtt": ["UploadsQueue", "QueueName"]},
    "RESCORE_QUEUE_NAME": {"Fn::GetAtt": ["RescoreQueue", "QueueName"]},
    "RESCORE_QUEUE_URL": {"Ref": "RescoreQueue"},  # Ref of a queue is its URL
    "WHITELIST_TOPIC_ARN": {"Ref": "WhitelistTopic"},  # Ref of a topic is its ARN
    "REPORTS_TABLE": {"Ref": "ReportsTable"},
    "JOBS_TABLE": {"Ref": "JobsTable"},
    "MODELS_TABLE": {"Ref": "ModelsTable"},
    "JOBS_QUEUE_NAME": {"Fn::GetAtt": ["JobsQueue", "QueueName"]},
    "JOBS_QUEUE_URL": {"Ref": "JobsQueue"},
    "POLICIES_TABLE": {"Ref": "PoliciesTable"},
    "POLICY_MATCHES_TABLE": {"Ref": "PolicyMatchesTable"},
    "POLICY_TOPIC_ARN": {"Ref": "PolicyTopic"},
    "POLICY_DELIVERY_QUEUE_NAME": {"Fn::GetAtt": ["PolicyDeliveryQueue", "QueueName"]},
    "POLICY_DELIVERY_QUEUE_URL": {"Ref": "PolicyDeliveryQueue"},
    "APP_STAGE": {"Ref": "Stage"},
}


def test_functions_get_the_stack_resources_from_the_environment(packaged: Packaged) -> None:
    known = {f.upper() for f in Settings.model_fields} | {
        "POWERTOOLS_SERVICE_NAME",
        "POWERTOOLS_METRICS_NAMESPACE",
    }
    for function in FUNCTIONS:
        variables = env(packaged, function)
        assert set(variables) <= known, f"{function}: unknown {set(variables) - known}"
        for name, value in RESOURCE_ENV.items():
            assert variables[name] == value, (function, name)


def test_only_the_api_gets_the_token_secret(packaged: Packaged) -> None:
    secret = env(packaged, "APIHandler")["TOKEN_SECRET"]
    assert refs(secret) == {"TokenSecret"}
    assert secret["Fn::Sub"].startswith("{{resolve:secretsmanager:")
    assert packaged.resources["TokenSecret"]["Type"] == "AWS::SecretsManager::Secret"
    for function in FUNCTIONS - {"APIHandler"}:
        assert "TOKEN_SECRET" not in env(packaged, function)


def test_functions_are_named_for_the_stage_and_log_to_their_groups(packaged: Packaged) -> None:
    for function in FUNCTIONS:
        name = sub_stage(packaged.resources[function]["Properties"]["FunctionName"], packaged.stage)
        assert name.startswith(f"innovation-points-{packaged.stage}-")
        role = role_of(packaged, function)
        logs = [
            s
            for n, s in statements(packaged)
            if n == role and any(a.startswith("logs:") for a in as_list(s["Action"]))
        ]
        (group,) = refs([s["Resource"] for s in logs])
        log_name = packaged.resources[group]["Properties"]["LogGroupName"]
        assert sub_stage(log_name, packaged.stage) == f"/aws/lambda/{name}"


def test_api_is_regional(packaged: Packaged) -> None:
    # edge-optimized APIs are not offered in the China regions
    assert packaged.resources["RestAPI"]["Properties"]["EndpointConfiguration"] == "REGIONAL"


def test_stage_parameter_is_pinned_to_the_packaged_stage(packaged: Packaged) -> None:
    stage = packaged.template["Parameters"]["Stage"]
    assert stage["Default"] == packaged.stage and stage["AllowedValues"] == [packaged.stage]
    tags = packaged.resources["Ingest"]["Properties"]["Tags"]["aws-chalice"]
    assert f"stage={packaged.stage}:" in tags


def test_cfn_lint_is_clean(packaged: Packaged) -> None:
    lint(packaged.path)  # raises PackagingError with the findings


def test_the_bucket_cors_is_pinned_to_the_console_origin(packaged: Packaged) -> None:
    """Only the console's own origin may post uploads from a browser (issue 23, item 12)."""
    parameter = packaged.template["Parameters"]["ConsoleOrigin"]
    assert parameter["AllowedPattern"].startswith("^(https://")
    (bucket,) = packaged.of_type("AWS::S3::Bucket").values()
    cors = bucket["Properties"]["CorsConfiguration"]
    assert cors["Fn::If"][0] == "HasConsoleOrigin" and cors["Fn::If"][2] == {"Ref": "AWS::NoValue"}
    (rule,) = cors["Fn::If"][1]["CorsRules"]
    assert rule["AllowedOrigins"] == [{"Ref": "ConsoleOrigin"}]
    assert rule["AllowedMethods"] == ["POST"]
