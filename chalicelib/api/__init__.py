"""The HTTP API: one module of routes per resource, each a Blueprint (`Routes`), registered here."""

from __future__ import annotations

from typing import Any


def register_routes(app: Any) -> None:
    """Register every resource's routes on a Chalice app (app.py's, or a test's)."""
    from chalicelib.api import (
        batches,
        enterprises,
        jobs,
        meta,
        models,
        policies,
        rankings,
        rescore,
        uploads,
        verifications,
        what_if,
    )

    resources = (meta, enterprises, rankings, batches, uploads, verifications, rescore, jobs)
    the_model_s_life = (models, what_if)  # contract 11
    for module in (*resources, *the_model_s_life, policies):
        app.register_blueprint(module.routes.blueprint)
