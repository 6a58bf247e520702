"""GET /openapi.json matches the routes Chalice serves, and its schemas describe real responses."""

from __future__ import annotations

import json
from typing import Any

import pytest
from chalice.app import Chalice
from chalice.test import Client

from chalicelib.api import RoutesRegisteredError, register_routes
from chalicelib.api.routing import OPERATIONS
from tests.aws.api_helpers import api_app, get_json

PATH_ITEM_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
APP_ROUTES = {("/health", "GET")}  # served by app.py itself, documented all the same


def _served(app: Chalice) -> set[tuple[str, str]]:
    return {(path, method) for path, methods in app.routes.items() for method in methods}


def _documented(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (path, method.upper())
        for path, item in document["paths"].items()
        for method in item
        if method in PATH_ITEM_METHODS
    }


def test_the_document_lists_exactly_the_served_routes(client: Client, keys: dict[str, str]) -> None:
    status, document = get_json(client, "/openapi.json", keys["bank"])
    assert status == 200 and document["openapi"].startswith("3.")
    assert _documented(document) == _served(api_app()) | APP_ROUTES


def test_each_operation_documents_its_parameters_and_roles(client: Client, keys: dict[str, str]) -> None:
    document = get_json(client, "/openapi.json", keys["admin"])[1]
    app = api_app()
    for op in OPERATIONS:
        doc = document["paths"][op.path][op.method.lower()]
        entry = app.routes[op.path][op.method]
        path_params = [p["name"] for p in doc["parameters"] if p["in"] == "path"]
        assert path_params == entry.view_args, op.path
        query = {p["name"] for p in doc["parameters"] if p["in"] == "query"}
        assert query == (set(op.params.model_fields) if op.params else set()), op.path
        assert doc["x-roles"] == list(op.roles) and str(op.status) in doc["responses"]
        if op.roles:
            assert {"401", "403"} <= set(doc["responses"]), op.path
        else:  # public (the console's static files): no key, so no 401/403 either
            assert doc["security"] == [] and not {"401", "403"} & set(doc["responses"]), op.path
        assert ("requestBody" in doc) == (op.body is not None)
        for ref in _refs(doc):
            assert ref.rsplit("/", 1)[-1] in document["components"]["schemas"], ref


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [v for k, v in node.items() if k == "$ref"] + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def test_a_route_added_without_the_registry_is_caught(client: Client, keys: dict[str, str]) -> None:
    document = get_json(client, "/openapi.json", keys["admin"])[1]
    rogue = Chalice(app_name="rogue")  # a route declared beside the registry (`Routes`)

    @rogue.route("/undocumented")
    def undocumented() -> dict[str, str]:
        return {}

    assert _documented(document) != _served(api_app()) | _served(rogue) | APP_ROUTES


def test_the_routes_serve_one_app_only(api_aws: Any, keys: dict[str, str]) -> None:
    """app.py's app serves the routes with their methods; a second app is refused, not half-served."""
    with pytest.raises(RoutesRegisteredError):
        register_routes(Chalice(app_name="second"))
    with Client(api_app()) as test_client:
        response = test_client.http.post(
            "/uploads",
            headers={"X-API-Key": keys["department:tax"], "Content-Type": "application/json"},
            body=json.dumps({"filename": "a.csv"}).encode(),
        )
        assert response.status_code == 200, response.body
        assert get_json(test_client, "/model", keys["bank"])[0] == 200


def test_the_document_lists_every_status_and_content_type_the_code_answers(
    client: Client, keys: dict[str, str]
) -> None:
    """Files answer their own types; conflicts (409), an oversized body (413) and a body of another type
    (415, Chalice's own answer) are documented where they happen (issue 23, item 18)."""
    paths = get_json(client, "/openapi.json", keys["admin"])[1]["paths"]
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    files = {path: path.rsplit(".", 1)[1] for path in paths if path.endswith((".csv", ".xlsx"))}
    assert {
        "/reports/regions.csv",
        "/reports/regions.xlsx",
        "/reports/zones.csv",
        "/reports/zones.xlsx",
    } <= set(files)
    for path, suffix in files.items():
        media = {"csv": "text/csv", "xlsx": xlsx}[suffix]
        assert set(paths[path]["get"]["responses"]["200"]["content"]) == {media}, path
    assert set(paths["/cultivation/{program}"]["get"]["responses"]["200"]["content"]) == {
        "application/json",
        "text/csv",  # /cultivation/<program>.csv
    }
    assert set(paths["/reports/snapshots/{snapshot_id}"]["get"]["responses"]["200"]["content"]) == {
        "application/json",
        xlsx,
    }
    conflicts = [
        ("/models", "post"),
        ("/models/{version}/activate", "post"),
        ("/policies/{policy_id}", "put"),
        ("/policies/{policy_id}/publish", "post"),
        ("/policies/{policy_id}/withdraw", "post"),
        ("/support", "post"),
    ]
    for path, method in conflicts:
        assert "409" in paths[path][method]["responses"], (path, method)
    assert "413" in paths["/support"]["post"]["responses"]
    for path, item in paths.items():
        for method, operation in item.items():
            if "requestBody" in operation:
                assert "415" in operation["responses"], (path, method)


def test_the_document_states_the_formats_the_code_enforces(client: Client, keys: dict[str, str]) -> None:
    """Page tokens, `since` days and the statistics' region are refused exactly as documented."""
    paths = get_json(client, "/openapi.json", keys["admin"])[1]["paths"]
    whitelist = {p["name"]: p["schema"] for p in paths["/whitelist"]["get"]["parameters"]}
    assert whitelist["next_token"]["pattern"] == r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$"
    statistics = {p["name"]: p["schema"] for p in paths["/statistics/indicators"]["get"]["parameters"]}
    assert statistics["region"]["pattern"] == r"^36([0-9]{2}){0,2}$"
    for since in ("0", "20260101", "2026-1-1"):  # a number of seconds or another spelling: 400
        status, problem = get_json(client, f"/reports/regions?since={since}", keys["admin"])
        assert (status, problem["code"]) == (400, "INVALID_PARAMETER"), since
    status, problem = get_json(client, "/whitelist?next_token=not-a-token", keys["admin"])
    assert (status, problem["code"]) == (400, "INVALID_TOKEN")
