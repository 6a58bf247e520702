"""Create the stack's resources in moto (tests and the local stack); `infra/` does this in AWS.

The same names and wiring as in AWS: a versioned bucket whose `incoming/` notifications go to the
uploads queue, the tables of `chalicelib.stores.tables`, the rescore queue, DLQs and the topic.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from typing import Any

import boto3

from chalicelib.settings import Settings
from chalicelib.stores import tables

MAX_RECEIVE_COUNT = 5
# department files; support files (8); qualification files (17); zones' unit lists (15)
UPLOAD_PREFIXES = ("incoming/", "support/", "qualifications/", "zones/")


@dataclass(frozen=True)
class Resources:
    region: str
    upload_bucket: str
    uploads_queue_url: str
    uploads_dlq_url: str
    rescore_queue_url: str
    rescore_dlq_url: str
    whitelist_topic_arn: str
    policy_topic_arn: str = ""
    policy_delivery_queue_url: str = ""
    policy_delivery_dlq_url: str = ""
    jobs_queue_url: str = ""
    jobs_dlq_url: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _queue_with_dlq(sqs: Any, name: str) -> tuple[str, str]:
    dlq_url = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(MAX_RECEIVE_COUNT)})
    # a message a dead worker held comes back after this (AWS: six function timeouts, infra/); the stack
    # test of killed workers shortens it
    visibility = os.environ.get("QUEUE_VISIBILITY_S", "300")
    attributes = {"RedrivePolicy": redrive, "VisibilityTimeout": visibility}
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    return url, dlq_url


def local_origins(api_port: int = 8000) -> list[str]:
    """The origins a browser opens the local console at (`chalice local` on API_PORT)."""
    return [f"http://127.0.0.1:{api_port}", f"http://localhost:{api_port}"]


def provision(
    settings: Settings, prefix: str = "innovation-points-dev", console_origins: list[str] | None = None
) -> Resources:
    session = boto3.session.Session(region_name=settings.region)
    s3 = session.client("s3")
    sqs = session.client("sqs")
    sns = session.client("sns")
    s3.create_bucket(
        Bucket=settings.upload_bucket,
        CreateBucketConfiguration={"LocationConstraint": settings.region},  # type: ignore[typeddict-item]
    )
    s3.put_bucket_versioning(Bucket=settings.upload_bucket, VersioningConfiguration={"Status": "Enabled"})
    # the console posts uploads from the API's own origins, no other (infra/resources.yaml: ConsoleOrigin)
    s3.put_bucket_cors(
        Bucket=settings.upload_bucket,
        CORSConfiguration={
            "CORSRules": [
                {
                    "ID": "console-uploads",
                    "AllowedMethods": ["POST"],
                    "AllowedOrigins": console_origins or local_origins(),
                    "AllowedHeaders": ["*"],
                    "MaxAgeSeconds": 3000,
                }
            ]
        },
    )
    uploads_url, uploads_dlq = _queue_with_dlq(sqs, f"{prefix}-uploads")
    rescore_url, rescore_dlq = _queue_with_dlq(sqs, f"{prefix}-rescore")
    jobs_url, jobs_dlq = _queue_with_dlq(sqs, settings.jobs_queue_name)
    uploads_arn = sqs.get_queue_attributes(QueueUrl=uploads_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    s3.put_bucket_notification_configuration(
        Bucket=settings.upload_bucket,
        NotificationConfiguration={
            "QueueConfigurations": [
                {
                    "QueueArn": uploads_arn,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": key_prefix}]}},
                }
                for key_prefix in UPLOAD_PREFIXES
            ]
        },
    )
    topic_arn = sns.create_topic(Name=f"{prefix}-whitelist-changes")["TopicArn"]
    policy_topic_arn, delivery_url, delivery_dlq = _policy_delivery(sqs, sns, prefix)
    tables.create_tables()
    ddb = session.client("dynamodb")
    ddb.update_time_to_live(  # sent outbox records expire (as infra/resources.yaml declares)
        TableName=settings.outbox_table,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": tables.OUTBOX_TTL_ATTRIBUTE},
    )
    spec = tables.idempotency_table_spec()
    if spec["TableName"] not in ddb.list_tables()["TableNames"]:
        ddb.create_table(**spec)
    return Resources(
        region=settings.region,
        upload_bucket=settings.upload_bucket,
        uploads_queue_url=uploads_url,
        uploads_dlq_url=uploads_dlq,
        rescore_queue_url=rescore_url,
        rescore_dlq_url=rescore_dlq,
        whitelist_topic_arn=topic_arn,
        policy_topic_arn=policy_topic_arn,
        policy_delivery_queue_url=delivery_url,
        policy_delivery_dlq_url=delivery_dlq,
        jobs_queue_url=jobs_url,
        jobs_dlq_url=jobs_dlq,
    )


def _policy_delivery(sqs: Any, sns: Any, prefix: str) -> tuple[str, str, str]:
    """The policy topic and the 赣企通 delivery queue subscribed to it (raw delivery), with its DLQ."""
    topic_arn = sns.create_topic(Name=f"{prefix}-policy-matches")["TopicArn"]
    url, dlq_url = _queue_with_dlq(sqs, f"{prefix}-policy-delivery")
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(
        TopicArn=topic_arn,
        Protocol="sqs",
        Endpoint=arn,
        Attributes={
            "RawMessageDelivery": "true",
            "FilterPolicy": '{"type": ["policy.matched", "objection.resolved"]}',
        },
    )
    return topic_arn, url, dlq_url
