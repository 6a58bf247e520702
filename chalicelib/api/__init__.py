"""The HTTP API: one module of routes per resource, each a Blueprint (`Routes`), registered here."""

from __future__ import annotations

from typing import Any


def register_routes(app: Any) -> None:
    """Register every resource's routes on a Chalice app (app.py's, or a test's)."""
    from chalicelib.api import (
        batches,
        caller,
        console,
        enterprises,
        jobs,
        meta,
        models,
        objections,
        peers,
        policies,
        rankings,
        report_files,
        reports,
        rescore,
        support,
        uploads,
        verifications,
        what_if,
    )

    resources = (meta, enterprises, rankings, batches, uploads, verifications, rescore, jobs)
    the_model_s_life = (models, what_if)  # contract 11
    for module in (
        *resources,
        *the_model_s_life,
        policies,
        support,
        reports,
        objections,
        peers,
        caller,
        console,
    ):
        app.register_blueprint(module.routes.blueprint)
    if report_files.XLSX not in app.api.binary_types:  # workbooks leave base64-encoded through API Gateway
        app.api.binary_types.append(report_files.XLSX)
