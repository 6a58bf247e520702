"""The local stack's moto server names each request by service and operation from its headers alone."""

from __future__ import annotations

from typing import Any

from scripts.moto_server import CountingApp, operation_of

SCOPE = (
    "AWS4-HMAC-SHA256 Credential=local/20261130/cn-northwest-1/{}/aws4_request, "
    "SignedHeaders=host, Signature=x"
)


def test_json_protocols_are_named_by_their_target() -> None:
    environ = {
        "HTTP_X_AMZ_TARGET": "DynamoDB_20120810.BatchWriteItem",
        "HTTP_AUTHORIZATION": SCOPE.format("dynamodb"),
    }
    assert operation_of(environ) == "dynamodb.BatchWriteItem"
    environ = {"HTTP_X_AMZ_TARGET": "AmazonSQS.ReceiveMessage", "HTTP_AUTHORIZATION": SCOPE.format("sqs")}
    assert operation_of(environ) == "sqs.ReceiveMessage"


def test_rest_and_query_protocols_are_named_by_their_method() -> None:
    assert operation_of({"REQUEST_METHOD": "PUT", "HTTP_AUTHORIZATION": SCOPE.format("s3")}) == "s3.PUT"
    assert operation_of({"REQUEST_METHOD": "POST", "HTTP_AUTHORIZATION": SCOPE.format("sns")}) == "sns.POST"
    assert operation_of({"REQUEST_METHOD": "GET"}) == "other.GET"  # unsigned: a presigned POST, a browser


def test_the_counting_app_counts_each_request_and_passes_the_answer_through() -> None:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [])
        return [b"a", b"b"]

    counting = CountingApp(app)
    environ = {"HTTP_X_AMZ_TARGET": "DynamoDB_20120810.Query", "HTTP_AUTHORIZATION": SCOPE.format("dynamodb")}
    for _ in range(3):
        assert counting(environ, lambda *a: None) == [b"a", b"b"]
    snapshot = counting.snapshot()
    assert snapshot["operations"]["dynamodb.Query"]["requests"] == 3
    assert snapshot["operations"]["dynamodb.Query"]["seconds"] >= 0
    assert snapshot["cpu_s"] > 0
