"""The HTTP API: one module of routes per resource, each a Blueprint (`Routes`), registered here on
app.py's app (once: see `register_routes`)."""

from __future__ import annotations

from typing import Any

_registered_on: list[Any] = []


class RoutesRegisteredError(RuntimeError):
    """The routes serve one app: a Chalice Blueprint registered on a second app would lose its routes'
    methods and content types there (Chalice consumes them on the first registration)."""


def register_routes(app: Any) -> None:
    """Register every resource's routes on app.py's app; tests serve that app with `chalice.test.Client`."""
    if _registered_on:
        raise RoutesRegisteredError(f"the routes are registered on {_registered_on[0].app_name!r} already")
    _registered_on.append(app)
    from chalicelib.api import (
        batches,
        caller,
        console,
        cultivation,
        enterprises,
        jobs,
        meta,
        models,
        objections,
        peers,
        policies,
        products,
        rankings,
        report_files,
        reports,
        rescore,
        support,
        uploads,
        verifications,
        what_if,
        zone_reports,
        zones,
    )

    resources = (meta, enterprises, rankings, batches, uploads, verifications, rescore, jobs)
    the_model_s_life = (models, what_if)  # contract 11
    v3 = (zones, zone_reports, objections, peers, cultivation, products)  # contract 14, 16, 17, 18
    for module in (*resources, *the_model_s_life, policies, support, reports, caller, console, *v3):
        app.register_blueprint(module.routes.blueprint)
    if report_files.XLSX not in app.api.binary_types:  # workbooks leave base64-encoded through API Gateway
        app.api.binary_types.append(report_files.XLSX)
