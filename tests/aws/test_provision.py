from __future__ import annotations

import json
import warnings

import boto3
import pytest
from chalice.test import Client

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


def test_api_requests_publish_a_metric_and_no_empty_flush_warning(
    aws: Resources, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every API invocation flushes metrics: it must have one to flush, or Powertools warns each time."""
    import app

    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    with warnings.catch_warnings(record=True) as caught, Client(app.app) as client:
        warnings.simplefilter("always")
        for path in ("/health", "/model", "/no-such-route"):
            client.http.get(path)
    assert [str(w.message) for w in caught if "No application metrics" in str(w.message)] == []
    emitted = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    requests = [m for m in emitted if "ApiRequests" in m]
    assert len(requests) >= 2 and all(m["ApiRequests"] == [1.0] or m["ApiRequests"] == 1.0 for m in requests)


def test_disabled_metrics_do_not_pile_up_across_invocations(
    aws: Resources, capsys: pytest.CaptureFixture[str]
) -> None:
    """With metrics disabled (the local stack), nothing is printed, even after 100 invocations: Powertools
    keeps unpublished metrics and prints them once one reaches 100 values, unless they are dropped."""
    import app

    scheduled = {
        "version": "0",
        "id": "t",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": "2026-01-05T08:00:00Z",
        "region": aws.region,
        "resources": [],
        "detail": {},
    }
    with Client(app.app) as client:
        for _ in range(101):
            client.lambda_.invoke("relay_outbox", scheduled)
    assert '"_aws"' not in capsys.readouterr().out


def test_the_local_bucket_cors_is_pinned_to_the_api_origins(aws: Resources) -> None:
    """Locally too: the API's own origins, not any port of any host (issue 23, item 12)."""
    (rule,) = boto3.client("s3").get_bucket_cors(Bucket=aws.upload_bucket)["CORSRules"]
    assert rule["AllowedOrigins"] == ["http://127.0.0.1:8000", "http://localhost:8000"]
    assert rule["AllowedMethods"] == ["POST"]
