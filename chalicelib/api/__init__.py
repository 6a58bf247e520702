"""The HTTP API: one module of routes per resource, each a Blueprint (`Routes`), registered here."""

from __future__ import annotations

from typing import Any


def register_routes(app: Any) -> None:
    """Register every resource's routes on a Chalice app (app.py's, or a test's)."""
    from chalicelib.api import batches, enterprises, meta, rankings, rescore, uploads, verifications

    for module in (meta, enterprises, rankings, batches, uploads, verifications, rescore):
        app.register_blueprint(module.routes.blueprint)
    from chalicelib.api import caller, console

    for module in (caller, console):
        app.register_blueprint(module.routes.blueprint)
