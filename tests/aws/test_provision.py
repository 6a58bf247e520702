from __future__ import annotations

import boto3

from scripts.provision import Resources


def test_provision_wires_bucket_to_uploads_queue(aws: Resources) -> None:
    s3 = boto3.client("s3")
    assert s3.get_bucket_versioning(Bucket=aws.upload_bucket)["Status"] == "Enabled"
    conf = s3.get_bucket_notification_configuration(Bucket=aws.upload_bucket)["QueueConfigurations"]
    assert conf[0]["QueueArn"].startswith("arn:aws-cn:sqs:cn-northwest-1:")
    assert aws.whitelist_topic_arn.startswith("arn:aws-cn:sns:")
