from __future__ import annotations

import boto3

from scripts.provision import Resources


def test_provision_wires_bucket_to_uploads_queue(aws: Resources) -> None:
    s3 = boto3.client("s3")
    assert s3.get_bucket_versioning(Bucket=aws.upload_bucket)["Status"] == "Enabled"
    conf = s3.get_bucket_notification_configuration(Bucket=aws.upload_bucket)["QueueConfigurations"]
    assert conf[0]["QueueArn"].startswith("arn:aws-cn:sqs:cn-northwest-1:")
    assert aws.whitelist_topic_arn.startswith("arn:aws-cn:sns:")


def test_route_handlers_do_not_shadow_event_handlers() -> None:
    """Chalice keys handlers by function name: a route named like a Lambda would replace it."""
    import app

    for name in ("ingest", "rescore", "relay_outbox"):
        assert type(app.app.handler_map[name]).__name__ == "EventSourceHandler", name
