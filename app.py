"""Chalice wiring: event handlers and routes, one line or a few each. The domain lives in chalicelib/."""

from __future__ import annotations

from typing import Any

from chalice.app import Chalice, ConvertToMiddleware, SQSEvent

from chalicelib.api import register_routes
from chalicelib.observability import count_requests, drop_unpublished_metrics, logger, metrics
from chalicelib.settings import get_settings

settings = get_settings()

app = Chalice(app_name="innovation-points")
app.register_middleware(ConvertToMiddleware(logger.inject_lambda_context(clear_state=True)))
app.register_middleware(drop_unpublished_metrics)  # outermost: after log_metrics has flushed
app.register_middleware(ConvertToMiddleware(metrics.log_metrics))
app.register_middleware(count_requests, "http")  # inside log_metrics: counted, then flushed


# Handlers import their service lazily: every Lambda loads app.py, and each should pay only for its own.
@app.on_sqs_message(queue=settings.uploads_queue_name, batch_size=1, name="ingest")
def ingest(event: SQSEvent) -> dict[str, Any]:
    from chalicelib.wiring import handle_ingest_event

    return handle_ingest_event(event.to_dict(), event.context)


@app.on_sqs_message(queue=settings.rescore_queue_name, batch_size=10, name="rescore")
def rescore(event: SQSEvent) -> dict[str, Any]:
    from chalicelib.wiring import handle_rescore_event

    return handle_rescore_event(event.to_dict())


@app.on_sqs_message(queue=settings.jobs_queue_name, batch_size=1, name="jobs")
def jobs(event: SQSEvent) -> dict[str, Any]:
    from chalicelib.wiring import handle_jobs_event

    return handle_jobs_event(event.to_dict())


@app.schedule("rate(1 minute)", name="relay_outbox")
def relay_outbox(event: Any) -> None:
    from chalicelib.services.relay import drain_outbox

    drain_outbox()


@app.schedule("rate(1 minute)", name="build_reports")
def build_reports(event: Any) -> None:
    from chalicelib.services.reports import handle_schedule

    handle_schedule()


@app.on_sqs_message(queue=settings.policy_delivery_queue_name, batch_size=10, name="deliver_policies")
def deliver_policies(event: SQSEvent) -> dict[str, Any]:
    from chalicelib.services.delivery import handle_sqs_event

    return handle_sqs_event(event.to_dict())


register_routes(app)


@app.route("/health", methods=["GET"])
def health() -> dict[str, Any]:
    from chalicelib.services.model_registry import active_version

    return {"status": "ok", "model_version": active_version()}
