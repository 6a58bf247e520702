"""The service's one Powertools Logger and Metrics (no Tracer: X-Ray is absent in the China regions).

Services import these rather than making child loggers, so keys such as the batch id can be appended
even where app.py is not loaded (tests, the local stack's scripts).
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics

logger = Logger()
metrics = Metrics()
