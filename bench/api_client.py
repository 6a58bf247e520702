"""The API in process for benchmarks: app.py's app, requests as JSON.

Requests run on a worker thread with a shallow stack: deep in a caller's stack CPython 3.11 maps and
unmaps frame chunks on every call of moto's recursive serialiser (a 15x slowdown; see
tests/aws/api_helpers.py, which does the same for the tests).
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from chalice.app import Chalice
from chalice.test import Client

WORKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bench-api")


def api_app() -> Chalice:
    """app.py's app: the routes serve that one app (`chalicelib.api.register_routes`)."""
    import app

    return app.app


def _answer(response: Any) -> tuple[int, Any]:
    return response.status_code, json.loads(response.body) if response.body else None


def get_json(client: Client, path: str, key: str) -> tuple[int, Any]:
    return _answer(WORKER.submit(client.http.get, path, headers={"X-API-Key": key}).result())


def post_json(client: Client, path: str, key: str, body: Any) -> tuple[int, Any]:
    headers = {"X-API-Key": key, "Content-Type": "application/json"}
    return _answer(WORKER.submit(client.http.post, path, headers=headers, body=json.dumps(body)).result())
