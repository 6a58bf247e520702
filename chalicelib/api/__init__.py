"""The HTTP API: one module of routes per resource, each a Blueprint (`Routes`), registered here."""

from __future__ import annotations

from typing import Any


def register_routes(app: Any) -> None:
    """Register every resource's routes on a Chalice app (app.py's, or a test's)."""
    from chalicelib.api import batches, enterprises, jobs, meta, rankings, rescore, uploads, verifications

    for module in (meta, enterprises, rankings, batches, uploads, verifications, rescore, jobs):
        app.register_blueprint(module.routes.blueprint)

    from chalicelib.api import report_files, reports

    app.register_blueprint(reports.routes.blueprint)
    if report_files.XLSX not in app.api.binary_types:  # workbooks leave base64-encoded through API Gateway
        app.api.binary_types.append(report_files.XLSX)
    from chalicelib.api import policies

    app.register_blueprint(policies.routes.blueprint)
