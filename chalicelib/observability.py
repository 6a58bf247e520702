"""The service's one Powertools Logger and Metrics (no Tracer: X-Ray is absent in the China regions).

Services import these rather than making child loggers, so keys such as the batch id can be appended
even where app.py is not loaded (tests, the local stack's scripts).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.metrics.functions import is_metrics_disabled

logger = Logger()
metrics = Metrics()


def count_requests(event: Any, get_response: Callable[[Any], Any]) -> Any:
    """HTTP middleware: every API request counts (`ApiRequests`), and every 5xx (`ApiServerErrors`).

    Registered inside the metrics middleware, it also gives each API invocation something to publish:
    an empty flush would log a warning on every request.
    """
    response = get_response(event)
    metrics.add_metric(name="ApiRequests", unit=MetricUnit.Count, value=1)
    if response.status_code >= 500:
        metrics.add_metric(name="ApiServerErrors", unit=MetricUnit.Count, value=1)
    return response


def drop_unpublished_metrics(event: Any, get_response: Callable[[Any], Any]) -> Any:
    """Middleware outside `log_metrics`: with metrics disabled (the local stack, tests), Powertools'
    flush keeps what it did not publish, so metrics pile up across invocations and are printed anyway
    once one reaches 100 values. Dropping them after each invocation keeps them per invocation."""
    try:
        return get_response(event)
    finally:
        if is_metrics_disabled():
            metrics.clear_metrics()
