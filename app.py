"""Chalice wiring: event handlers and routes, one line or a few each. The domain lives in chalicelib/."""

from __future__ import annotations

from typing import Any

from chalice.app import Chalice

from chalicelib.settings import get_settings

app = Chalice(app_name="innovation-points")


@app.route("/health", methods=["GET"])
def health() -> dict[str, Any]:
    return {"status": "ok", "model_version": get_settings().model_version}
